"""Table models of the hazard loop: hazards, rectification orders, evidence, extensions, the outbox."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import JSON, Field, SQLModel

from inspection.models import created_column, utc_column
from inspection.types import EnumText
from schemas.enums import HazardLevel, HazardStatus, Party


class Hazard(SQLModel, table=True):
    """A failed checklist item at one enterprise (隐患), driven to closure.

    ``status`` is written only by ``hazards.states``; overdue is derived from ``due_at``, never stored.
    A hazard found in a plant site and attributed to both landlord and tenant is two linked rows, one per
    enterprise, each in its own order. Street, industry, risk class and the local month are snapshots taken
    when the hazard is found, so statistics group by them without joins.
    """

    __table_args__ = (
        Index(None, "enterprise_id", "item_code"),
        Index(None, "status", "due_at"),
        # Statistics (hazards/stats.py): covering indexes, so each grouped query is one index-only range scan
        # (found in a period: by stored month, then street, so month and street+month groups need no sort; due
        # in a period) and overdue-at-a-date two short ranges. See tests/bench/README.md ("Statistics").
        Index("ix_hazard_stats_found", "found_month", "street", "found_at", "status", "level", "department_id",
              "enterprise_id", "industry", "kind", "item_code", "risk_class", "due_at", "closed_at", "fixed_on_spot",
              "repeat_of_id", "suspected_false_rectification", "id"),
        Index("ix_hazard_stats_due", "due_at", "closed_at", "department_id", "enterprise_id", "street", "industry",
              "kind", "item_code", "risk_class", "id"),
        Index(None, "closed_at", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    visit_id: int | None = Field(default=None, foreign_key="visit.id", index=True)
    submission_id: int | None = Field(default=None, foreign_key="submission.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    kind: str = Field(max_length=8)
    item_code: str = Field(max_length=16)
    checklist_version: int = 1
    level: HazardLevel = Field(sa_type=EnumText(HazardLevel, 8))
    description: str = ""
    legal_basis: str = ""
    party: Party = Field(sa_type=EnumText(Party, 16), default=Party.SELF)
    linked_hazard_id: int | None = Field(default=None, foreign_key="hazard.id")
    status: HazardStatus = Field(sa_type=EnumText(HazardStatus, 16), default=HazardStatus.OPEN)
    deadline_days: int = 0
    working_days: bool = False
    due_at: datetime = utc_column(nullable=False)
    found_at: datetime = created_column()
    closed_at: datetime | None = utc_column()
    fixed_on_spot: bool = False
    plan_required: bool = False  # major hazards: the enterprise must upload a 治理方案
    plan_photo_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    plan_uploaded_at: datetime | None = utc_column()
    deadline_set_by_office: bool = False
    before_photo_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    after_photo_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    repeat_of_id: int | None = Field(default=None, foreign_key="hazard.id")
    suspected_false_rectification: bool = False
    street: str = Field(default="", max_length=64)
    industry: str = Field(default="", max_length=32)
    risk_class: str = Field(default="", max_length=1)
    found_month: str = Field(default="", max_length=7)  # YYYY-MM, Asia/Shanghai


class RectificationOrder(SQLModel, table=True):
    """责令限期整改指令书 (kind ``rectification``) or 整改复查意见书 (kind ``reinspection``)."""

    __tablename__ = "rectification_order"
    __table_args__ = (UniqueConstraint("department_id", "doc_code", "year", "serial"),)

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=64, unique=True)
    kind: str = Field(default="rectification", max_length=16)
    doc_code: str = Field(max_length=8)  # 责改, 复查
    department_id: int = Field(foreign_key="department.id", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    visit_id: int | None = Field(default=None, foreign_key="visit.id", index=True)
    submission_id: int | None = Field(default=None, foreign_key="submission.id")
    year: int
    serial: int
    issued_at: datetime = created_column()
    inspector_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    linked_order_id: int | None = Field(default=None, foreign_key="rectification_order.id")
    based_on_order_id: int | None = Field(default=None, foreign_key="rectification_order.id")
    outcomes: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class OrderHazard(SQLModel, table=True):
    __tablename__ = "order_hazard"
    __table_args__ = (UniqueConstraint("order_id", "hazard_id"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="rectification_order.id", index=True)
    hazard_id: int = Field(foreign_key="hazard.id", index=True)


class OrderCounter(SQLModel, table=True):
    """The last serial issued per department, document code and year: locked while numbering."""

    __tablename__ = "order_counter"

    department_id: int = Field(foreign_key="department.id", primary_key=True)
    doc_code: str = Field(max_length=8, primary_key=True)
    year: int = Field(primary_key=True)
    last_serial: int = 0


class Evidence(SQLModel, table=True):
    """Rectification evidence an enterprise submits for one hazard, and its review."""

    id: int | None = Field(default=None, primary_key=True)
    hazard_id: int = Field(foreign_key="hazard.id", index=True)
    submitted_by: int = Field(foreign_key="app_user.id")
    note: str = ""
    photo_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    plan_photo_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    submitted_at: datetime = created_column()
    reviewed_by: int | None = Field(default=None, foreign_key="app_user.id")
    reviewed_at: datetime | None = utc_column()
    accepted: bool | None = None
    review_reason: str = ""


class Extension(SQLModel, table=True):
    """延期申请: asked by the enterprise before the deadline, decided by the issuing department."""

    id: int | None = Field(default=None, primary_key=True)
    hazard_id: int = Field(foreign_key="hazard.id", index=True)
    requested_by: int = Field(foreign_key="app_user.id")
    reason: str
    requested_due_date: date
    plan_photo_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    interim_measures: str = ""
    status: str = Field(default="pending", max_length=16)
    decided_by: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime | None = utc_column()
    decision_note: str = ""
    previous_due_at: datetime | None = utc_column()
    new_due_at: datetime | None = utc_column()
    requested_at: datetime = created_column()


class PenaltyDecision(SQLModel, table=True):
    """首违免罚 recommendation and the inspector's confirmation or override, with reasons."""

    __tablename__ = "penalty_decision"

    id: int | None = Field(default=None, primary_key=True)
    hazard_id: int = Field(foreign_key="hazard.id", unique=True)
    recommended_exempt: bool
    enforcement_review: bool = False  # 立案审查
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    list_version: str = ""
    decision: str = Field(default="pending", max_length=16)  # pending / confirmed / overridden
    decided_by: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime | None = utc_column()
    note: str = ""
    created_at: datetime = created_column()


class Outbox(SQLModel, table=True):
    """Notifications written in the same transaction as their cause; a sender delivers them once."""

    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(max_length=128, unique=True)
    event_type: str = Field(max_length=48, index=True)
    recipient: str = Field(max_length=128)
    channel: str = Field(default="log", max_length=16)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    next_attempt_at: datetime | None = utc_column()
    last_error: str = ""
    created_at: datetime = created_column()
    sent_at: datetime | None = utc_column()


class Webhook(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=512)
    secret: str = Field(max_length=128)
    event_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True
    created_at: datetime = created_column()
