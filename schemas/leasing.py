"""工业厂房出租“先验后批”: lease applications, their pre-lease inspection and the approving body's decision."""

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from schemas.common import Day, Id, StrictIn


class LeaseStatus(StrEnum):
    FILED = "filed"  # waiting for its pre-lease inspection and the decision
    APPROVED = "approved"
    REFUSED = "refused"


class InspectionState(StrEnum):
    NONE = "none"  # not scheduled (or its visit was cancelled)
    SCHEDULED = "scheduled"  # planned or under way
    FAILED = "failed"  # submitted; hazards it found are still open
    PASSED = "passed"  # submitted; nothing failed, or every hazard it found is closed


class LeaseApplicationIn(StrictIn):
    site_id: Id
    tenant_credit_code: str = Field(min_length=1, max_length=32, description="承租方统一社会信用代码")
    unit: str = Field(min_length=1, max_length=64, description="building / floor / room, e.g. 3号楼2层")
    area_m2: float = Field(gt=0, le=10_000_000)
    intended_use: str = Field(min_length=2, max_length=200)
    term_start: Day
    term_end: Day | None = Field(default=None, description="last day of the lease; null: open-ended")
    combustible_dust: bool = False
    gas: bool = False
    hazardous_chemicals: bool = False
    dormitories: bool = False
    building_frame: bool = Field(default=True, description="the building has a frame structure (框架结构)")
    building_storeys: int = Field(default=1, ge=1, le=200)

    @model_validator(mode="after")
    def _ordered(self) -> "LeaseApplicationIn":
        if self.term_end is not None and self.term_end < self.term_start:
            raise ValueError("租期结束日期早于开始日期 / term_end is before term_start")
        return self


class PreLeaseInspectionIn(StrictIn):
    department_id: Id | None = Field(default=None, description="default: the inspector's own department")
    inspector_ids: list[Id] = Field(default_factory=list, max_length=10)
    planned_date: Day | None = None


class ApproveIn(StrictIn):
    conditions: list[str] = Field(default_factory=list, max_length=20, description="conditions of the approval")

    @model_validator(mode="after")
    def _texts(self) -> "ApproveIn":
        self.conditions = [c.strip() for c in self.conditions if c.strip()]
        if any(len(c) > 300 for c in self.conditions):
            raise ValueError("每条条件不超过300字 / a condition has at most 300 characters")
        return self


class RefuseIn(StrictIn):
    reasons: list[str] = Field(default_factory=list, max_length=20, description="reasons; the refusal rules that "
                                                                               "apply are added")

    @model_validator(mode="after")
    def _texts(self) -> "RefuseIn":
        self.reasons = [r.strip() for r in self.reasons if r.strip()]
        if any(len(r) > 300 for r in self.reasons):
            raise ValueError("每条理由不超过300字 / a reason has at most 300 characters")
        return self


class RuleHit(BaseModel):
    code: str
    reason: str
    item: str | None
    citation: str
    verified: bool


class LeaseApplicationPublic(BaseModel):
    id: int
    site_id: int
    site_name: str
    lessor_id: int
    lessor_name: str
    tenant_id: int
    tenant_name: str
    tenant_credit_code: str
    unit: str
    area_m2: float
    intended_use: str
    term_start: date
    term_end: date | None
    combustible_dust: bool
    gas: bool
    hazardous_chemicals: bool
    dormitories: bool
    building_frame: bool
    building_storeys: int
    status: LeaseStatus
    inspection: InspectionState
    visit_id: int | None
    open_hazard_ids: list[int]
    refusal_rules: list[RuleHit] = Field(description="the refusal rules this application meets (data, with source)")
    approver_kind: str
    approver_name: str
    conditions: list[str]
    reasons: list[dict[str, str]]
    decided_at: datetime | None
    tenancy_id: int | None
    filed_at: datetime
    local_practice_notice: str = Field(description="先验后批 is a local practice, not a licence")
