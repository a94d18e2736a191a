"""Table models of the rules kept as data: the years of the holiday calendar the office loaded."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import JSON, Field, SQLModel

from inspection.models import created_column


class HolidayYear(SQLModel, table=True):
    """A year of the official holiday schedule loaded by the office (``xuncha calendar load``), over the bundled
    ``hazards/rules/data/holidays.json``: the notice's source, its holidays and adjusted working days, as loaded."""

    __tablename__ = "holiday_year"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    source: str = Field(max_length=300)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    loaded_at: datetime = created_column()

