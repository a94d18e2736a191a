"""The PRC working-day calendar as data: the State Council's yearly holiday notices (REFERENCE §G.6).

Where a year's schedule comes from, first match wins:

1. a year the office loaded (``xuncha calendar load FILE``), stored in the ``holiday_year`` table, so every API
   process, job runner and host reads the same schedule from the one database, and who loaded it is audited;
2. a year shipped in ``data/holidays.json`` (each with its notice: title, number, date, address);
3. the ``chinesecalendar`` package, for the years its data covers (it raises outside them; it covers a year
   only once the notice is out, and holds no source, so it is the last resort).

A year none of them covers has **no** official schedule. Working-day counting refuses it
(``CalendarMissing``, 422 naming the year): the State Council decides the adjusted working weekends (调休上班)
each year and no rule can guess them. Statutory periods that only roll off a rest day use
``Calendar.next_working_day``, which warns loudly and names the year instead of failing.
"""

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import chinese_calendar
from sqlmodel import Session, col, select

from hazards.rules.models import HolidayYear
from inspection import audit
from inspection.errors import InvalidInput
from inspection.identity.access import Actor

log = logging.getLogger("xuncha.calendar")

DATA_FILE = Path(__file__).parent / "data" / "holidays.json"


class CalendarMissing(InvalidInput):
    """A working day asked of a year without an official holiday schedule."""

    code = "calendar_missing"

    def __init__(self, year: int) -> None:
        super().__init__(
            f"{year}年的法定节假日安排（国务院办公厅通知）尚未载入，不能按工作日计算期限；请管理员在通知发布后以 "
            f"`xuncha calendar load` 载入，或改用自然日 / no official holiday schedule for {year}: working days "
            f"cannot be counted until the State Council's notice is loaded",
            details={"year": year})
        self.year = year


@dataclass(frozen=True)
class Source:
    title: str
    number: str | None
    date: date | None
    url: str | None
    note: str = ""

    def label(self) -> str:
        return "，".join(part for part in (self.title, self.number, self.date and self.date.isoformat()) if part)


@dataclass(frozen=True)
class YearSchedule:
    year: int
    source: Source
    holidays: tuple[tuple[str, date, date], ...]  # (name, first day, last day), as the notice states them
    workdays: frozenset[date]  # adjusted working days (调休上班)

    @property
    def rest_days(self) -> frozenset[date]:
        days = set()
        for _, start, end in self.holidays:
            day = start
            while day <= end:
                days.add(day)
                day += timedelta(days=1)
        return frozenset(days)

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self._rest

    def __post_init__(self) -> None:
        object.__setattr__(self, "_rest", self.rest_days)

    def as_json(self) -> dict[str, Any]:
        return {"year": self.year,
                "source": {"title": self.source.title, "number": self.source.number,
                           "date": self.source.date.isoformat() if self.source.date else None,
                           "url": self.source.url, "note": self.source.note},
                "holidays": [{"name": n, "start": s.isoformat(), "end": e.isoformat()} for n, s, e in self.holidays],
                "workdays": sorted(d.isoformat() for d in self.workdays)}


def _bad(message: str, year: object) -> InvalidInput:
    return InvalidInput(f"节假日数据有误（{year}年）：{message}", code="invalid_calendar", details={"year": year})


def _day(value: object, year: int, what: str) -> date:
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        raise _bad(f"{what} 不是日期（{value!r}） / {what} is not a date", year) from None
    if day.year != year:
        raise _bad(f"{what} {day} 不在该年内 / {what} {day} is outside the year", year)
    return day


def parse_year(raw: Mapping[str, Any]) -> YearSchedule:
    """One year's schedule, validated: dates inside the year, ranges in order, holidays and working days apart,
    working days on weekends only (a 调休上班 day is a Saturday or Sunday), the notice named."""
    year = raw.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise _bad("缺少年份或年份无效 / year missing or invalid", year)
    source = raw.get("source") or {}
    if not isinstance(source, Mapping) or not str(source.get("title") or "").strip():
        raise _bad("须注明来源通知的标题 / the source notice (title) is required", year)
    if not (source.get("url") or source.get("number")):
        raise _bad("来源须有文号或网址 / the source needs a document number or an address", year)
    holidays = []
    for entry in raw.get("holidays") or []:
        name = str(entry.get("name") or "").strip()
        if not name:
            raise _bad("假日须有名称 / each holiday needs a name", year)
        start, end = _day(entry.get("start"), year, name), _day(entry.get("end"), year, name)
        if end < start:
            raise _bad(f"{name} 的结束早于开始 / {name} ends before it starts", year)
        holidays.append((name, start, end))
    if not holidays:
        raise _bad("没有假日 / no holidays listed", year)
    workdays = frozenset(_day(d, year, "调休上班日") for d in raw.get("workdays") or [])
    for day in sorted(workdays):
        if day.weekday() < 5:
            raise _bad(f"调休上班日 {day} 不是周末 / adjusted working day {day} is not a weekend day", year)
    schedule = YearSchedule(year, Source(str(source["title"]).strip(), source.get("number") or None,
                                         date.fromisoformat(source["date"]) if source.get("date") else None,
                                         source.get("url") or None, str(source.get("note") or "")),
                            tuple(sorted(holidays, key=lambda h: h[1])), workdays)
    overlap = sorted(schedule.rest_days & workdays)
    if overlap:
        raise _bad(f"{overlap[0]} 既是假日又是上班日 / {overlap[0]} is both a holiday and a working day", year)
    return schedule


