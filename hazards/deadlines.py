"""The one deadline rule: "N calendar or working days" -> a due day and a ``due_at`` instant.

Rules, in one place:

* Day 0 is today: a hazard fixed on the spot is due the day it was found.
* Counting starts the day after ``start``: 3 days from Monday is Thursday.
* Working days follow the official PRC holiday calendar (``chinese_calendar``), including the adjusted
  working weekends (调休上班), so a working-day deadline skips the Spring Festival and counts its working
  Saturdays.
* Calendar days are calendar days: when the N-th calendar day falls on a weekend or public holiday it is
  *not* moved to the next working day. The inspector chose calendar days; the order shows that date and the
  enterprise can see it. Whoever wants holidays skipped picks working days.
* For years the bundled calendar does not cover (it raises ``NotImplementedError`` outside its data, e.g.
  2027 with chinesecalendar 1.11) Monday to Friday count as working days and a warning is logged once per
  year: update the package when the State Council publishes the next year's holidays.
* A deadline ends at 23:59:59 Asia/Shanghai on its due day and is stored as aware UTC.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import chinese_calendar

from inspection.clock import end_of_local_day, local_date
from inspection.errors import InvalidInput

log = logging.getLogger("xuncha.deadlines")

_warned_years: set[int] = set()


def is_working_day(day: date) -> bool:
    """Official PRC working day; Monday to Friday for years the calendar data does not cover."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning(
                "no official holiday data for %s in chinese_calendar; counting Monday-Friday as working days "
                "(upgrade chinesecalendar)",
                day.year,
            )
        return day.weekday() < 5


def due_date(start: date, days: int, *, working_days: bool) -> date:
    """The due day ``days`` calendar or working days after ``start`` (0 = ``start`` itself)."""
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}")
    if not working_days:
        return start + timedelta(days=days)
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def _require_aware(at: datetime, name: str) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {at!r}")


def due_at(found_at: datetime, days: int, *, working_days: bool) -> datetime:
    """End (23:59:59 Asia/Shanghai, as UTC) of the due day counted from the Shanghai date of ``found_at``."""
    _require_aware(found_at, "found_at")
    return end_of_local_day(due_date(local_date(found_at), days, working_days=working_days))


@dataclass(frozen=True)
class DeadlinePolicy:
    """Bounds on the deadline an inspector may set, in days (inclusive)."""

    min_days: int = 0
    max_days: int = 90


def choose_days(default_days: int, requested: int | None, policy: DeadlinePolicy) -> int:
    """The inspector's choice if given and within the policy, else the checklist default.

    The default comes from the checklist data and is taken as is; only a choice made by a person is checked.
    """
    if requested is None:
        return default_days
    if not policy.min_days <= requested <= policy.max_days:
        raise InvalidInput(
            f"整改期限须在 {policy.min_days}–{policy.max_days} 天之间（收到 {requested} 天） / "
            f"deadline must be between {policy.min_days} and {policy.max_days} days, got {requested}",
            code="deadline_out_of_bounds",
            details={"requested": requested, "min_days": policy.min_days, "max_days": policy.max_days},
        )
    return requested


def reinspection_due(start: datetime, *, days: int = 10, working_days: bool = False) -> datetime:
    """Last moment of the re-inspection window: ``days`` after the deadline or the application (REFERENCE §D.1).

    ``start`` is the rectification deadline (``Hazard.due_at``) or the moment the enterprise applied for
    re-inspection, whichever applies. Calendar days by default: the regulation (old 令第15号, provincial rules)
    says "10 days"; 应急管理部令第18号 has not been checked for working days yet, hence the switch.
    """
    return due_at(start, days, working_days=working_days)


def is_overdue(due_at: datetime, now: datetime, closed: bool) -> bool:
    """Past the deadline and not closed. Derived on demand, never stored."""
    return not closed and now > due_at


def days_left(due_at: datetime, now: datetime) -> int:
    """Shanghai calendar days from today to the due day: 0 on the due day, negative once overdue."""
    return (local_date(due_at) - local_date(now)).days
