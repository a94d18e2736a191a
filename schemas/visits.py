"""Visits, checklists as asked on site, submissions and offline sync."""

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from schemas.common import Day, ErrorBody, Id, Moment, StrictIn
from schemas.enterprises import EnterpriseRef
from schemas.enums import ChecklistKind, HazardLevel, ItemResult, Party, VisitSource, VisitStatus


class VisitDepartmentIn(StrictIn):
    department_id: Id
    kinds: list[ChecklistKind] = Field(default_factory=list, max_length=3)


class VisitCreate(StrictIn):
    """Start-ahead of a visit. An inspector creates one for their own department (ad hoc); the office may
    create a joint visit naming several departments."""

    client_uuid: UUID | None = Field(default=None, description="generated on the phone; a retry with the same key "
                                     "returns the visit the first request made")
    enterprise_id: Id
    planned_date: Day | None = None
    kinds: list[ChecklistKind] | None = Field(default=None, max_length=3,
                                              description="default: every kind that applies to the enterprise")
    inspector_ids: list[Id] = Field(default_factory=list, max_length=10,
                                     description="co-inspectors; an order needs two certified officers")
    departments: list[VisitDepartmentIn] | None = Field(default=None, max_length=8)
    source: VisitSource = VisitSource.ADHOC
    announced: bool = True


class VisitInspectorsIn(StrictIn):
    inspector_ids: list[Id] = Field(min_length=1, max_length=10)


class VisitCancelIn(StrictIn):
    reason: str = Field(min_length=1, max_length=500)


class VisitRecordIn(StrictIn):
    """What the 现场检查记录 states besides the results (REFERENCE §G.7); given at start or at submission, a
    field left out keeps what was recorded before."""

    representative_name: str | None = Field(default=None, min_length=1, max_length=64,
                                            description="法定代表人 or 主要负责人 present")
    representative_title: str | None = Field(default=None, min_length=1, max_length=32,
                                             description="法定代表人 / 主要负责人 / 安全负责人 …")
    representative_phone: str | None = Field(default=None, max_length=32, pattern=r"^[0-9+\-() ]{5,32}$")
    place_inspected: str | None = Field(default=None, min_length=1, max_length=255,
                                        description="the place inspected (workshop, floor, address)")
    credentials_shown: bool | None = Field(default=None, description="the inspectors showed their 执法证件")
    recusal_explained: bool | None = Field(default=None, description="the right to ask for recusal (回避) explained")


class PartWithdrawIn(StrictIn):
    reason: str = Field(min_length=1, max_length=500, description="why this department does not do its part")


class VisitStart(StrictIn):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0)
    record: VisitRecordIn | None = None


class VisitDepartmentOut(BaseModel):
    department_id: int
    code: str
    name: str = ""  # the department as people call it (shown to the enterprise: who came)
    kinds: list[str]
    part: str = Field("open", description="the department's own part: open, submitted or withdrawn")
    submitted_at: datetime | None = None
    withdrawn_reason: str = ""
    part_id: int = Field(0, description="the part's id: its own record is the instrument ``visit_part`` of this id")
    record_number: str | None = Field(None, description="the part's own 现场检查记录 number, in its department's "
                                      "sequence (null until submitted, and on visits numbered once as a whole)")


class VisitInspectorOut(BaseModel):
    user_id: int
    full_name: str
    department_id: int
    certified: bool


class VisitPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    enterprise: EnterpriseRef
    plant_site_id: int | None
    lead_department_id: int
    source: VisitSource
    status: VisitStatus
    planned_date: date | None
    announced: bool
    started_at: datetime | None
    start_distance_m: float | None
    far_from_site: bool
    submitted_at: datetime | None
    signature_photo_id: int | None
    record_number: str | None = Field(default=None, description="the 现场检查记录's document number; a joint "
                                      "visit: its departments' own records' numbers, joined by 、 (see "
                                      "departments[].record_number)")
    ended_at: datetime | None = None
    place_inspected: str | None = None
    representative_name: str | None = None
    representative_title: str | None = None
    representative_phone: str | None = None
    credentials_shown: bool | None = None
    recusal_explained: bool | None = None
    departments: list[VisitDepartmentOut]
    inspectors: list[VisitInspectorOut]


