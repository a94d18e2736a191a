"""专项行动 (special campaigns): the office's definition, its targets, the rule for 整治完成, progress and planning."""

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.common import Day, Id, StrictIn
from schemas.enums import ChecklistKind, RiskClass

ShortText = Field(min_length=1, max_length=64)


class PlantRole(StrEnum):
    LANDLORD = "landlord"  # lessor of a 厂中厂 plant site
    TENANT = "tenant"


class TargetFilter(StrictIn):
    """Which registered enterprises a campaign targets; every condition given must hold (empty: not asked).

    Resolved when the campaign is created: the targets are a list from then on (add more with a list)."""

    streets: list[str] = Field(default_factory=list, max_length=50)
    industries: list[str] = Field(default_factory=list, max_length=50)
    risk_classes: list[RiskClass] = Field(default_factory=list, max_length=4)
    dust_involved: bool | None = None
    gas_user: bool | None = None
    plant_roles: list[PlantRole] = Field(default_factory=list, max_length=2,
                                         description="厂中厂: lessors, tenants or both")

    @model_validator(mode="after")
    def _bounded(self) -> "TargetFilter":
        for text in (*self.streets, *self.industries):
            if not 1 <= len(text) <= 64:
                raise ValueError("街道、行业名称须为1至64个字符 / streets and industries are 1-64 characters")
        return self

    @property
    def is_empty(self) -> bool:
        return not (self.streets or self.industries or self.risk_classes or self.plant_roles) and (
            self.dust_involved is None and self.gas_user is None)


class CompletionRule(StrictIn):
    """What 整治完成 means for one target enterprise (every condition switched on must hold).

    ``visited``: a submitted visit in the campaign period asked one of the campaign's checklist kinds.
    ``hazards_closed``: every hazard of those kinds found in the period is closed (voided ones do not count).
    ``majors_reinspected``: every major hazard among them was closed by an on-site re-inspection (整改复查意见书).
    ``min_visits``: at least this many such visits."""

    visited: bool = True
    hazards_closed: bool = True
    majors_reinspected: bool = True
    min_visits: int = Field(default=1, ge=0, le=12)

    @model_validator(mode="after")
    def _something(self) -> "CompletionRule":
        if not (self.visited or self.hazards_closed or self.majors_reinspected or self.min_visits):
            raise ValueError("整治完成标准至少包含一项条件 / the completion rule needs at least one condition")
        return self


class CampaignCreate(StrictIn):
    """The office defines a campaign: targets by a filter, a list of credit codes (an uploaded list), or both."""

    name: str = Field(min_length=2, max_length=128)
    description: str = Field(default="", max_length=2000)
    start_date: Day
    end_date: Day
    kinds: list[ChecklistKind] = Field(min_length=1, max_length=3)
    target_filter: TargetFilter | None = None
    credit_codes: list[str] = Field(default_factory=list, max_length=5000,
                                    description="统一社会信用代码 of target enterprises (an uploaded list)")
    rule: CompletionRule = Field(default_factory=CompletionRule)

    @model_validator(mode="after")
    def _consistent(self) -> "CampaignCreate":
        if self.end_date < self.start_date:
            raise ValueError("结束日期不能早于开始日期 / end_date must not be before start_date")
        if (self.end_date - self.start_date).days > 366:
            raise ValueError("专项行动期限不超过一年 / a campaign lasts at most one year")
        if len(set(self.kinds)) != len(self.kinds):
            raise ValueError("检查表类别重复 / a checklist kind is listed twice")
        if any(not 1 <= len(code) <= 18 for code in self.credit_codes):
            raise ValueError("统一社会信用代码为18位 / a credit code has 18 characters")
        return self


class CampaignTargetsIn(StrictIn):
    """More targets for a campaign: an uploaded list of credit codes."""

    credit_codes: list[str] = Field(min_length=1, max_length=5000)

    @model_validator(mode="after")
    def _bounded(self) -> "CampaignTargetsIn":
        if any(not 1 <= len(code) <= 18 for code in self.credit_codes):
            raise ValueError("统一社会信用代码为18位 / a credit code has 18 characters")
        return self


class CampaignPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str
    start_date: date
    end_date: date
    kinds: list[str]
    target_filter: dict[str, object] | None
    rule: CompletionRule
    targets: int = 0
    created_by: int | None
    created_at: datetime
    status: str = Field(default="open", description="open | closed (a closed campaign plans no more tasks)")
    closed_by: int | None = None
    closed_at: datetime | None = None
    close_note: str = ""


class CampaignCloseIn(StrictIn):
    """The office closes a campaign; an optional note (why, what follows)."""

    note: str = Field(default="", max_length=500)


class CampaignTargetsUploaded(BaseModel):
    campaign: CampaignPublic
    rows: int = Field(description="credit codes listed in the file")
    added: int = Field(description="enterprises new to the campaign (the others were targets already)")


class CampaignPlanIn(StrictIn):
    """Plan the campaign's inspections through the planner: one task per target and enforcing department.

    ``window_start``/``window_end`` default to the rest of the campaign period. With ``assign`` two certified
    inspectors of the department (not recused) are named on each task, so the merge job schedules it; without,
    the tasks wait for the office to assign them."""

    department_ids: list[Id] = Field(default_factory=list, max_length=10,
                                     description="default: every department enforcing an item of the kinds")
    window_start: Day | None = None
    window_end: Day | None = None
    assign: bool = True
    announced: bool | None = None


class CampaignPlanOut(BaseModel):
    campaign_id: int
    created: int = Field(description="tasks made now")
    existing: int = Field(description="tasks the campaign already had for the same target and department")
    unassigned: int = Field(description="tasks waiting for inspectors")
    skipped: list[dict[str, object]] = Field(description="targets no department's kinds apply to, with the reason")
    task_ids: list[int]


class EnterpriseProgress(BaseModel):
    enterprise_id: int
    name: str
    credit_code: str
    street: str
    tasks: int
    visits: int
    visited: bool
    last_visit_at: datetime | None
    hazards_found: int
    hazards_closed: int
    majors_found: int
    majors_reinspected: int
    done: bool = Field(description="整治完成 under the campaign's rule")
    missing: list[str] = Field(description="what is still missing for 整治完成 (Chinese)")


class ProgressFigures(BaseModel):
    targets: int = 0
    visited: int = 0
    hazards_found: int = 0
    hazards_closed: int = 0
    majors_found: int = 0
    majors_reinspected: int = 0
    done: int = 0
    visited_rate: float | None = None
    done_rate: float | None = None
    closure_rate: float | None = None


class StreetProgress(ProgressFigures):
    street: str


class CampaignProgress(BaseModel):
    campaign: CampaignPublic
    as_of: datetime
    total: ProgressFigures
    streets: list[StreetProgress]
    enterprises: list[EnterpriseProgress]
