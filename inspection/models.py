"""Table models of the inspection domain: people, enterprises, plant sites, visits, photos, audit events.

A visit is one trip to one enterprise; several departments may share it (a joint visit, 综合查一次). Each
department submits its own results (``Submission``), so each keeps its own findings and orders.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint
from sqlmodel import JSON, Field, SQLModel

from inspection.clock import local_date
from inspection.types import EnumText, UTCDateTime, utcnow
from schemas.enums import ItemResult, Party, RiskClass, Role, VisitSource, VisitStatus
from schemas.tasks import ReferralOrigin, ReferralStatus, TaskSource, TaskStatus

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utc_column(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def created_column() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Department(SQLModel, table=True):
    """A regulating department (应急管理, 消防, 住建/燃气, 市场监管 ...)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)  # short code used in order numbers, e.g. 应急
    name: str = Field(max_length=64)
    district_short: str = Field(default="新北", max_length=16)  # （新北）应急责改〔2026〕0123号
    working_days: bool = False  # deadlines counted in working days instead of calendar days
    priority: int = 100  # lower leads a joint visit


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    password_hash: str = Field(max_length=255)
    full_name: str = Field(max_length=64)
    role: Role = Field(sa_type=EnumText(Role, 16))
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id", index=True)
    cert_no: str | None = Field(default=None, max_length=32)  # 执法证号; only certified inspectors issue orders
    cert_valid_to: date | None = None  # the 执法证's last valid day; None: not recorded (no expiry known)
    phone: str | None = Field(default=None, max_length=32)
    department_head: bool = False  # the escalation ladder's "department head" step reaches these
    is_active: bool = True
    created_at: datetime = created_column()


class Recusal(SQLModel, table=True):
    """An inspector declared in conflict with an enterprise (回避): never assigned to inspect it."""

    __table_args__ = (UniqueConstraint("user_id", "enterprise_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id")
    reason: str = Field(default="", max_length=200)
    declared_at: datetime = created_column()


class LoginThrottle(SQLModel, table=True):
    """Failed logins per username, so repeated guessing is slowed down across workers."""

    __tablename__ = "login_throttle"
    username: str = Field(primary_key=True, max_length=160)  # the throttle key: a username, or username + client
    failures: int = 0
    locked_until: datetime | None = utc_column()
    last_failure_at: datetime | None = utc_column()


class Enterprise(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128, index=True)
    credit_code: str = Field(max_length=18, unique=True)
    address: str = Field(default="", max_length=255)
    street: str = Field(default="", max_length=64, index=True)
    latitude: float | None = None
    longitude: float | None = None
    industry: str = Field(default="other", max_length=32, index=True)
    risk_class: RiskClass = Field(sa_type=EnumText(RiskClass, 1), default=RiskClass.B, index=True)
    green_listed: bool = False
    green_valid_from: date | None = None
    green_valid_to: date | None = None
    dust_involved: bool = False
    dust_kind: str | None = Field(default=None, max_length=32)
    gas_user: bool = False
    gas_supply: str | None = Field(default=None, max_length=16)
    gas_role: str = Field(default="user", max_length=16)
    contact_name: str = Field(default="", max_length=64)
    contact_phone: str = Field(default="", max_length=32)
    fatal_accident_3y: bool = False  # 近三年发生生产安全死亡事故
    serious_dishonest: bool = False  # 列入严重失信名单
    created_at: datetime = created_column()
    updated_at: datetime = created_column()


class PlantSite(SQLModel, table=True):
    """A 厂中厂 site: one landlord enterprise leasing space to several tenant enterprises."""

    __tablename__ = "plant_site"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128)
    address: str = Field(default="", max_length=255)
    street: str = Field(default="", max_length=64)
    latitude: float | None = None
    longitude: float | None = None
    landlord_id: int = Field(foreign_key="enterprise.id", index=True)
    created_at: datetime = created_column()


def _today() -> date:
    return local_date(utcnow())


