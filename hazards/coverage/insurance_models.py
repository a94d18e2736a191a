"""Table models of 安责险: policies, and the office's versions of the key-enterprise rule."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import JSON, Field, SQLModel

from inspection.models import created_column


class InsurancePolicy(SQLModel, table=True):
    """One 安全生产责任保险 policy of one enterprise for one period (both days included, Asia/Shanghai)."""

    __tablename__ = "insurance_policy"
    __table_args__ = (Index(None, "policy_number", "period_start"), Index(None, "period_end"))

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    insurer: str = Field(max_length=64)
    policy_number: str = Field(max_length=64)
    period_start: date
    period_end: date
    insured_amount: int = Field(default=0, sa_type=BigInteger)  # yuan
    coverage: str = Field(default="", max_length=255)  # 保障范围: 从业人员伤亡、第三者责任 …
    via: str = Field(default="api", max_length=8)  # api | csv
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = created_column()


class InsuranceKeyRule(SQLModel, table=True):
    """A version of the rule that says which enterprises must be insured; the newest is in force."""

    __tablename__ = "insurance_key_rule"

    id: int | None = Field(default=None, primary_key=True)
    rule: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = created_column()
