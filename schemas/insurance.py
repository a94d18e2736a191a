"""安责险: policies, the key-enterprise rule the office edits, coverage figures and the uncovered list."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from schemas.common import Day, Id, StrictIn
from schemas.enums import RiskClass

MAX_AMOUNT = 10**12  # yuan


class PolicyIn(StrictIn):
    enterprise_id: Id
    insurer: str = Field(min_length=2, max_length=64, description="保险公司")
    policy_number: str = Field(min_length=4, max_length=64, pattern=r"^[A-Za-z0-9\-_/]+$", description="保单号")
    period_start: Day = Field(description="起保日期 (included)")
    period_end: Day = Field(description="终保日期 (included)")
    insured_amount: int = Field(default=0, ge=0, le=MAX_AMOUNT, description="保险金额, yuan")
    coverage: str = Field(default="", max_length=255, description="保障范围, e.g. 从业人员伤亡、第三者责任")

    @model_validator(mode="after")
    def _period(self) -> "PolicyIn":
        if self.period_end < self.period_start:
            raise ValueError("终保日期早于起保日期 / period_end is before period_start")
        if (self.period_end - self.period_start).days > 5 * 366:
            raise ValueError("保险期间超过五年 / a period longer than five years")
        return self


class PolicyPublic(BaseModel):
    id: int
    enterprise_id: int
    enterprise_name: str
    credit_code: str
    insurer: str
    policy_number: str
    period_start: date
    period_end: date
    insured_amount: int
    coverage: str
    via: str
    created_at: datetime
    state: Literal["active", "expired", "future"]
    days_left: int | None = Field(description="days until the period ends, for an active policy")


class KeyCondition(StrictIn):
    """All conditions given must hold. Values are the enterprise register's own."""

    dust_involved: bool | None = None
    gas_user: bool | None = None
    gas_role: list[Literal["user", "operator"]] | None = Field(default=None, max_length=2)
    gas_supply: list[Literal["pipeline", "lpg", "both"]] | None = Field(default=None, max_length=3)
    industry: list[str] | None = Field(default=None, max_length=20)
    risk_class: list[RiskClass] | None = Field(default=None, max_length=4)
    plant_role: Literal["landlord", "tenant"] | None = None


class KeyCriterion(StrictIn):
    id: str = Field(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1, max_length=64)
    when: KeyCondition
    basis: str = Field(default="", max_length=500, description="where the duty comes from")
    verified: bool = Field(default=False, description="false unless the basis was checked against its source")


class KeySource(StrictIn):
    law: str = Field(default="", max_length=500)
    law_verified: bool = False
    note: str = Field(default="", max_length=1000)
    verified: bool = False


class KeyRuleIn(StrictIn):
    """Key enterprises: those matching any criterion; each criterion is a 'kind' in the coverage figures."""

    title: str = Field(min_length=1, max_length=128)
    source: KeySource
    criteria: list[KeyCriterion] = Field(min_length=1, max_length=30)


class KeyRulePublic(BaseModel):
    version: int = Field(description="0: the rule shipped as data, never edited")
    created_at: datetime | None
    rule: KeyRuleIn


class CoverageRow(BaseModel):
    group: str
    label: str
    key_enterprises: int
    covered: int
    rate: float | None


class CoverageReport(BaseModel):
    as_of: datetime
    day: date
    key_enterprises: int
    covered: int
    rate: float | None
    expiring_soon: int = Field(description="covered key enterprises whose policy ends within the first reminder "
                                           "and is not renewed")
    rule_version: int
    rule_verified: bool
    by_street: list[CoverageRow]
    by_kind: list[CoverageRow]


class UncoveredRow(BaseModel):
    enterprise_id: int
    name: str
    credit_code: str
    street: str
    kinds: list[str]
    last_policy_end: date | None
