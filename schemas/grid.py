"""安消一体化 grid checks: grid workers (网格员), their advisory checks of small venues (九小场所), the referrals."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.common import Id, Moment, StrictIn
from schemas.enums import ItemResult


class GridWorkerCreate(StrictIn):
    """The office or an admin makes a grid worker's account, attached to one street (their grid)."""

    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    full_name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=8, max_length=128)
    street: str = Field(min_length=1, max_length=64)
    phone: str | None = Field(default=None, max_length=32)


class GridWorkerPublic(BaseModel):
    user_id: int
    username: str
    full_name: str
    street: str


class GridResultIn(StrictIn):
    item_code: str = Field(min_length=1, max_length=16)
    result: ItemResult
    note: str = Field(default="", max_length=2000)


class GridCheckIn(StrictIn):
    """One check of one venue, every item of the current checklist answered once. A failed item is referred to
    its enforcing department; nothing here is an order or a hazard."""

    client_uuid: str = Field(min_length=36, max_length=36, description="made on the phone; a retry is a replay")
    enterprise_id: Id
    checked_at: Moment | None = None
    note: str = Field(default="", max_length=2000)
    results: list[GridResultIn] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _notes_on_failures(self) -> "GridCheckIn":
        for result in self.results:
            if result.result == ItemResult.FAIL and not result.note:
                raise ValueError(f"{result.item_code}: 不合格项须写明情况 / a failed item needs a note")
        return self


class GridResultPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    item_code: str
    outcome: ItemResult
    note: str
    departments: list[str] = Field(description="the enforcing departments it was referred to (codes)")
    referral_ids: list[int]


class GridCheckPublic(BaseModel):
    id: int
    enterprise_id: int
    enterprise_name: str
    street: str
    kind: str
    checklist_version: int
    checked_at: datetime
    submitted_at: datetime
    checked_by: int
    note: str
    failed: int
    referrals: int
    results: list[GridResultPublic]


class VenuePublic(BaseModel):
    id: int
    name: str
    address: str
    industry: str
    last_checked_at: datetime | None


class GridStatsRow(BaseModel):
    street: str
    department_code: str
    checks: int = Field(description="grid checks of venues in the street (not enforcement visits)")
    venues: int
    referrals: int = Field(description="failed items referred to the department")


class GridStats(BaseModel):
    from_date: str
    to_date: str
    checks: int
    venues: int
    failed_items: int
    referrals: int
    rows: list[GridStatsRow]


class GridVenues(BaseModel):
    street: str
    items: list[VenuePublic]
    total: int