class PlantSiteTenant(SQLModel, table=True):
    """A tenancy: one tenant renting one unit of a plant site from a start date to an end date (null: open-ended).

    Ended and expired tenancies stay (history); only the current ones (``inspection.registry.tenancies``) make a
    tenant of the site on a given day. One tenant's tenancies of the same unit never overlap.
    """

    __tablename__ = "plant_site_tenant"
    __table_args__ = (Index(None, "site_id", "enterprise_id"),)

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="plant_site.id", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    unit: str = Field(default="", max_length=64)  # building / floor / room, e.g. 3号楼2层; "" the whole site
    area_m2: float | None = None
    start_date: date = Field(default_factory=_today)
    end_date: date | None = None  # the last day of the tenancy; null: open-ended
    ended_at: datetime | None = utc_column()
    ended_by: int | None = Field(default=None, foreign_key="app_user.id")
    end_reason: str = Field(default="", max_length=200)
    created_at: datetime = created_column()


class Visit(SQLModel, table=True):
    """One trip to one enterprise, by one or more inspectors of one or more departments."""

    id: int | None = Field(default=None, primary_key=True)
    client_uuid: str | None = Field(default=None, max_length=36, unique=True)  # the phone's key: a retry is a replay
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    plant_site_id: int | None = Field(default=None, foreign_key="plant_site.id")
    lead_department_id: int = Field(foreign_key="department.id")
    source: VisitSource = Field(sa_type=EnumText(VisitSource, 16), default=VisitSource.ADHOC)
    status: VisitStatus = Field(sa_type=EnumText(VisitStatus, 16), default=VisitStatus.PLANNED, index=True)
    planned_date: date | None = Field(default=None, index=True)
    announced: bool = True
    started_at: datetime | None = utc_column()
    started_by: int | None = Field(default=None, foreign_key="app_user.id")
    start_latitude: float | None = None
    start_longitude: float | None = None
    start_distance_m: float | None = None
    far_from_site: bool = False
    submitted_at: datetime | None = utc_column()
    signature_photo_id: int | None = None  # photo.id; no FK (photo -> visit already points the other way)
    # the 现场检查记录 (REFERENCE §G.7); null on visits made before they were asked
    record_number: str | None = Field(default=None, max_length=64)
    ended_at: datetime | None = utc_column()
    place_inspected: str | None = Field(default=None, max_length=255)
    representative_name: str | None = Field(default=None, max_length=64)
    representative_title: str | None = Field(default=None, max_length=32)  # 法定代表人 / 主要负责人 / …
    representative_phone: str | None = Field(default=None, max_length=32)
    credentials_shown: bool | None = None  # 出示执法证件
    recusal_explained: bool | None = None  # 告知申请回避的权利
    # the only checklist items this visit asks (a pre-lease inspection: ``hazards.leasing``); null: as the profile says
    item_codes: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = created_column()


class VisitDepartment(SQLModel, table=True):
    """A department taking part in a visit, with the checklist kinds it asks and their pinned versions."""

    __tablename__ = "visit_department"
    __table_args__ = (UniqueConstraint("visit_id", "department_id"),)

    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(foreign_key="visit.id", index=True)
    department_id: int = Field(foreign_key="department.id")
    kinds: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # {kind: version} of the checklists pinned when the department joined the visit, so a visit in progress
    # keeps its wording; null on visits made before pinning (they read as the version their submission
    # recorded, else version 1)
    checklist_versions: dict[str, int] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # the department's own part of the visit: submitted (its first submission), or withdrawn with a reason;
    # the visit is complete when every part is one or the other
    submitted_at: datetime | None = utc_column()
    withdrawn_at: datetime | None = utc_column()
    withdrawn_reason: str = Field(default="", max_length=500)
    # the part's own 现场检查记录 number, in its department's sequence, given at the part's first submission;
    # null on parts not yet submitted and on visits numbered once as a whole (``Visit.record_number``)
    record_number: str | None = Field(default=None, max_length=64)


