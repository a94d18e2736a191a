"""The closure table (整改闭环率, 按期整改率 and the rest): its figures per group, in SQL, with the table's total.

What each figure means is defined once, in ``hazards.stats.definitions``; the period and filters are
``hazards.stats.inputs``; the statements' SQL is ``hazards.stats.sql``.
"""

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.types import NullType
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


def scope(actor: Actor, bound: Mapping[str, Any] | None = None) -> ColumnElement[bool]:
    """Hazards the actor may count: office/admin all, an inspector their department, an enterprise its own.
    ``bound``: the department as a bind parameter (``closure_params``)."""
    if actor.role in (Role.OFFICE, Role.ADMIN):
        return true()
    if actor.role == Role.INSPECTOR:
        if actor.department_id is None:
            return false()
        return unindexed(H.department_id) == (bound["department"] if bound is not None else actor.department_id)
    return enterprise_filter(actor, H.enterprise_id)


def found_cohort(actor: Actor, period: Period, filters: Filters, bound: Mapping[str, Any] | None = None
                 ) -> list[ColumnElement[bool]]:
    """Hazards found in the period that the actor may count, voided ones included (see ``stats_sql.less_voided``).
    ``bound``: every value as a bind parameter named as in ``closure_params``."""
    months = bound if bound is not None else month_bounds(period.start_at, period.end_at, "found_")
    return [*month_terms(H.found_month, H.found_at, months, "found_"), scope(actor, bound),
            *filters.conditions("found", bound=bound)]


def due_cohort(actor: Actor, period: Period, filters: Filters, as_of: datetime,
               bound: Mapping[str, Any] | None = None) -> list[ColumnElement[bool]] | None:
    """Hazards whose deadline falls in the period and has passed at ``as_of``; None when there can be none."""
    months = bound if bound is not None else due_bounds(period, as_of)
    if "due_first" not in months:
        return None
    return [*month_terms(H.due_month, H.due_at, months, "due_"), scope(actor, bound),
            *filters.conditions("due", bound=bound)]


def due_bounds(period: Period, as_of: datetime) -> dict[str, Any]:
    """``month_bounds`` of the due cohort (deadlines in the period, passed at ``as_of``); empty when none can be."""
    end = min(period.end_at, as_of)
    return month_bounds(period.start_at, end, "due_") if end > period.start_at else {}


