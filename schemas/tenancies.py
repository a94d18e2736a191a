"""Tenancies of a plant site (厂中厂): who rents which unit, from when to when."""

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.common import Day, Id, StrictIn


class TenancyStatus(StrEnum):
    UPCOMING = "upcoming"  # starts after today
    CURRENT = "current"
    EXPIRED = "expired"  # its end date passed
    ENDED = "ended"  # ended early by the office (or withdrawn before it began)


class TenancyCreate(StrictIn):
    enterprise_id: Id
    unit: str = Field(default="", max_length=64, description="building / floor / room, e.g. 3号楼2层; empty: the "
                                                               "whole site")
    area_m2: float | None = Field(default=None, gt=0, le=10_000_000)
    start_date: Day | None = Field(default=None, description="first day; default today (Asia/Shanghai)")
    end_date: Day | None = Field(default=None, description="last day; null: open-ended")

    @model_validator(mode="after")
    def _ordered(self) -> "TenancyCreate":
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("租期结束日期早于开始日期 / end_date is before start_date")
        return self


class TenancyEnd(StrictIn):
    end_date: Day | None = Field(default=None, description="the last day of the tenancy; default yesterday, so it "
                                                            "is no longer current today")
    reason: str = Field(min_length=1, max_length=200)


class TenancyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    site_id: int
    enterprise_id: int
    enterprise_name: str
    unit: str
    area_m2: float | None
    start_date: date
    end_date: date | None
    status: TenancyStatus
    ended_at: datetime | None
    end_reason: str
