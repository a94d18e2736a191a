"""What a statistics call asks: the period (local dates), the filters, and the month arithmetic they share."""

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement

from hazards.stats.definitions import DIMENSIONS
from hazards.stats.sql import H, unindexed
from inspection.clock import SHANGHAI, end_of_local_day, local_date, start_of_local_day
from inspection.errors import InvalidInput
from schemas.common import FIRST_DAY, LAST_DAY


@dataclass(frozen=True)
class Period:
    """Local dates, both inclusive (Asia/Shanghai)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise InvalidInput(
                f"起始日期不能晚于截止日期 / from ({self.start}) is after to ({self.end})",
                code="invalid_period", details={"from": self.start.isoformat(), "to": self.end.isoformat()},
            )

    @property
    def start_at(self) -> datetime:
        return start_of_local_day(self.start)

    @property
    def end_at(self) -> datetime:
        """The instant after the period (00:00 Shanghai the day after ``end``): ranges are half-open."""
        return start_of_local_day(self.end + timedelta(days=1))

    @classmethod
    def month(cls, month: str) -> "Period":
        first = parse_month(month)
        return cls(first, first_of_next_month(first) - timedelta(days=1))

    @classmethod
    def default(cls, now: datetime) -> "Period":
        """From 1 January of this year to today."""
        today = local_date(now)
        return cls(date(today.year, 1, 1), today)



def parse_at(value: str | None, now: datetime) -> datetime:
    """The instant for "overdue at": None -> now; ``YYYY-MM-DD`` -> the end of that local day (a hazard due that
    day is not overdue yet); an ISO date-time, Shanghai time when it has no offset."""
    if value is None or not value.strip():
        return now
    value = value.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
        else:
            at = datetime.fromisoformat(value)
            day = at.date()
    except ValueError:
        raise InvalidInput(f"时间格式应为 YYYY-MM-DD 或 ISO 8601 / at must be a date or an ISO date-time, got "
                           f"{value!r}", code="invalid_at", details={"at": value}) from None
    if not FIRST_DAY <= day <= LAST_DAY:  # the calendar's ends overflow on the way to UTC
        raise InvalidInput(f"时间超出范围（{FIRST_DAY.year}–{LAST_DAY.year} 年）/ at is out of range, got {value!r}",
                           code="invalid_at", details={"at": value})
    if len(value) == 10:
        return end_of_local_day(day)
    return at.replace(tzinfo=SHANGHAI) if at.tzinfo is None else at



def parse_month(month: str) -> date:
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        first = None
    # the calendar's ends: the 12-month trend and "the month after" would leave it
    if first is None or len(month) != 7 or not FIRST_DAY <= first <= LAST_DAY:
        raise InvalidInput(f"月份格式应为 YYYY-MM（{FIRST_DAY.year}–{LAST_DAY.year} 年）/ month must look like "
                           f"2026-06, got {month!r}",
                           code="invalid_month", details={"month": month})
    return first



@dataclass(frozen=True)
class Filters:
    """Each non-empty tuple keeps only rows whose dimension is one of its values."""

    street: tuple[str, ...] = ()
    department_id: tuple[int, ...] = ()
    industry: tuple[str, ...] = ()
    kind: tuple[str, ...] = ()
    item_code: tuple[str, ...] = ()
    risk_class: tuple[str, ...] = ()
    month: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for month in self.month:
            parse_month(month)

    def as_dict(self) -> dict[str, list[Any]]:
        return {f.name: list(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name)}

    def conditions(self, cohort: str, tally: Any = None, bound: Mapping[str, Any] | None = None
                   ) -> list[ColumnElement[bool]]:
        """On ``hazard`` for ``cohort`` ("found" or "due"), or on a month tally's columns ``tally`` ("tally").
        ``bound``: the values as bind parameters named as in ``params`` (a statement built once per shape)."""
        out = []
        for dim in DIMENSIONS.values():
            values = getattr(self, dim.filter_name)
            if values:
                column = {"found": dim.found, "due": dim.due}[cohort] if cohort != "tally" else tally[dim.tally]
                values = bound[f"f_{dim.filter_name}"] if bound is not None else values
                out.append((unindexed(column) if column is H.department_id else column).in_(values))
        return out

    def params(self) -> dict[str, tuple[Any, ...]]:
        """The filters' values by the bind parameter names ``conditions`` uses with ``bound``."""
        return {f"f_{dim.filter_name}": values for dim in DIMENSIONS.values()
                if (values := getattr(self, dim.filter_name))}

    def tally_columns(self) -> set[str]:
        """The month-tally columns the filters are on."""
        return {dim.tally for dim in DIMENSIONS.values() if getattr(self, dim.filter_name)}



def month_start(at: datetime, *, up: bool) -> datetime:
    """The start (00:00 Shanghai on the 1st) of ``at``'s local month, or of the next one when ``up`` and ``at``
    is not a month's start."""
    day = local_date(at)
    start = start_of_local_day(day.replace(day=1))
    if up and start < at:
        start = start_of_local_day(first_of_next_month(day))
    return start



def first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)

