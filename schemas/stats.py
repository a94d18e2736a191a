"""Safety-office statistics on the wire. The definitions themselves live in ``hazards/stats.py``."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class DefinitionOut(BaseModel):
    name_zh: str = Field(examples=["整改闭环率"])
    name_en: str = Field(examples=["closure rate"])
    formula: str
    field: str = Field("", description="the figure's key in rows; empty for counting rules")


class StatsFigures(BaseModel):
    """Every figure, for one group or the total. Rates are fractions (0.8 = 80 %), null when undefined."""

    model_config = ConfigDict(from_attributes=True)

    found: int
    closed: int
    closure_rate: float | None
    due: int
    closed_on_time: int
    on_time_rate: float | None
    overdue_open: int
    major_found: int
    major_open: int
    fixed_on_spot: int
    mean_days_to_close: float | None
    median_days_to_close: float | None
    repeat_hazards: int
    repeat_enterprises: int
    suspected_false_rectification: int
    hazards_url: str = Field("", description="the hazards behind these figures (GET /stats/hazards with the same "
                             "period, filters and this group's keys); add `&figure=closed` (any figure's field, or "
                             "not_closed, late) for one figure's list; without it: those found")


class StatsRow(StatsFigures):
    """One group: the dimensions asked for in ``group_by`` are set, the others are null."""

    street: str | None = None
    department_id: int | None = None
    department_name: str | None = None
    industry: str | None = None
    kind: str | None = None
    item_code: str | None = None
    item_text: str | None = None
    risk_class: str | None = None
    month: str | None = None


class ClosureOut(BaseModel):
    from_date: date = Field(serialization_alias="from")
    to_date: date = Field(serialization_alias="to")
    as_of: datetime
    group_by: list[str]
    filters: dict[str, list[Any]]
    rows: list[StatsRow]
    total: StatsFigures
    visits_saved: int | None = Field(None, description="joint inspections: tasks turned into visits minus trips "
                                     "made, by planned date in the period; a total only; null for enterprises")
    definitions: list[DefinitionOut]


class TopItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    item_code: str
    rank: int
    found: int
    open: int
    major: int
    text: str
    legal_basis: str
    hazards_url: str = ""


class TopItemsOut(BaseModel):
    from_date: date = Field(serialization_alias="from")
    to_date: date = Field(serialization_alias="to")
    items: list[TopItemOut]


class OverdueHazardOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    hazard_id: int
    enterprise_id: int
    enterprise_name: str
    street: str
    department_id: int
    kind: str
    item_code: str
    item_text: str
    level: str
    status: str
    found_at: datetime
    due_at: datetime
    days_overdue: int


class OverdueOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    count: int
    major: int
    limit: int
    offset: int
    items: list[OverdueHazardOut]
