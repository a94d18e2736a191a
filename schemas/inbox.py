"""The inbox: what each user was told, read or not."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class InboxItemPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    event_type: str
    title: str
    body: str
    hazard_id: int | None = None
    link: str = ""
    created_at: datetime
    read_at: datetime | None = None


class InboxOut(BaseModel):
    total: int
    unread: int
    limit: int
    offset: int
    items: list[InboxItemPublic]


class UnreadOut(BaseModel):
    unread: int


class MarkedOut(BaseModel):
    marked: int
