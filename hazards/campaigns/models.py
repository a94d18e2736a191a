"""Tables of the campaigns: the campaign, its target enterprises, and the inspection tasks planned for it."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import JSON, Field, SQLModel

from inspection.models import created_column, utc_column


class Campaign(SQLModel, table=True):
    """A 专项行动 the office runs: a period, the checklist kinds it checks, and its rule for 整治完成."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128)
    description: str = ""
    start_date: date
    end_date: date
    kinds: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    target_filter: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    rule: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = created_column()
    status: str = Field(default="open", max_length=8)  # open | closed: a closed campaign plans no more tasks
    closed_by: int | None = Field(default=None, foreign_key="app_user.id")
    closed_at: datetime | None = utc_column()
    close_note: str = ""


class CampaignTarget(SQLModel, table=True):
    """One enterprise a campaign targets: from its filter when it was created, or from a list."""

    __tablename__ = "campaign_target"
    __table_args__ = (UniqueConstraint("campaign_id", "enterprise_id"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    origin: str = Field(default="filter", max_length=8)  # filter | list
    added_at: datetime = created_column()


class CampaignTask(SQLModel, table=True):
    """An inspection task planned for a campaign (the task itself is an ordinary ``InspectionTask``)."""

    __tablename__ = "campaign_task"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    task_id: int = Field(foreign_key="inspection_task.id", unique=True)
