from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from schemas.common import StrictIn


class WebhookIn(StrictIn):
    url: str = Field(pattern=r"^https?://", max_length=512)
    event_types: list[str] = Field(min_length=1, max_length=20)
    secret: str | None = Field(default=None, min_length=16, max_length=128,
                               description="HMAC key; generated when omitted and shown once")


class WebhookPublic(BaseModel):
    id: int
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime
    deliveries: dict[str, int] = {}


class WebhookCreated(WebhookPublic):
    secret: str


class DeliveryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    dedup_key: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str
    created_at: datetime
    sent_at: datetime | None
    payload: dict[str, Any]
