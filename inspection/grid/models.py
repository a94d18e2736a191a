"""Tables of the grid: which street a grid worker covers, their checks and each check's answers."""

from datetime import datetime

from sqlalchemy import Column, Index
from sqlmodel import JSON, Field, SQLModel

from inspection.models import created_column, utc_column
from inspection.types import EnumText
from schemas.enums import ItemResult


class GridWorker(SQLModel, table=True):
    """A grid worker's grid: the street whose venues they check (one per worker)."""

    __tablename__ = "grid_worker"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", unique=True)
    street: str = Field(max_length=64, index=True)
    created_at: datetime = created_column()


class GridCheck(SQLModel, table=True):
    """One advisory check of one venue by a grid worker (not a 行政检查: no visit, no order, no hazard)."""

    __tablename__ = "grid_check"
    __table_args__ = (Index(None, "street", "checked_at"),)

    id: int | None = Field(default=None, primary_key=True)
    client_uuid: str = Field(max_length=36, unique=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    street: str = Field(max_length=64)
    kind: str = Field(max_length=8)
    checklist_version: int
    checked_by: int = Field(foreign_key="app_user.id")
    checked_at: datetime = utc_column(nullable=False)
    submitted_at: datetime = created_column()
    note: str = ""


class GridCheckResult(SQLModel, table=True):
    """One answer of a grid check; a failed one lists the referrals made of it (one per enforcing department)."""

    __tablename__ = "grid_check_result"

    id: int | None = Field(default=None, primary_key=True)
    check_id: int = Field(foreign_key="grid_check.id", index=True)
    item_code: str = Field(max_length=16)
    outcome: ItemResult = Field(sa_type=EnumText(ItemResult, 16))
    note: str = ""
    departments: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    referral_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
