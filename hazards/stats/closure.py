"""The closure table (整改闭环率, 按期整改率 and the rest): its figures per group, in SQL, with the table's total.

What each figure means is defined once, in ``hazards.stats.definitions``; the period and filters are
``hazards.stats.inputs``; the statements' SQL is ``hazards.stats.sql``.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    false,
    func,
    or_,
    select,
    true,
)
from sqlmodel import Session, col

from hazards.models import TALLIES, Tally, local_month
from hazards.stats import sql as stats_sql
from hazards.stats.definitions import DEFINITIONS, DIMENSIONS, Definition, parse_group_by
from hazards.stats.inputs import Filters, Period, month_start
from hazards.stats.sql import FOUND_FIGURES, H, Tallied, not_voided, unindexed
from inspection.field import checklists
from inspection.identity.access import Actor, enterprise_filter
from inspection.models import Department
from inspection.planning import saved
from schemas.enums import Role

# Results -----


@dataclass
class Figures:
    found: int = 0
    closed: int = 0
    closure_rate: float | None = None
    due: int = 0
    closed_on_time: int = 0
    on_time_rate: float | None = None
    overdue_open: int = 0
    major_found: int = 0
    major_open: int = 0
    fixed_on_spot: int = 0
    mean_days_to_close: float | None = None
    median_days_to_close: float | None = None
    repeat_hazards: int = 0
    repeat_enterprises: int = 0
    suspected_false_rectification: int = 0

    def finish(self) -> "Figures":
        self.closure_rate = _rate(self.closed, self.found)
        self.on_time_rate = _rate(self.closed_on_time, self.due)
        return self


FIGURE_FIELDS: list[str] = [f.name for f in fields(Figures)]


@dataclass
class Row:
    key: dict[str, Any]  # dimension name -> value (department: its id)
    figures: Figures
    labels: dict[str, str] = field(default_factory=dict)  # department -> name, item_code -> item text


@dataclass
class ClosureReport:
    period: Period
    group_by: list[str]
    filters: Filters
    as_of: datetime
    rows: list[Row]
    total: Figures
    visits_saved: int | None = None
    definitions: list[Definition] = field(default_factory=lambda: list(DEFINITIONS))


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


# Scope and cohorts -----


def scope(actor: Actor) -> ColumnElement[bool]:
    """Hazards the actor may count: office/admin all, an inspector their department, an enterprise its own."""
    if actor.role in (Role.OFFICE, Role.ADMIN):
        return true()
    if actor.role == Role.INSPECTOR:
        return unindexed(H.department_id) == actor.department_id if actor.department_id is not None else false()
    return enterprise_filter(actor, H.enterprise_id)


def found_cohort(actor: Actor, period: Period, filters: Filters) -> list[ColumnElement[bool]]:
    """Hazards found in the period that the actor may count, voided ones included (see ``stats_sql.less_voided``)."""
    return [*month_range(H.found_month, H.found_at, period.start_at, period.end_at), scope(actor),
            *filters.conditions("found")]


def due_cohort(actor: Actor, period: Period, filters: Filters, as_of: datetime) -> list[ColumnElement[bool]] | None:
    """Hazards whose deadline falls in the period and has passed at ``as_of``; None when there can be none."""
    end = min(period.end_at, as_of)
    if end <= period.start_at:
        return None
    return [*month_range(H.due_month, H.due_at, period.start_at, end), scope(actor), *filters.conditions("due")]


def month_range(month: Any, instant: Any, start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    """``start <= instant < end`` through the stored local month, which leads the covering indexes: the months
    bound the range, so the index can seek, and the instant is tested only in a month the range cuts
    (``month > first OR instant >= start``), so whole months cost no timestamp comparison per row."""
    first, last = local_month(start), local_month(end - timedelta(microseconds=1))
    terms = [month >= first, month <= last]
    if start != month_start(start, up=False):
        terms.append(or_(month > first, instant >= start))
    if end != month_start(end, up=False):
        terms.append(or_(month < last, instant < end))
    return terms


def tally_for(group_by: Sequence[str], filters: Filters, cohort: str) -> Tally | None:
    """The first month tally (``hazards.models.TALLIES``) that keeps ``cohort`` and whose key holds every group
    and filter asked; None when none does (then the hazards are read, as for an enterprise)."""
    asked = {DIMENSIONS[name].tally for name in group_by} | filters.tally_columns()
    asked.discard("month")
    return next((t for t in TALLIES if cohort in t.cohorts and asked <= set(t.key)), None)


def tallied(actor: Actor, filters: Filters, group_by: Sequence[str], month: Any, start: datetime, end: datetime,
            cohort: str | None = None) -> Tallied | None:
    """The whole months of ``[start, end)``, to be read from a month tally (``tally_for``), when there are any,
    a tally keeps everything asked, and the actor is staff (an enterprise's own hazards are few and have their
    own index). ``month`` is the cohort's stored month column; ``cohort`` ("found", "due" or "days") defaults to
    the one that month dates. The months the period cuts are still read from ``hazard``."""
    cohort = cohort or ("found" if month is H.found_month else "due")
    tally = tally_for(group_by, filters, cohort)
    if actor.role not in (Role.OFFICE, Role.ADMIN, Role.INSPECTOR) or tally is None:
        return None
    first, after = month_start(start, up=True), month_start(end, up=False)
    if first >= after:
        return None
    c = tally.table.__table__.c
    months = [local_month(first), local_month(after - timedelta(microseconds=1))]
    cut = [local_month(at) for at in (start, end - timedelta(microseconds=1)) if not first <= at < after]
    if actor.role == Role.INSPECTOR:
        scope_ = c.department_id == actor.department_id if actor.department_id is not None else false()
    else:
        scope_ = true()
    live = "found" if month is H.found_month else "due"
    return Tallied(c=c, where=[c.month >= months[0], c.month <= months[1], scope_, *filters.conditions("tally", c)],
                   dims=[c[DIMENSIONS[name].tally] for name in group_by],
                   live=[month >= months[0], month <= months[1], scope(actor), *filters.conditions(live)],
                   rest=month.in_(cut) if cut else false())


PARTS = ("found", "days", "due")  # the three statements of the closure table
ADDITIVE = [name for name in FOUND_FIGURES if name != "repeat_enterprises"] + ["due", "closed_on_time"]


def closure(session: Session, *, actor: Actor, period: Period, group_by: Sequence[str] = (),
            filters: Filters | None = None, now: datetime) -> ClosureReport:
    """Every figure of the closure table, grouped by ``group_by`` (names from ``DIMENSIONS``), and the total."""
    group_by = parse_group_by(list(group_by))
    filters = filters or Filters()
    grouped, days = _figures(session, actor=actor, period=period, filters=filters, group_by=group_by, now=now)
    if group_by:
        total = _total(session, grouped.values(), days.values(), actor=actor, period=period, filters=filters)
    else:
        total = grouped.get((), Figures())
    rows = [Row(dict(zip(group_by, key, strict=True)), grouped[key])
            for key in sorted(grouped, key=lambda k: tuple(_sortable(v) for v in k))]
    _label(session, rows)
    return ClosureReport(period, list(group_by), filters, now, rows, total,
                         visits_saved(session, actor=actor, period=period))


def _total(session: Session, groups: Iterable[Figures], histograms: Iterable[Counter[int]], *, actor: Actor,
           period: Period, filters: Filters) -> Figures:
    """The groups partition the hazards, so counts and days-to-close histograms add up; distinct enterprises
    do not."""
    total = Figures()
    for group in groups:
        for name in ADDITIVE:
            setattr(total, name, getattr(total, name) + getattr(group, name))
    days: Counter[int] = Counter()
    for histogram in histograms:
        days.update(histogram)  # in place: sum() would copy the growing total once per group
    total.mean_days_to_close, total.median_days_to_close = mean_and_median(days)
    cohort = found_cohort(actor, period, filters)
    repeaters = select(H.enterprise_id).where(*cohort, H.repeat_of_id.is_not(None), not_voided()).distinct()
    total.repeat_enterprises = int(session.execute(select(func.count()).select_from(repeaters.subquery())).scalar()
                                   or 0)
    return total.finish()


def closure_statements(actor: Actor, period: Period, filters: Filters, group_by: Sequence[str],
                       as_of: datetime, parts: Iterable[str] = PARTS, *, dialect: str = "sqlite"
                       ) -> dict[str, Select[Any]]:
    """The grouped statements behind the closure table (no "due" one when nothing can be due yet), for the
    database ``dialect`` (SQLite streams its groups over an index prefix, PostgreSQL hashes them)."""
    streams = dialect == "sqlite"
    found = found_cohort(actor, period, filters)
    found_dims = [DIMENSIONS[name].found for name in group_by]
    whole = tallied(actor, filters, group_by, H.found_month, period.start_at, period.end_at)
    statements = {}
    if "found" in parts:
        statements["found"] = stats_sql.found_figures(found, found_dims, as_of, whole, streams=streams)
    if "days" in parts:
        days = tallied(actor, filters, group_by, H.found_month, period.start_at, period.end_at, "days")
        statements["days"] = stats_sql.days_histogram(found, found_dims, days, streams=streams)
    due = due_cohort(actor, period, filters, as_of)
    if "due" in parts and due is not None:
        whole = tallied(actor, filters, group_by, H.due_month, period.start_at, min(period.end_at, as_of))
        statements["due"] = stats_sql.due_figures(due, [DIMENSIONS[name].due for name in group_by], whole,
                                                  streams=streams)
    return statements


def figures(session: Session, *, actor: Actor, period: Period, filters: Filters, group_by: list[str],
            now: datetime, parts: Iterable[str] = PARTS) -> dict[tuple[Any, ...], Figures]:
    """Figures per group key (a tuple of the ``group_by`` values); ``parts`` may skip days or due figures."""
    return _figures(session, actor=actor, period=period, filters=filters, group_by=group_by, now=now, parts=parts)[0]


def _figures(session: Session, *, actor: Actor, period: Period, filters: Filters, group_by: list[str],
             now: datetime, parts: Iterable[str] = PARTS
             ) -> tuple[dict[tuple[Any, ...], Figures], dict[tuple[Any, ...], Counter[int]]]:
    """``figures`` and, per group, the histogram of days to close the mean and median came from."""
    n = len(group_by)
    statements = closure_statements(actor, period, filters, group_by, now, parts,
                                    dialect=session.get_bind().dialect.name)
    out: dict[tuple[Any, ...], Figures] = {}

    def at(key: tuple[Any, ...]) -> Figures:
        return out.setdefault(key, Figures())

    if "found" in statements:
        for row in session.execute(statements["found"]).all():
            group = at(tuple(row[:n]))
            for name, value in zip(FOUND_FIGURES, row[n:], strict=True):
                setattr(group, name, int(value or 0))
    histograms: dict[tuple[Any, ...], Counter[int]] = {}
    if "days" in statements:
        for row in session.execute(statements["days"]).all():
            if row[n] is not None:  # a closed hazard always has its closing time; be safe all the same
                histograms.setdefault(tuple(row[:n]), Counter())[int(row[n])] += int(row[n + 1])
        for key, histogram in histograms.items():
            at(key).mean_days_to_close, at(key).median_days_to_close = mean_and_median(histogram)
    if "due" in statements:
        for row in session.execute(statements["due"]).all():
            group = at(tuple(row[:n]))
            group.due, group.closed_on_time = int(row[n]), int(row[n + 1])
    return {key: group.finish() for key, group in out.items()}, histograms


def mean_and_median(histogram: Counter[int]) -> tuple[float | None, float | None]:
    """Mean (2 decimals) and median of whole days from {days: how many}; the median of an even count is the
    mean of the two middle values. (None, None) when nothing closed."""
    count = sum(histogram.values())
    if count <= 0:
        return None, None
    mean = round(sum(days * n for days, n in histogram.items()) / count, 2)
    lower_rank, upper_rank = (count + 1) // 2, count // 2 + 1  # 1-based ranks of the middle value(s)
    lower = upper = None
    seen = 0
    for days in sorted(histogram):
        seen += histogram[days]
        if lower is None and seen >= lower_rank:
            lower = days
        if seen >= upper_rank:
            upper = days
            break
    assert lower is not None and upper is not None
    return mean, (lower + upper) / 2


def _sortable(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int) else (1, str(value or ""))


def _label(session: Session, rows: list[Row]) -> None:
    """Names for ids and codes: the department's name, the checklist item's text."""
    ids = {row.key["department"] for row in rows if "department" in row.key}
    names = department_names(session, ids)
    for row in rows:
        if "department" in row.key:
            row.labels["department"] = names.get(row.key["department"], "")
        if "item_code" in row.key:
            row.labels["item_code"] = item_text(row.key["item_code"])[0]


def department_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    ids = set(ids)
    if not ids:
        return {}
    rows = session.execute(select(Department.id, Department.name).where(col(Department.id).in_(ids))).all()
    return {int(row[0]): row[1] for row in rows}


def item_text(code: str) -> tuple[str, str]:
    """(Chinese text, legal basis) of a checklist item from the latest version that has it (a retired code
    keeps the wording of its last version)."""
    item = checklists.find_item(code)
    return (item.text, item.legal_basis) if item else ("", "")


def visits_saved(session: Session, *, actor: Actor, period: Period) -> int | None:
    """Trips saved by the joint visits made in the period (综合查一次); None for enterprises.

    The one definition is ``inspection.planning.saved`` (the planner's merge report uses it too); an inspector's
    count is over the visits their department takes part in.
    """
    if not actor.is_staff:
        return None
    department = actor.department_id if actor.role == Role.INSPECTOR else None
    return saved.visits_saved(session, date_from=period.start, date_to=period.end, department_id=department).made
