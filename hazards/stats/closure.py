"""Safety-office statistics: what the office reports upward every month, defined once and computed in SQL.

The definitions below (and ``DEFINITIONS``, which the API, the XLSX second sheet and the PDF footer show)
are the only place these figures are defined.

Period and time
    A period is a range of local dates ``[from, to]``, both inclusive, in Asia/Shanghai. Instants are stored
    in UTC; ``from`` starts at 00:00 Shanghai and ``to`` ends at 24:00 Shanghai. ``as_of`` is the moment the
    figures are computed: statuses are read as they are then.

Two cohorts
    * **Found in the period** (``found_at`` in the period): found, closed, closure rate, overdue open,
      major counts, on-the-spot fixes, days to close, repeats.
    * **Due in the period** (``due_at`` in the period and already passed at ``as_of``): due, closed on time,
      on-time closure rate. A deadline in the future is not yet "due", so an ongoing month is not dragged
      down by hazards that may still be closed in time. The deadline is the one in force (after approved
      extensions).

Counting rules
    * Closure rate (整改闭环率) = hazards closed (status ``closed`` at ``as_of``) / hazards found in the period.
    * On-time closure rate (按期整改率) = hazards closed on or before their deadline (``closed_at <= due_at``)
      / hazards due in the period.
    * Overdue open (逾期未改) at an instant ``at``: not closed at ``at`` (``closed_at`` empty or later than
      ``at``) and ``due_at < at``. Derived, never stored. In the closure table ``at`` is ``as_of``.
    * Days to close: local calendar days from the day found to the day closed (0 = the same day); mean and
      median over the hazards found in the period and closed.
    * Major hazards: ``level = major``.
    * Repeat hazards: ``repeat_of_id`` is set (the same item failed again at the same enterprise within 12
      months of a closed hazard, see ``hazards.intake``); repeat offenders are the distinct enterprises with
      such a hazard; suspected false rectification counts hazards flagged so (both the repeat and the earlier
      hazard are flagged, each in its own period).
    * On-the-spot fixes (当场整改) count as found and closed (issue 4), with 0 days to close, and closed on
      time (their deadline is the end of the day they were found).
    * Voided hazards (作废: closed by a corrected visit, audit action ``hazard.void``) are not counted at all,
      in any figure: the correction says the failure was recorded in error. A hazard once voided stays out
      even if it were reopened later (the current flows never reopen one).
    * Visits saved by joint inspections (综合查一次) = tasks turned into visits minus trips made, by planned
      visit date in the period, as ``inspection.planning.tasks.merge_report`` counts them (a trip is one enterprise, or
      one plant site, on one day). A total only (tasks have no street or item); null for enterprise users.

Grouping and filters
    ``street``, ``department``, ``industry``, ``kind`` (checklist), ``item_code``, ``risk_class`` and
    ``month``. Street, industry and risk class are snapshots taken when the hazard was found. ``month`` is
    the stored local month found (``found_month``) for found-based figures and the stored local month of the
    deadline in force (``due_month``) for due-based figures.

Who sees what
    The office and admins: everything; an inspector: their department's hazards; an enterprise: its own.

How it is computed
    Every figure is a ``GROUP BY`` in SQL, never a loop over rows; the mean and median are read off a per-group
    histogram of whole days that SQL returns (a few hundred rows), and a grouped table's total adds its groups'
    histograms instead of scanning again. Three statements (found, days, due) per table, each one index-only
    range scan of a covering index on ``Hazard.__table_args__``. The local months and days to close are stored
    on the hazard (``hazards.models._keep_derived``) and lead those indexes, so on SQLite a grouping on the
    month, street, department, kind or item streams over the index instead of being sorted
    (``stats_sql.streamed``); other groupings sort, and PostgreSQL hashes. Voided hazards are counted a second
    time, by primary key, and subtracted (``stats_sql.less_voided``), which is cheaper than testing every row.
    Whole months of a table grouped and filtered only by month,
    street, department and kind, for staff, are read from the month tally (``hazards.models.HazardTally``, a
    few rows per month and key, kept by every hazard write; ``tallied``) instead of ~17,000 rows a month; the
    months a period cuts, overdue (it depends on the moment asked) and repeats are still counted from the
    hazards. Figures and plans in tests/bench/README.md ("Statistics").
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

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

from hazards.models import local_month
from hazards.stats import sql as stats_sql
from hazards.stats.sql import FOUND_FIGURES, H, T, Tallied, not_voided, unindexed
from inspection.clock import SHANGHAI, end_of_local_day, local_date, start_of_local_day
from inspection.errors import InvalidInput
from inspection.field import checklists
from inspection.identity.access import Actor, enterprise_filter
from inspection.models import Department
from inspection.planning import tasks as task_service
from schemas.enums import Role


class Definition(NamedTuple):
    name_zh: str
    name_en: str
    formula: str
    field: str = ""  # the figure's key in API rows and exports ("" for rules that are not a column)


DEFINITIONS: list[Definition] = [
    Definition("发现隐患数", "hazards found",
               "统计期内（上海时间）发现的隐患；作废的不计，当场整改的计入 / found_at within [from, to] "
               "(Asia/Shanghai); voided hazards excluded, on-the-spot fixes included", "found"),
    Definition("已闭环数", "hazards closed",
               "上述隐患中当前已销号的（含当场整改）/ of those found, status closed as of the query "
               "(on-the-spot fixes included)", "closed"),
    Definition("整改闭环率", "closure rate", "已闭环数 ÷ 发现隐患数 / closed ÷ found (null when none found)",
               "closure_rate"),
    Definition("到期隐患数", "hazards due",
               "整改期限落在统计期内且已届满的隐患（以现行期限为准，含延期）/ hazards whose deadline in force "
               "falls within [from, to] and has passed as of the query", "due"),
    Definition("按期闭环数", "closed on time",
               "到期隐患中销号时间不晚于整改期限的 / of those due, closed_at ≤ due_at", "closed_on_time"),
    Definition("按期整改率", "on-time closure rate", "按期闭环数 ÷ 到期隐患数 / closed on time ÷ due",
               "on_time_rate"),
    Definition("逾期未改数", "overdue open",
               "发现隐患中截至查询时未销号且已过期限的（实时推算，不存储）/ of those found, not closed and "
               "due_at < as_of (derived, never stored); at a date: not closed by then and due_at < at",
               "overdue_open"),
    Definition("重大隐患数", "major hazards found", "发现隐患中等级为重大的 / of those found, level major",
               "major_found"),
    Definition("重大隐患未闭环数", "major hazards open", "重大隐患中当前未销号的 / major and not closed",
               "major_open"),
    Definition("当场整改数", "fixed on the spot",
               "发现隐患中当场整改的（计为发现并闭环，整改用时 0 天）/ of those found, fixed on the spot "
               "(count as found and closed, 0 days)", "fixed_on_spot"),
    Definition("平均整改天数", "mean days to close",
               "已闭环隐患从发现日到销号日的自然日数的平均值（同日为 0）/ mean local calendar days from the "
               "day found to the day closed, over found-and-closed hazards", "mean_days_to_close"),
    Definition("整改天数中位数", "median days to close", "同上的中位数 / median of the same",
               "median_days_to_close"),
    Definition("重复隐患数", "repeat hazards",
               "同一企业同一检查项在前一隐患销号后 12 个月内再次不合格 / the same item failed again at the "
               "same enterprise within 12 months of a closed hazard (repeat_of_id set)", "repeat_hazards"),
    Definition("重复违规企业数", "repeat offenders", "有重复隐患的企业数（去重）/ distinct enterprises with a "
               "repeat hazard", "repeat_enterprises"),
    Definition("疑似虚假整改数", "suspected false rectification",
               "标记为疑似虚假整改的隐患（重复隐患及其前一隐患均被标记，各计入各自的统计期）/ hazards flagged "
               "suspected_false_rectification (the repeat and the earlier one, each in its own period)",
               "suspected_false_rectification"),
    Definition("联合检查减少入企次数", "visits saved by joint inspections",
               "统计期内（按计划检查日）已排入检查的任务数 − 实际入企次数（同一企业或同一厂中厂同日为一次）；"
               "仅合计，不分组；企业用户为空 / tasks turned into visits minus trips made (one enterprise, or one "
               "plant site, on one day), by planned visit date in the period (inspection.planning.tasks.merge_report); "
               "total only; null for enterprise users", "visits_saved"),
    Definition("作废隐患", "voided hazards",
               "因检查结果更正而作废销号的隐患（审计动作 hazard.void）不计入任何指标 / hazards voided by a "
               "corrected visit (audit action hazard.void) are left out of every figure"),
    Definition("统计月份", "month",
               "按发现月份统计发现类指标，按期限所在月份统计到期类指标（上海时间）/ the local month found for "
               "found-based figures, the local month of the deadline for due-based figures"),
    Definition("数据范围", "scope",
               "应急管理办公室和管理员看全部，检查人员看本部门，企业看本企业 / office and admin: all; "
               "inspector: their department; enterprise: its own"),
]
FIGURE_NAMES: dict[str, str] = {d.field: d.name_zh for d in DEFINITIONS if d.field}


class Dimension(NamedTuple):
    name_zh: str
    found: Any  # the column (or expression) for the found cohort
    due: Any  # ... and for the due cohort
    filter_name: str  # its query parameter
    tally: Any = None  # its column in the month tally (``HazardTally``), if it has one


DIMENSIONS: dict[str, Dimension] = {
    "street": Dimension("街道", H.street, H.street, "street", T.street),
    "department": Dimension("部门", H.department_id, H.department_id, "department_id",  # filtered unindexed
                            T.department_id),
    "industry": Dimension("行业", H.industry, H.industry, "industry"),
    "kind": Dimension("检查表", H.kind, H.kind, "kind", T.kind),
    "item_code": Dimension("检查项", H.item_code, H.item_code, "item_code"),
    "risk_class": Dimension("风险等级", H.risk_class, H.risk_class, "risk_class"),
    "month": Dimension("月份", H.found_month, H.due_month, "month", T.month),
}
ALIASES = {"department_id": "department", "checklist": "kind", "item": "item_code", "found_month": "month"}


def parse_group_by(value: str | Iterable[str] | None) -> list[str]:
    """``"street,month"`` -> ``["street", "month"]``; unknown names raise InvalidInput (422) naming them."""
    if value is None:
        return []
    parts = value.split(",") if isinstance(value, str) else [p for v in value for p in v.split(",")]
    names: list[str] = []
    unknown: list[str] = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        name = ALIASES.get(part, part)
        if name not in DIMENSIONS:
            unknown.append(part)
        elif name not in names:
            names.append(name)
    if unknown:
        allowed = list(DIMENSIONS)
        raise InvalidInput(
            f"不支持的分组维度：{', '.join(unknown)}；可选：{', '.join(allowed)} / "
            f"unknown group_by value(s) {unknown}; allowed: {', '.join(allowed)}",
            code="invalid_group_by",
            details={"unknown": unknown, "allowed": allowed},
        )
    return names


# Inputs -----


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
        return cls(first, _first_of_next_month(first) - timedelta(days=1))

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
            return end_of_local_day(date.fromisoformat(value))
        at = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"时间格式应为 YYYY-MM-DD 或 ISO 8601 / at must be a date or an ISO date-time, got "
                           f"{value!r}", code="invalid_at", details={"at": value}) from None
    return at.replace(tzinfo=SHANGHAI) if at.tzinfo is None else at


def parse_month(month: str) -> date:
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        first = None
    if first is None or len(month) != 7:
        raise InvalidInput(f"月份格式应为 YYYY-MM / month must look like 2026-06, got {month!r}",
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

    def conditions(self, cohort: str) -> list[ColumnElement[bool]]:
        """On ``hazard`` for ``cohort`` ("found" or "due"), or on the month tally ("tally")."""
        out = []
        for dim in DIMENSIONS.values():
            values = getattr(self, dim.filter_name)
            if values:
                column = {"found": dim.found, "due": dim.due, "tally": dim.tally}[cohort]
                out.append((unindexed(column) if column is H.department_id else column).in_(values))
        return out

    def tallied(self) -> bool:
        """Every filter is on a dimension the month tally keeps."""
        return all(dim.tally is not None for dim in DIMENSIONS.values() if getattr(self, dim.filter_name))


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
    if start != _month_start(start, up=False):
        terms.append(or_(month > first, instant >= start))
    if end != _month_start(end, up=False):
        terms.append(or_(month < last, instant < end))
    return terms


def tallied(actor: Actor, filters: Filters, group_by: Sequence[str], month: Any, start: datetime, end: datetime
            ) -> Tallied | None:
    """The whole months of ``[start, end)``, to be read from the month tally (``HazardTally``), when there are
    any and the tally keeps everything asked: groups and filters within month, street, department and kind, and
    a staff scope (an enterprise's own hazards are few and have their own index). ``month`` is the cohort's
    stored month column. The months the period cuts are still read from ``hazard``."""
    if (actor.role not in (Role.OFFICE, Role.ADMIN, Role.INSPECTOR) or not filters.tallied()
            or any(DIMENSIONS[name].tally is None for name in group_by)):
        return None
    first, after = _month_start(start, up=True), _month_start(end, up=False)
    if first >= after:
        return None
    months = [local_month(first), local_month(after - timedelta(microseconds=1))]
    cut = [local_month(at) for at in (start, end - timedelta(microseconds=1)) if not first <= at < after]
    if actor.role == Role.INSPECTOR:
        scope_ = T.department_id == actor.department_id if actor.department_id is not None else false()
    else:
        scope_ = true()
    cohort = "found" if month is H.found_month else "due"
    return Tallied(where=[T.month >= months[0], T.month <= months[1], scope_, *filters.conditions("tally")],
                   dims=[DIMENSIONS[name].tally for name in group_by],
                   live=[month >= months[0], month <= months[1], scope(actor), *filters.conditions(cohort)],
                   rest=month.in_(cut) if cut else false())


def _month_start(at: datetime, *, up: bool) -> datetime:
    """The start (00:00 Shanghai on the 1st) of ``at``'s local month, or of the next one when ``up`` and ``at``
    is not a month's start."""
    day = local_date(at)
    start = start_of_local_day(day.replace(day=1))
    if up and start < at:
        start = start_of_local_day(_first_of_next_month(day))
    return start


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


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
        statements["days"] = stats_sql.days_histogram(found, found_dims, whole, streams=streams)
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
    """(Chinese text, legal basis) of a checklist item from the latest version of its checklist."""
    try:
        item = checklists.latest(code.split("-", 1)[0]).item(code)
    except checklists.UnknownChecklist:
        item = None
    return (item.text, item.legal_basis) if item else ("", "")


def visits_saved(session: Session, *, actor: Actor, period: Period) -> int | None:
    """Tasks turned into visits minus trips made in the period (综合查一次); None for enterprises.

    The counting belongs to the task planner (``inspection.planning.tasks.merge_report``); an inspector's count is
    their department's tasks.
    """
    if not actor.is_staff:
        return None
    return task_service.merge_report(session, actor=actor, date_from=period.start, date_to=period.end).visits_saved