def parse(raw: Any) -> list[YearSchedule]:
    """A file's content: one year, a list of years, or ``{"years": [...]}`` (the bundled file's shape)."""
    if isinstance(raw, Mapping) and "years" in raw:
        raw = raw["years"]
    entries = raw if isinstance(raw, list) else [raw]
    if not entries or not all(isinstance(e, Mapping) for e in entries):
        raise InvalidInput("节假日文件格式有误 / a calendar file holds one year or a list of years",
                           code="invalid_calendar")
    schedules = [parse_year(e) for e in entries]
    years = [s.year for s in schedules]
    if len(set(years)) != len(years):
        raise InvalidInput("同一年份出现多次 / a year appears twice", code="invalid_calendar")
    return schedules


@cache
def bundled() -> dict[int, YearSchedule]:
    return {s.year: s for s in parse(json.loads(DATA_FILE.read_text(encoding="utf-8")))}


@cache
def library_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 30))
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


_warned: set[int] = set()


class Calendar:
    """Working days on the official calendar: loaded years over bundled ones over the library's."""

    def __init__(self, loaded: Iterable[YearSchedule] = ()) -> None:
        self.years: dict[int, YearSchedule] = {**bundled(), **{s.year: s for s in loaded}}

    def covers(self, year: int) -> bool:
        return year in self.years or library_covers(year)

    def source(self, year: int) -> str:
        if year in self.years:
            return self.years[year].source.label()
        return "chinesecalendar 软件包数据（未注明通知） / chinesecalendar package data" if library_covers(year) else ""

    def is_working_day(self, day: date) -> bool:
        """Official working day; ``CalendarMissing`` for a year without an official schedule."""
        schedule = self.years.get(day.year)
        if schedule is not None:
            return schedule.is_working_day(day)
        if library_covers(day.year):
            return bool(chinese_calendar.is_workday(day))
        raise CalendarMissing(day.year)

    def is_working_day_or_weekday(self, day: date) -> bool:
        """For planning visits only (no legal effect): Monday to Friday where the year has no data, warned once."""
        if self.covers(day.year):
            return self.is_working_day(day)
        if day.year not in _warned:
            _warned.add(day.year)
            _warn_missing(day.year)
        return day.weekday() < 5

    def next_working_day(self, day: date) -> tuple[date, int | None]:
        """``day`` if it is a working day, else the next one; and the year lacking data if one was met (then only
        weekends were skipped, loudly logged: the caller shows it)."""
        missing = None
        while True:
            if not self.covers(day.year):
                missing = day.year
                _warn_missing(day.year)
                if day.weekday() < 5:
                    return day, missing
            elif self.is_working_day(day):
                return day, missing
            day += timedelta(days=1)


def _warn_missing(year: int) -> None:
    log.warning("NO OFFICIAL HOLIDAY SCHEDULE FOR %s: load the State Council notice with `xuncha calendar load`; "
                "only weekends are skipped until then", year)


def of(session: Session) -> Calendar:
    """The calendar with the years loaded into the database (a handful of rows)."""
    rows = session.exec(select(HolidayYear).order_by(col(HolidayYear.year))).all()
    return Calendar(parse_year(row.data) for row in rows)


def store(session: Session, schedules: Iterable[YearSchedule], *, actor: Actor | None, now: datetime) -> list[int]:
    """Load (or replace) years in the ``holiday_year`` table, one audit event each; flushes, never commits."""
    years = []
    for schedule in schedules:
        row = session.get(HolidayYear, schedule.year)
        before = row.data if row else None
        if row is None:
            row = HolidayYear(year=schedule.year, data=schedule.as_json(), source=schedule.source.label(),
                              loaded_at=now)
        else:
            row.data, row.source, row.loaded_at = schedule.as_json(), schedule.source.label(), now
        session.add(row)
        audit.record(session, entity="holiday_year", entity_id=schedule.year, action="calendar.load", actor=actor,
                     at=now, before={"source": before["source"]} if before else None,
                     after={"source": schedule.as_json()["source"], "holidays": len(schedule.holidays),
                            "workdays": len(schedule.workdays)})
        years.append(schedule.year)
    session.flush()
    return years
