"""Hazards, orders, evidence, review, extensions and penalty decisions on the wire."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from schemas.common import Day, Id, StrictIn
from schemas.enums import HazardLevel, HazardStatus, Party
from schemas.signoff import ServiceState


class HazardPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    enterprise_id: int
    enterprise_name: str = ""
    visit_id: int | None
    department_id: int
    kind: str
    item_code: str
    level: HazardLevel
    description: str
    legal_basis: str
    party: Party
    linked_hazard_id: int | None
    status: HazardStatus
    overdue: bool
    days_left: int
    deadline_days: int
    working_days: bool
    due_at: datetime
    found_at: datetime
    closed_at: datetime | None
    fixed_on_spot: bool
    plan_required: bool
    plan_photo_ids: list[int]
    plan_status: str = Field("", description="治理方案: '' none yet, submitted, approved, returned")
    plan_review_note: str = ""
    supervised: bool = Field(False, description="挂牌督办")
    supervisor: str = ""
    supervision_due: date | None = None
    before_photo_ids: list[int]
    after_photo_ids: list[int]
    repeat_of_id: int | None
    suspected_false_rectification: bool
    order_ids: list[int] = []


class VoidedHazardNote(BaseModel):
    """A hazard voided by a corrected visit: no longer on the order's list, noted on it."""

    hazard_id: int
    item_code: str
    voided_at: datetime
    reason: str
    note: str


class OrderPublic(BaseModel):
    id: int
    number: str
    kind: str
    department_id: int
    department_name: str
    enterprise_id: int
    enterprise_name: str
    visit_id: int | None
    issued_at: datetime
    inspector_ids: list[int]
    linked_order_id: int | None
    based_on_order_id: int | None
    resumption: dict[str, Any] | None = Field(default=None, description="复查意见书: the 恢复生产 decision")
    hazards: list[HazardPublic] = Field(description="the order's hazards, voided ones excluded")
    voided: list[VoidedHazardNote] = Field(default_factory=list,
                                           description="hazards voided by a corrected visit (作废), with the note")
    pdf_url: str
    service: ServiceState = Field(default_factory=lambda: ServiceState(served=False),
                                  description="送达: whether and how the order was served (its first 送达回执)")


class EvidenceIn(StrictIn):
    note: str = Field(default="", max_length=2000)
    photo_ids: list[Id] = Field(min_length=1, max_length=20, description="after-photos of the rectification")
    plan_photo_ids: list[Id] = Field(default_factory=list, max_length=20, description="治理方案 (major hazards)")


class EvidencePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    hazard_id: int
    submitted_by: int
    note: str
    photo_ids: list[int]
    plan_photo_ids: list[int]
    submitted_at: datetime
    reviewed_by: int | None
    reviewed_at: datetime | None
    accepted: bool | None
    review_reason: str
    flags: list[dict[str, Any]] = Field(default_factory=list, description=(
        "for the reviewer: near_match (photo_id, match_photo_id, distance, cropped, match_role before|evidence, "
        "match_hazard_id), captured_before_finding, captured_in_future; each with a message"))


class PlanIn(StrictIn):
    plan_photo_ids: list[Id] = Field(min_length=1, max_length=20)
    note: str = Field(default="", max_length=2000)


class AcceptIn(StrictIn):
    note: str = Field(default="", max_length=2000)


class RejectIn(StrictIn):
    reason: str = Field(min_length=2, max_length=2000)
    new_due_date: Day | None = Field(default=None, description="local date; default keeps the old deadline")


class DeadlineIn(StrictIn):
    """The office sets a major hazard's deadline together with its rectification plan."""

    due_date: Day
    note: str = Field(default="", max_length=2000)


class ExtensionIn(StrictIn):
    reason: str = Field(min_length=2, max_length=2000)
    requested_due_date: Day
    plan_photo_ids: list[Id] = Field(default_factory=list, max_length=20)
    interim_measures: str = Field(default="", max_length=2000)


class ExtensionDecisionIn(StrictIn):
    note: str = Field(default="", max_length=2000)
    due_date: Day | None = Field(default=None, description="approve: a date other than the one asked for")


class ExtensionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    hazard_id: int
    requested_by: int
    reason: str
    requested_due_date: date
    plan_photo_ids: list[int]
    interim_measures: str
    status: str
    decided_by: int | None
    decided_at: datetime | None
    decision_note: str
    previous_due_at: datetime | None
    new_due_at: datetime | None
    requested_at: datetime


class PenaltyDecisionIn(StrictIn):
    confirm: bool
    note: str = Field(default="", max_length=2000)


class PenaltyRulingPublic(BaseModel):
    """One decision on the recommendation; a later one replaces it with a reason, both stay."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    exempt: bool
    decision: str
    note: str
    supersedes_id: int | None
    number: str | None = Field(description="不予行政处罚决定书 number when exempt")
    offence: str
    list_version: str
    decided_by: int
    decided_at: datetime
    pdf_url: str | None = None


class PenaltyDecisionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    hazard_id: int
    recommended_exempt: bool
    enforcement_review: bool
    reasons: list[str]
    list_version: str
    offence: str = Field("", description="the verified listed offence (清单事项), if any")
    decision: str
    decided_by: int | None
    decided_at: datetime | None
    note: str
    rulings: list[PenaltyRulingPublic] = Field(default_factory=list, description="every decision, oldest first")


class ReinspectionItemIn(StrictIn):
    hazard_id: Id
    outcome: str = Field(pattern="^(rectified|not_rectified|unsatisfactory)$",
                         description="已整改 / 未整改 / 整改不合格")
    note: str = Field(default="", max_length=2000)
    photo_ids: list[Id] = Field(default_factory=list, max_length=20)
    new_due_date: Day | None = None


class ReinspectionIn(StrictIn):
    items: list[ReinspectionItemIn] = Field(min_length=1, max_length=200)
    co_inspector_id: Id
    resume_production: bool | None = Field(
        default=None, description="恢复生产: required where a 现场处理措施决定书 stopped production or equipment for "
        "these hazards; true only when all its hazards are rectified")
    resumption_note: str = Field(default="", max_length=2000)


class OnSiteDecisionIn(StrictIn):
    """现场处理措施决定书: withdrawal, suspension or stopped equipment for major hazards (安全生产法 Art.65(3))."""

    hazard_ids: list[Id] = Field(min_length=1, max_length=50)
    measures: list[str] = Field(min_length=1, max_length=3, description="withdraw / suspend / stop_equipment")
    co_inspector_id: Id
    note: str = Field(default="", max_length=2000)


class OnSiteDecisionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    title: str = "现场处理措施决定书"
    department_id: int
    enterprise_id: int
    visit_id: int | None
    issued_at: datetime
    inspector_ids: list[int]
    hazard_ids: list[int]
    measures: list[str]
    note: str
    production_stopped: bool
    resumed_at: datetime | None
    resumption_record_id: int | None
    pdf_url: str = ""


class PlanReviewIn(StrictIn):
    note: str = Field(default="", max_length=2000, description="returning: the reasons (required)")


class SupervisionIn(StrictIn):
    """挂牌督办 (安全生产法 Art.41(3)): who supervises a major hazard and by when."""

    supervisor: str = Field(min_length=1, max_length=64)
    due_date: Day
    note: str = Field(default="", max_length=2000)


class EventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    entity: str
    entity_id: int
    action: str
    actor_id: int | None
    at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str


class PendingExtension(BaseModel):
    """An extension request awaiting a decision, with the hazard it would extend."""

    extension: ExtensionPublic
    hazard: HazardPublic
