"""Table models of telling people: the outbox (written in the change's own transaction) and the webhooks it is
delivered to."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import JSON, Field, SQLModel

from inspection.models import created_column, utc_column


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