class AskedItem(BaseModel):
    code: str
    text: str
    gloss: str
    legal_basis: str
    level: HazardLevel
    deadline_days: int
    photo_required: bool
    party: str | None
    department_id: int
    departments: list[str] = Field(default_factory=list, description="执法主体: enforcing department codes")
    advisory: bool = Field(False, description="提示项: recorded and advised, never on an order")
    shared: bool = Field(False, description="a check several departments on the visit enforce: answered once")
    answered_by_department_id: int | None = Field(None, description="a shared check another department's part "
                                                  "answered first: its answer stands")
    answer: ItemResult | None = Field(None, description="that standing answer")
    refer_to: str | None = Field(None, description="no department on the visit enforces it: a failure is "
                                 "referred (移送) to this department")


class AskedSection(BaseModel):
    kind: ChecklistKind
    version: int
    code: str
    title: str
    items: list[AskedItem]


class VisitChecklist(BaseModel):
    visit_id: int
    enterprise_id: int
    department_id: int | None = Field(None, description="the department whose part this is; null: every item")
    plant_role: str | None
    sections: list[AskedSection]


class ResultIn(StrictIn):
    item_code: str = Field(max_length=16)
    result: ItemResult
    note: str = Field(default="", max_length=2000)
    photo_ids: list[Id] = Field(default_factory=list, max_length=20)
    fixed_on_spot: bool = Field(default=False, description="0-day items fixed during the visit")
    after_photo_ids: list[Id] = Field(default_factory=list, max_length=20)
    party: Party | None = Field(default=None, description="厂中厂: landlord, tenant or both")
    raise_to_major: bool = False
    deadline_days: int | None = Field(default=None, ge=0, le=365)


class SubmissionIn(StrictIn):
    client_uuid: UUID = Field(description="generated on the phone; replays return the original result")
    captured_at: Moment | None = None
    results: list[ResultIn] = Field(min_length=1, max_length=300, description="every asked item, once")
    note: str = Field(default="", max_length=2000)
    ended_at: Moment | None = Field(default=None, description="when the inspection on site ended (检查结束时间)")
    record: VisitRecordIn | None = None


class ResultPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    item_code: str
    kind: str
    department_id: int
    outcome: ItemResult
    note: str
    photo_ids: list[int]
    fixed_on_spot: bool
    after_photo_ids: list[int]
    party: Party | None


class SubmissionPublic(BaseModel):
    id: int
    visit_id: int
    department_id: int | None = Field(None, description="the department whose part this is")
    version: int
    client_uuid: str
    supersedes_id: int | None
    submitted_at: datetime
    captured_at: datetime | None
    checklists: dict[str, int]
    results: list[ResultPublic]
    hazard_ids: list[int] = []
    order_ids: list[int] = []
    advice: list[str] = Field(default_factory=list, description="提示项 failed: advice to the enterprise, no hazard")
    referral_ids: list[int] = Field(default_factory=list, description="findings referred (移送) to the enforcing "
                                    "department")
    replayed: bool = False


class AdviceOut(BaseModel):
    """A failed 提示项: advice to the enterprise on the visit record; no hazard, deadline or order."""

    item_code: str
    text: str
    note: str
    department_id: int
    photo_ids: list[int]
    legal_basis: str = Field("", description="what the item cites (a campaign list, a local rule …)")
    department_name: str = ""


class SyncItem(SubmissionIn):
    visit_id: Id
    correction: bool = False


class SyncIn(StrictIn):
    submissions: list[SyncItem] = Field(max_length=50)


class SyncItemOut(BaseModel):
    client_uuid: str
    visit_id: int
    status: str  # created | replayed | error
    http_status: int
    submission: SubmissionPublic | None = None
    error: ErrorBody | None = None


class SyncOut(BaseModel):
    results: list[SyncItemOut]


class ScanPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    enterprise_id: int | None
    plant_site_id: int | None
    latitude: float | None
    longitude: float | None
    scanned_at: datetime