def month_range(month: Any, instant: Any, start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    """``start <= instant < end`` through the stored local month, which leads the covering indexes: the months
    bound the range, so the index can seek, and the instant is tested only in a month the range cuts
    (``month > first OR instant >= start``), so whole months cost no timestamp comparison per row."""
    return month_terms(month, instant, month_bounds(start, end, ""), "")


def month_bounds(start: datetime, end: datetime, prefix: str) -> dict[str, Any]:
    """The values of ``month_range``: first and last local month, and the instants only where a month is cut."""
    bounds: dict[str, Any] = {f"{prefix}first": local_month(start),
                              f"{prefix}last": local_month(end - timedelta(microseconds=1))}
    if start != month_start(start, up=False):
        bounds[f"{prefix}start"] = start
    if end != month_start(end, up=False):
        bounds[f"{prefix}end"] = end
    return bounds


def month_terms(month: Any, instant: Any, bounds: Mapping[str, Any], prefix: str) -> list[ColumnElement[bool]]:
    """``month_range`` from its ``month_bounds`` (values, or bind parameters of the same names)."""
    first, last = bounds[f"{prefix}first"], bounds[f"{prefix}last"]
    terms = [month >= first, month <= last]
    if f"{prefix}start" in bounds:
        terms.append(or_(month > first, instant >= bounds[f"{prefix}start"]))
    if f"{prefix}end" in bounds:
        terms.append(or_(month < last, instant < bounds[f"{prefix}end"]))
    return terms


def tally_for(group_by: Sequence[str], filters: Filters, cohort: str) -> Tally | None:
    """The first month tally (``hazards.models.TALLIES``) that keeps ``cohort`` and whose key holds every group
    and filter asked; None when none does (then the hazards are read, as for an enterprise)."""
    asked = {DIMENSIONS[name].tally for name in group_by} | filters.tally_columns()
    asked.discard("month")
    return next((t for t in TALLIES if cohort in t.cohorts and asked <= set(t.key)), None)


def tallied(actor: Actor, filters: Filters, group_by: Sequence[str], month: Any, start: datetime, end: datetime,
            cohort: str | None = None, bound: Mapping[str, Any] | None = None) -> Tallied | None:
    """The whole months of ``[start, end)``, to be read from a month tally (``tally_for``), when there are any,
    a tally keeps everything asked, and the actor is staff (an enterprise's own hazards are few and have their
    own index). ``month`` is the cohort's stored month column; ``cohort`` ("found", "due" or "days") defaults to
    the one that month dates. The months the period cuts are still read from ``hazard``. ``bound``: the values
    as bind parameters (``closure_params``; ``start`` and ``end`` are then not read)."""
    live = "found" if month is H.found_month else "due"
    cohort = cohort or live
    tally = tally_for(group_by, filters, cohort)
    if actor.role not in (Role.OFFICE, Role.ADMIN, Role.INSPECTOR) or tally is None:
        return None
    prefix = TALLY_PREFIX[live]
    values = bound if bound is not None else tally_bounds(start, end, prefix)
    if f"{prefix}first" not in values:
        return None
    c = tally.table.__table__.c
    months = [values[f"{prefix}first"], values[f"{prefix}last"]]
    if actor.role == Role.INSPECTOR and actor.department_id is None:
        scope_ = false()
    elif actor.role == Role.INSPECTOR:
        scope_ = c.department_id == (bound["department"] if bound is not None else actor.department_id)
    else:
        scope_ = true()
    return Tallied(c=c, where=[c.month >= months[0], c.month <= months[1], scope_,
                               *filters.conditions("tally", c, bound=bound)],
                   dims=[c[DIMENSIONS[name].tally] for name in group_by],
                   live=[month >= months[0], month <= months[1], scope(actor, bound),
                         *filters.conditions(live, bound=bound)],
                   rest=month.in_(values[f"{prefix}cut"]) if f"{prefix}cut" in values else false(),
                   whole=f"{prefix}cut" not in values)


TALLY_PREFIX = {"found": "tf_", "due": "td_"}  # the bind parameters of a cohort's whole months


def tally_bounds(start: datetime, end: datetime, prefix: str) -> dict[str, Any]:
    """The values of ``tallied``: the whole months of ``[start, end)`` (none: empty) and the months it cuts."""
    first, after = month_start(start, up=True), month_start(end, up=False)
    if first >= after:
        return {}
    bounds: dict[str, Any] = {f"{prefix}first": local_month(first),
                              f"{prefix}last": local_month(after - timedelta(microseconds=1))}
    cut = [local_month(at) for at in (start, end - timedelta(microseconds=1)) if not first <= at < after]
    if cut:
        bounds[f"{prefix}cut"] = cut
    return bounds


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
    def repeaters(bound: Mapping[str, Any] | None) -> Select[Any]:
        cohort = found_cohort(actor, period, filters, bound)
        ids = select(H.enterprise_id).where(*cohort, H.repeat_of_id.is_not(None), not_voided()).distinct()
        return select(func.count()).select_from(ids.subquery())

    statement, params = built_once(("repeat_enterprises",), actor, period, filters, period.end_at,
                                   session.get_bind().dialect.name, repeaters)
    total.repeat_enterprises = int(session.execute(statement, params).scalar() or 0)
    return total.finish()


def closure_statements(actor: Actor, period: Period, filters: Filters, group_by: Sequence[str],
                       as_of: datetime, parts: Iterable[str] = PARTS, *, dialect: str = "sqlite",
                       bound: Mapping[str, Any] | None = None) -> dict[str, Select[Any]]:
    """The grouped statements behind the closure table (no "due" one when nothing can be due yet), for the
    database ``dialect`` (SQLite streams its groups over an index prefix, PostgreSQL hashes them). ``bound``:
    every value as a bind parameter named as in ``closure_params`` (see ``closure_statements_once``)."""
    streams = dialect == "sqlite"
    found = found_cohort(actor, period, filters, bound)
    found_dims = [DIMENSIONS[name].found for name in group_by]
    whole = tallied(actor, filters, group_by, H.found_month, period.start_at, period.end_at, bound=bound)
    as_of_ = bound["as_of"] if bound is not None else as_of
    statements = {}
    if "found" in parts:
        statements["found"] = stats_sql.found_figures(found, found_dims, as_of_, whole, streams=streams)
    if "days" in parts:
        days = tallied(actor, filters, group_by, H.found_month, period.start_at, period.end_at, "days", bound=bound)
        statements["days"] = stats_sql.days_histogram(found, found_dims, days, streams=streams)
    due = due_cohort(actor, period, filters, as_of, bound)
    if "due" in parts and due is not None:
        whole = tallied(actor, filters, group_by, H.due_month, period.start_at, min(period.end_at, as_of),
                        bound=bound)
        statements["due"] = stats_sql.due_figures(due, [DIMENSIONS[name].due for name in group_by], whole,
                                                  streams=streams)
    return statements


# Statements built once per shape -----
#
# Building the closure table's statements (SQLAlchemy constructs, then their cache key) cost about half the CPU of
# a call. Their shape depends on few things: grouping, parts, dialect, the actor's role, which filters are given
# and which month bounds a period has (``closure_params``: the names of the values); the values themselves are
# bind parameters. So each shape is built once, and a call only computes its values.


def closure_params(actor: Actor, period: Period, filters: Filters, as_of: datetime) -> dict[str, Any]:
    """Every value of the closure table's statements, by bind parameter name; which names there are is part of the
    statements' shape (a month cut or not, nothing due yet, no whole month to read from a tally)."""
    params: dict[str, Any] = {**month_bounds(period.start_at, period.end_at, "found_"), **due_bounds(period, as_of),
                              **tally_bounds(period.start_at, period.end_at, TALLY_PREFIX["found"]),
                              **tally_bounds(period.start_at, min(period.end_at, as_of), TALLY_PREFIX["due"]),
                              **filters.params(), "as_of": as_of}
    if actor.role == Role.INSPECTOR and actor.department_id is not None:
        params["department"] = actor.department_id
    return params


class Bound(Mapping[str, Any]):
    """``closure_params``'s names as bind parameters (typed by the column they are compared with)."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        self._params = params

    def __getitem__(self, name: str) -> Any:
        return bindparam(name, type_=NullType(), expanding=isinstance(self._params[name], list | tuple))

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def __contains__(self, name: object) -> bool:
        return name in self._params


_BUILT: dict[tuple[Any, ...], Any] = {}
_MAX_SHAPES = 1024  # a bound, not a working size: a few dozen shapes are asked in practice


def built_once(what: tuple[Any, ...], actor: Actor, period: Period, filters: Filters, as_of: datetime,
               dialect: str, build: Callable[[Mapping[str, Any] | None], Any]) -> tuple[Any, dict[str, Any]]:
    """``build(bound)``'s statement(s) for this call's shape, built on its first call, and this call's values.
    Only for staff: an enterprise's scope is a value ``enterprise_filter`` writes in (built every time). The
    module-level hooks the tests replace (``tallied``, the stream depths) are part of the key."""
    if actor.role not in (Role.OFFICE, Role.ADMIN, Role.INSPECTOR):
        return build(None), {}
    params = closure_params(actor, period, filters, as_of)
    key = (*what, dialect, actor.role, frozenset(params), tallied, closure_statements, stats_sql.STREAM_DEPTH,
           stats_sql.DAYS_STREAM_DEPTH)
    built = _BUILT.get(key)
    if built is None:
        if len(_BUILT) >= _MAX_SHAPES:
            _BUILT.clear()
        built = _BUILT[key] = build(Bound(params))
    return built, params


def closure_statements_once(actor: Actor, period: Period, filters: Filters, group_by: Sequence[str],
                            as_of: datetime, parts: Iterable[str] = PARTS, *, dialect: str = "sqlite"
                            ) -> tuple[dict[str, Select[Any]], dict[str, Any]]:
    """``closure_statements`` built once per shape (``built_once``), and the values to execute them with."""
    parts = tuple(parts)
    return built_once(("closure", tuple(group_by), parts), actor, period, filters, as_of, dialect,
                      lambda bound: closure_statements(actor, period, filters, group_by, as_of, parts,
                                                       dialect=dialect, bound=bound))


def figures(session: Session, *, actor: Actor, period: Period, filters: Filters, group_by: list[str],
            now: datetime, parts: Iterable[str] = PARTS) -> dict[tuple[Any, ...], Figures]:
    """Figures per group key (a tuple of the ``group_by`` values); ``parts`` may skip days or due figures."""
    return _figures(session, actor=actor, period=period, filters=filters, group_by=group_by, now=now, parts=parts)[0]


def _figures(session: Session, *, actor: Actor, period: Period, filters: Filters, group_by: list[str],
             now: datetime, parts: Iterable[str] = PARTS
             ) -> tuple[dict[tuple[Any, ...], Figures], dict[tuple[Any, ...], Counter[int]]]:
    """``figures`` and, per group, the histogram of days to close the mean and median came from."""
    n = len(group_by)
    statements, params = closure_statements_once(actor, period, filters, group_by, now, parts,
                                                 dialect=session.get_bind().dialect.name)
    out: dict[tuple[Any, ...], Figures] = {}

    def at(key: tuple[Any, ...]) -> Figures:
        return out.setdefault(key, Figures())

    if "found" in statements:
        for row in session.execute(statements["found"], params).all():
            group = at(tuple(row[:n]))
            for name, value in zip(FOUND_FIGURES, row[n:], strict=True):
                setattr(group, name, int(value or 0))
    histograms: dict[tuple[Any, ...], Counter[int]] = {}
    if "days" in statements:
        for row in session.execute(statements["days"], params).all():
            if row[n] is not None:  # a closed hazard always has its closing time; be safe all the same
                histograms.setdefault(tuple(row[:n]), Counter())[int(row[n])] += int(row[n + 1])
        for key, histogram in histograms.items():
            at(key).mean_days_to_close, at(key).median_days_to_close = mean_and_median(histogram)
    if "due" in statements:
        for row in session.execute(statements["due"], params).all():
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