class VisitInspector(SQLModel, table=True):
    __tablename__ = "visit_inspector"
    __table_args__ = (UniqueConstraint("visit_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(foreign_key="visit.id", index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    department_id: int = Field(foreign_key="department.id")


class Submission(SQLModel, table=True):
    """The results of a visit as the phone sent them. A correction is a new version superseding the old one.

    Each department of a visit submits its own part (``department_id``; null on submissions from before parts,
    which covered the whole visit) and corrects it with versions of its own. A check several departments on
    the visit enforce is answered once, by the part submitted first (``inspection.field.visits.asked_items``);
    a correction by another of them answering it otherwise replaces that answer (the later current row stands).
    """

    __table_args__ = (UniqueConstraint("visit_id", "department_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    client_uuid: str = Field(max_length=36, unique=True)  # idempotency key generated on the phone
    payload_hash: str = Field(max_length=64)
    visit_id: int = Field(foreign_key="visit.id", index=True)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    version: int = 1
    supersedes_id: int | None = Field(default=None, foreign_key="submission.id")
    is_current: bool = True
    submitted_by: int = Field(foreign_key="app_user.id")
    captured_at: datetime | None = utc_column()
    submitted_at: datetime = created_column()
    checklists: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    note: str = ""


class Result(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("submission_id", "item_code"),)

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submission.id", index=True)
    department_id: int = Field(foreign_key="department.id")
    item_code: str = Field(max_length=16)
    kind: str = Field(max_length=8)
    outcome: ItemResult = Field(sa_type=EnumText(ItemResult, 16))
    note: str = ""
    photo_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    fixed_on_spot: bool = False
    after_photo_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    party: Party | None = Field(sa_type=EnumText(Party, 16), default=None)
    raise_to_major: bool = False
    deadline_days: int | None = None


class Photo(SQLModel, table=True):
    """One upload by one person for one context (a visit, or an enterprise's own evidence). Identical bytes
    uploaded by another person or for another visit make another record; the file is stored once, by hash."""

    __table_args__ = (Index("ix_photo_sha256_uploaded_by", "sha256", "uploaded_by"),)

    id: int | None = Field(default=None, primary_key=True)
    client_uuid: str = Field(max_length=36, unique=True)
    sha256: str = Field(max_length=64)
    verify_code: str = Field(max_length=12, unique=True)
    content_type: str = Field(max_length=32)
    size_bytes: int
    width: int
    height: int
    captured_at: datetime | None = utc_column()
    latitude: float | None = None
    longitude: float | None = None
    uploaded_by: int = Field(foreign_key="app_user.id")
    enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id", index=True)
    visit_id: int | None = Field(default=None, foreign_key="visit.id", index=True)
    trailing_bytes: int | None = None  # bytes after the image's end (motion photo, polyglot); None: not measured
    purpose: str | None = Field(default=None, max_length=16)  # "signature": a signature capture; None: a photo
    created_at: datetime = created_column()


class PhotoHash(SQLModel, table=True):
    """One perceptual hash of a photo (``inspection.photos.likeness``): window 0 is the whole picture, 1-18 its
    windows. The four 16-bit bands are indexed each: a lookup reads the rows sharing a band, never all."""

    __tablename__ = "photo_hash"
    __table_args__ = (UniqueConstraint("photo_id", "window"),)

    id: int | None = Field(default=None, primary_key=True)
    photo_id: int = Field(foreign_key="photo.id")
    window: int
    value: int = Field(sa_column=Column(BigInteger, nullable=False))  # the unsigned 64-bit hash, stored signed
    band0: int = Field(index=True)
    band1: int = Field(index=True)
    band2: int = Field(index=True)
    band3: int = Field(index=True)


class ScanLog(SQLModel, table=True):
    """扫码入企: every scan of a QR plaque, so the enterprise and the office see who came."""

    __tablename__ = "scan_log"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id", index=True)
    plant_site_id: int | None = Field(default=None, foreign_key="plant_site.id")
    latitude: float | None = None
    longitude: float | None = None
    scanned_at: datetime = created_column()


class Event(SQLModel, table=True):
    """Append-only audit trail, hash-chained: every change to an enterprise, hazard, order or evidence."""

    # (action, entity_id): finds the few events of one kind (e.g. hazard.void, read by hazards/stats.py) at once
    __table_args__ = (Index(None, "entity", "entity_id"), Index(None, "action", "entity_id"))

    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=32)
    entity_id: int
    action: str = Field(max_length=48)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    at: datetime = created_column()
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    reason: str = ""
    prev_hash: str = Field(max_length=64)  # the previous event's of this entity (of the global chain if legacy)
    hash: str = Field(max_length=64, unique=True)
    entity_chain: bool = True  # False: written before per-entity chains, linked in the one global chain


class AuditAnchor(SQLModel, table=True):
    """A checkpoint of the audit trail (``inspection.audit.anchor``): events up to an id, and the digest of every
    entity's chain head there. A signed copy of each is appended to a file outside the database."""

    __tablename__ = "audit_anchor"
    id: int | None = Field(default=None, primary_key=True)
    max_event_id: int
    events: int
    digest: str = Field(max_length=64)
    at: datetime = created_column()


class InspectionTask(SQLModel, table=True):
    """A department's plan to inspect one enterprise on some working day within a window.

    The merge job (综合查一次) turns planned tasks into visits, one trip per enterprise or plant site for all the
    departments whose windows overlap. Re-inspection tasks (复查) point at their hazard; 双随机 tasks at their draw.
    ``origin_key`` makes a task a job creates exist once however often the job runs.
    """

    __tablename__ = "inspection_task"
    __table_args__ = (Index(None, "status", "window_start"),)

    id: int | None = Field(default=None, primary_key=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    kinds: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    window_start: date
    window_end: date
    source: TaskSource = Field(sa_type=EnumText(TaskSource, 16), default=TaskSource.ADHOC)
    announced: bool = True
    status: TaskStatus = Field(sa_type=EnumText(TaskStatus, 16), default=TaskStatus.PLANNED)
    status_reason: str = ""
    visit_id: int | None = Field(default=None, foreign_key="visit.id", index=True)
    hazard_id: int | None = Field(default=None, foreign_key="hazard.id", index=True)
    draw_id: int | None = Field(default=None, foreign_key="draw.id", index=True)
    inspector_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    note: str = ""
    origin_key: str | None = Field(default=None, max_length=128, unique=True)
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = created_column()
    updated_at: datetime = created_column()


class Referral(SQLModel, table=True):
    """A finding referred (移送) to the department that enforces its item: by another department's visit or by a
    grid worker's check. It is never an order of the one who found it; the receiving department gets a task."""

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    plant_site_id: int | None = Field(default=None, foreign_key="plant_site.id")
    item_code: str = Field(max_length=16)
    kind: str = Field(max_length=8)
    to_department_id: int = Field(foreign_key="department.id", index=True)
    from_department_id: int | None = Field(default=None, foreign_key="department.id")  # None: a grid worker
    origin: ReferralOrigin = Field(sa_type=EnumText(ReferralOrigin, 16))
    visit_id: int | None = Field(default=None, foreign_key="visit.id", index=True)
    result_id: int | None = Field(default=None, foreign_key="result.id")
    note: str = ""
    photo_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: ReferralStatus = Field(sa_type=EnumText(ReferralStatus, 16), default=ReferralStatus.OPEN, index=True)
    status_reason: str = ""
    task_id: int | None = Field(default=None, foreign_key="inspection_task.id", index=True)
    referred_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = created_column()
    updated_at: datetime = created_column()


class Draw(SQLModel, table=True):
    """A 双随机 draw of one department for one month: seed, pool snapshot and picks, replayable by anyone."""

    __table_args__ = (UniqueConstraint("department_id", "month"),)

    id: int | None = Field(default=None, primary_key=True)
    department_id: int = Field(foreign_key="department.id")
    month: str = Field(max_length=7)  # YYYY-MM, Asia/Shanghai
    seed: int = Field(sa_type=BigInteger)
    algorithm: str = Field(default="v1", max_length=16)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    pool: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    exempt: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    inspector_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    picks: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    drawn_at: datetime = created_column()


class JobRun(SQLModel, table=True):
    """One run of a scheduled job (or of "run now"), for the admin page: when, how it went, what it did."""

    __tablename__ = "job_run"
    __table_args__ = (Index(None, "job_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: str = Field(max_length=48)
    trigger: str = Field(default="schedule", max_length=16)  # schedule | manual
    started_at: datetime = created_column()
    finished_at: datetime | None = utc_column()
    ok: bool | None = None
    summary: str = ""


class VisitRating(SQLModel, table=True):
    """An enterprise rates a visit made to it, 1 to 5 with a comment, once; the office reads the ratings."""

    __tablename__ = "visit_rating"
    __table_args__ = (UniqueConstraint("visit_id", "enterprise_id"),)

    id: int | None = Field(default=None, primary_key=True)
    visit_id: int = Field(foreign_key="visit.id", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    rated_by: int = Field(foreign_key="app_user.id")
    score: int
    comment: str = ""
    created_at: datetime = created_column()
