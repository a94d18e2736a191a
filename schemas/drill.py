"""The lists behind the statistics' figures, and the repeat offenders."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class DrillHazardOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    hazard_id: int
    enterprise_id: int
    enterprise_name: str
    street: str
    department_id: int
    department_name: str
    kind: str
    item_code: str
    item_text: str
    legal_basis: str
    level: str
    status: str
    found_at: datetime
    due_at: datetime
    closed_at: datetime | None
    overdue: bool
    days_overdue: int
    repeat_of_id: int | None


class DrillOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    figure: str
    count: int
    limit: int
    offset: int
    items: list[DrillHazardOut]


class RepeatOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    hazard_id: int
    item_code: str
    item_text: str
    legal_basis: str
    found_at: datetime
    status: str
    earlier_hazard_id: int
    earlier_found_at: datetime
    earlier_closed_at: datetime | None


class RepeatOffenderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    enterprise_id: int
    enterprise_name: str
    street: str
    repeat_hazards: int
    repeats: list[RepeatOut]


class RepeatOffendersOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    count: int
    limit: int
    offset: int
    items: list[RepeatOffenderOut]
