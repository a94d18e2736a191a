"""Referrals (移送) on the wire: a finding sent to the department that enforces its item."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from schemas.common import StrictIn
from schemas.tasks import ReferralOrigin, ReferralStatus


class ReferralPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    enterprise_id: int
    plant_site_id: int | None
    item_code: str
    kind: str
    to_department_id: int
    from_department_id: int | None = Field(description="null: a grid worker's check")
    origin: ReferralOrigin
    visit_id: int | None
    note: str
    photo_ids: list[int]
    status: ReferralStatus
    status_reason: str
    task_id: int | None
    created_at: datetime
    updated_at: datetime


class ReferralAcceptIn(StrictIn):
    note: str = Field(default="", max_length=500)


class ReferralDeclineIn(StrictIn):
    reason: str = Field(min_length=1, max_length=500, description="why the matter is not this department's")
