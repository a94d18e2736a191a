"""Table model of the linkage: one row per registration event received, unique per (source, event id)."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import JSON, Field, SQLModel

from inspection.models import created_column, utc_column


class GasEvent(SQLModel, table=True):
    """A registration from the approving side and what it became: the enterprise, the task, the outcome sent back.

    ``response`` is the answer given the first time; a replay of the same (source, event id) gets it again.
    """

    __tablename__ = "gas_event"
    __table_args__ = (UniqueConstraint("source", "event_id"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=32, index=True)
    event_id: str = Field(max_length=64)
    body_sha256: str = Field(max_length=64)
    kind: str = Field(max_length=24)
    via: str = Field(default="api", max_length=8)  # api | csv
    credit_code: str = Field(max_length=18)
    licence_no: str = Field(default="", max_length=64)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    enterprise_created: bool = False
    department_id: int = Field(foreign_key="department.id")
    task_id: int | None = Field(default=None, foreign_key="inspection_task.id", index=True)
    registered_at: datetime = created_column()
    received_at: datetime = created_column()
    due_date: date
    response: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    outcome: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    outcome_at: datetime | None = utc_column()
