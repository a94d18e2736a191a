"""Table models of telling people: the outbox (written in the change's own transaction) and the webhooks it is
delivered to."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, UniqueConstraint
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



class InboxItem(SQLModel, table=True):
    """One outbox event as one user sees it: written with the event, read (or not) by its user."""

    __tablename__ = "inbox_item"
    __table_args__ = (UniqueConstraint("user_id", "outbox_id"), Index("ix_inbox_item_user_unread", "user_id",
                                                                      "read_at", "id"))

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    outbox_id: int  # the event (no foreign key: the outbox may be pruned, the inbox stays)
    event_type: str = Field(max_length=48)
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=1000)
    hazard_id: int | None = None
    link: str = Field(default="", max_length=200)
    created_at: datetime = created_column()
    read_at: datetime | None = utc_column()


class SmsMessage(SQLModel, table=True):
    """One text message to one phone, with its delivery status (pending, sent, failed → retried, dead)."""

    __tablename__ = "sms_message"

    id: int | None = Field(default=None, primary_key=True)
    inbox_item_id: int = Field(foreign_key="inbox_item.id", unique=True)
    user_id: int = Field(foreign_key="app_user.id")
    phone: str = Field(max_length=32)
    text: str = Field(max_length=500)
    status: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    provider_id: str = Field(default="", max_length=128)
    last_error: str = Field(default="", max_length=500)
    next_attempt_at: datetime | None = utc_column()
    created_at: datetime = created_column()
    sent_at: datetime | None = utc_column()
