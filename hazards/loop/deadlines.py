"""The one deadline rule: "N calendar or working days" -> a due day and a ``due_at`` instant.

Rules, in one place:

* Day 0 is today: a hazard fixed on the spot is due the day it was found.
* Counting starts the day after ``start``: 3 days from Monday is Thursday.
* Working days follow the official PRC holiday calendar (``hazards.rules.holidays``: the State Council's
  notices kept as data, with their source), including the adjusted working weekends (调休上班), so a
  working-day deadline skips the Spring Festival and counts its working Saturdays, and never lands on a rest day.
* Calendar days are calendar days: when the N-th calendar day falls on a weekend or public holiday it is
  *not* moved to the next working day. The inspector chose calendar days; the order shows that date and the
  enterprise can see it. Whoever wants holidays skipped picks working days.
* A year without an official schedule (e.g. 2027 before its notice is loaded) is never guessed: counting working
  days into it raises ``CalendarMissing`` (422, naming the year).
* Statutory periods are not enterprise deadlines (REFERENCE §G.6): the 10-day re-inspection window that ends on a
  rest day runs to the next working day (``reinspection_window``), and names the procedure rules in force
  (``hazards.rules.procedure``, data with its source).
* A deadline ends at 23:59:59 Asia/Shanghai on its due day and is stored as aware UTC.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from hazards.rules import procedure
from hazards.rules.holidays import Calendar
from inspection.clock import end_of_local_day, local_date
from inspection.errors import InvalidInput

log = logging.getLogger("xuncha.deadlines")


def is_working_day(day: date, calendar: Calendar | None = None) -> bool:
    """Official PRC working day; ``CalendarMissing`` for a year without an official schedule."""
    return (calendar or Calendar()).is_working_day(day)


def due_date(start: date, days: int, *, working_days: bool, calendar: Calendar | None = None) -> date:
    """The due day ``days`` calendar or working days after ``start`` (0 = ``start`` itself)."""
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}")
    if not working_days:
        return start + timedelta(days=days)
    calendar = calendar or Calendar()
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return day


def check_due_day(day: date, *, working_days: bool, calendar: Calendar) -> None:
    """A deadline set by a person (an extension, a new deadline) for a department that counts working days must
    be a working day: 422 naming the day and the next working day, or the year without a schedule."""
    if not working_days or calendar.is_working_day(day):
        return
    following, _ = calendar.next_working_day(day)
    raise InvalidInput(
        f"{day} 为休息日（法定节假日或周末），本部门按工作日计算期限，期限不能定在休息日，可改为 {following} / "
        f"{day} is a rest day; this department counts working days, pick a working day such as {following}",
        code="deadline_on_rest_day", details={"date": day.isoformat(), "next_working_day": following.isoformat()})


def _require_aware(at: datetime, name: str) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {at!r}")


def due_at(found_at: datetime, days: int, *, working_days: bool, calendar: Calendar | None = None) -> datetime:
    """End (23:59:59 Asia/Shanghai, as UTC) of the due day counted from the Shanghai date of ``found_at``."""
    _require_aware(found_at, "found_at")
    return end_of_local_day(due_date(local_date(found_at), days, working_days=working_days, calendar=calendar))


@dataclass(frozen=True)
class DeadlinePolicy:
    """Bounds on the deadline an inspector may set, in days (inclusive)."""

    min_days: int = 0
    max_days: int = 90


# a major hazard's provisional deadline: the 治理方案 is due (REFERENCE §D.1, J); the office then sets one
MAJOR_PLAN_DAYS = 7


def hazard_days(days: int, *, major: bool) -> int:
    """The days a hazard actually gets: a major hazard is never "0 days" (never closed on the spot, §G.4) but
    gets at least the days for its 治理方案."""
    return max(days, MAJOR_PLAN_DAYS) if major else days


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


@dataclass(frozen=True)
class Window:
    """A statutory period's end: ``due_at`` (end of ``last_day``), rolled off rest days, with its legal basis."""

    due_at: datetime
    last_day: date
    nominal_day: date  # the day the period ends before rolling to a working day
    basis: procedure.Citation
    missing_year: int | None = None  # a year without a holiday schedule: only weekends were skipped

    @property
    def note(self) -> str:
        text = f"依据：{self.basis.text}"
        if self.last_day != self.nominal_day:
            text += f"；期限末日 {self.nominal_day} 为休息日，顺延至 {self.last_day}"
        if self.missing_year is not None:
            text += (f"；{self.missing_year}年法定节假日安排未载入，仅顺延周末，请核对 / no holiday schedule for "
                     f"{self.missing_year}: only weekends skipped, check")
        return text


def reinspection_window(start: datetime, *, days: int = 10, working_days: bool = False,
                        calendar: Calendar | None = None) -> Window:
    """The re-inspection (复查) window: ``days`` after the deadline or the application (REFERENCE §D.1, §G.6).

    ``start`` is the rectification deadline (``Hazard.due_at``) or the moment the enterprise applied for
    re-inspection. Calendar days by default ("10 days"; whether 令第18号 counts working days is unread, hence the
    switch); a period ending on a rest day runs to the next working day on the PRC calendar, 调休 included. The
    procedure rules cited are those in force on the start day (``hazards.rules.procedure``).
    """
    _require_aware(start, "start")
    calendar = calendar or Calendar()
    first = local_date(start)
    nominal = due_date(first, days, working_days=working_days, calendar=calendar)
    last, missing = calendar.next_working_day(nominal)
    if missing is not None:
        log.warning("re-inspection window from %s: no holiday schedule for %s, only weekends skipped", first, missing)
    return Window(end_of_local_day(last), last, nominal, procedure.reinspection_basis(first), missing)


def reinspection_due(start: datetime, *, days: int = 10, working_days: bool = False,
                     calendar: Calendar | None = None) -> datetime:
    """Last moment of the re-inspection window (``reinspection_window(...).due_at``)."""
    return reinspection_window(start, days=days, working_days=working_days, calendar=calendar).due_at


def is_overdue(due_at: datetime, now: datetime, closed: bool) -> bool:
    """Past the deadline and not closed. Derived on demand, never stored."""
    return not closed and now > due_at


def days_left(due_at: datetime, now: datetime) -> int:
    """Shanghai calendar days from today to the due day: 0 on the due day, negative once overdue."""
    return (local_date(due_at) - local_date(now)).days
