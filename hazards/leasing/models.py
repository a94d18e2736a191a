"""The lease application (先验后批) table."""

from datetime import date, datetime

from sqlalchemy import Column
from sqlmodel import JSON, Field, SQLModel

from inspection.models import created_column, utc_column
from inspection.types import EnumText
from schemas.leasing import LeaseStatus


class LeaseApplication(SQLModel, table=True):
    """A lessor's application to lease a unit of its plant site to a tenant, decided by the approving body after
    a pre-lease inspection (``visit_id``) passed; an approval records the tenancy (``tenancy_id``)."""

    __tablename__ = "lease_application"

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="plant_site.id", index=True)
    lessor_id: int = Field(foreign_key="enterprise.id", index=True)
    tenant_id: int = Field(foreign_key="enterprise.id", index=True)
    unit: str = Field(max_length=64)
    area_m2: float
    intended_use: str = Field(max_length=200)
    term_start: date
    term_end: date | None = None
    combustible_dust: bool = False
    gas: bool = False
    hazardous_chemicals: bool = False
    dormitories: bool = False
    building_frame: bool = True  # 框架结构
    building_storeys: int = 1
    status: LeaseStatus = Field(sa_type=EnumText(LeaseStatus, 16), default=LeaseStatus.FILED, index=True)
    visit_id: int | None = Field(default=None, foreign_key="visit.id")
    approver_kind: str = Field(max_length=16)  # the approving body when filed: park | street | department
    approver_name: str = Field(max_length=128)
    conditions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reasons: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    decided_at: datetime | None = utc_column()
    decided_by: int | None = Field(default=None, foreign_key="app_user.id")
    tenancy_id: int | None = Field(default=None, foreign_key="plant_site_tenant.id")
    filed_by: int = Field(foreign_key="app_user.id")
    filed_at: datetime = created_column()
