"""The SQL shapes of the statistics (definitions in ``hazards.stats``): the three grouped statements of a closure
table, the voided-hazard subtraction, and the dialect-specific pieces (local months and days in Asia/Shanghai,
a planner hint).

Shanghai has kept UTC+8 all year since 1991, so a fixed offset is exact for every stored instant.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    func,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from hazards.models import Hazard
from inspection.models import Event
from schemas.enums import HazardLevel, HazardStatus


class local_month(FunctionElement[str]):
    """``YYYY-MM`` of a UTC instant in Asia/Shanghai."""

    type = String()
    inherit_cache = True
    name = "local_month"


@compiles(local_month, "sqlite")
def _local_month_sqlite(element: local_month, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)}, '+8 hours')"


@compiles(local_month, "postgresql")
def _local_month_pg(element: local_month, compiler: Any, **kw: Any) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"


class local_days_between(FunctionElement[int]):
    """Shanghai calendar days from the day of the first instant to the day of the second (0 = same day)."""

    inherit_cache = True
    name = "local_days_between"


@compiles(local_days_between, "sqlite")
def _days_sqlite(element: local_days_between, compiler: Any, **kw: Any) -> str:
    # the local day number is floor(Julian day of local time + 0.5); one parse per instant
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return (f"(CAST(julianday({end}, '+8 hours') + 0.5 AS INTEGER) "
            f"- CAST(julianday({start}, '+8 hours') + 0.5 AS INTEGER))")


@compiles(local_days_between, "postgresql")
def _days_pg(element: local_days_between, compiler: Any, **kw: Any) -> str:
    # day numbers from epoch seconds shifted by 8 hours: twice as fast as AT TIME ZONE 'Asia/Shanghai'
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return (f"CAST(floor((date_part('epoch', {end}) + 28800) / 86400) "
            f"- floor((date_part('epoch', {start}) + 28800) / 86400) AS INTEGER)")


class unindexed(FunctionElement[Any]):
    """The column, kept from choosing an index on SQLite (unary ``+``, SQLite's documented way).

    Without statistics SQLite takes any equality on an indexed column as very selective, so ``department_id =
    ?`` or ``status = 'closed'`` would pick ``ix_hazard_department_id`` / ``ix_hazard_status_due_at`` and look
    up a fifth (or most) of the table row by row instead of range-scanning the covering index. PostgreSQL
    plans from its statistics and gets the column as is.
    """

    inherit_cache = True
    name = "unindexed"

    def __init__(self, column: Any) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _unindexed(element: unindexed, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element: unindexed, compiler: Any, **kw: Any) -> str:
    return f"+{compiler.process(element.clauses, **kw)}"


VOID_ACTION = "hazard.void"
H = Hazard.__table__.c  # Core columns: plain SQL expressions, no ORM entities


def voided_ids() -> Select[Any]:
    """Ids of voided hazards: few, found through ``ix_event_action_entity_id``."""
    return select(Event.__table__.c.entity_id).where(Event.__table__.c.action == VOID_ACTION,
                                                     Event.__table__.c.entity == "hazard")


def not_voided() -> ColumnElement[bool]:
    return H.id.not_in(voided_ids())


CLOSED = HazardStatus.CLOSED.value
FOUND_FIGURES = ["found", "closed", "overdue_open", "major_found", "major_open", "fixed_on_spot", "repeat_hazards",
                 "repeat_enterprises", "suspected_false_rectification"]


def _keys(dims: list[Any]) -> list[Any]:
    return [d.label(f"k{i}") for i, d in enumerate(dims)]


def less_voided(dims: list[Any], where: list[ColumnElement[bool]], part: Any, figures: list[str],
                *extra: Select[Any], carry: dict[str, Any] | None = None) -> Select[Any]:
    """Figures of ``where`` minus those of its voided hazards, per group, in one statement.

    ``part(sign)`` gives the aggregate columns (in ``figures`` order), negated for ``sign=-1``. Testing every
    row against the voided ids costs more than the rest of a query on SQLite; counting the few voided rows
    again (found by primary key) and subtracting them costs almost nothing. ``extra`` selects (same columns)
    are added in; ``carry`` columns ride along (``MAX``), e.g. an item's checklist kind. Groups left empty
    disappear (``HAVING``). The group keys come out as ``k0``, ``k1`` ...
    """
    carry = carry or {}
    carried = [func.max(column).label(name) for name, column in carry.items()]
    kept = select(*_keys(dims), *carried, *part(1)).where(*where).group_by(*dims)
    voided = select(*_keys(dims), *carried, *part(-1)).where(*where, H.id.in_(voided_ids())).group_by(*dims)
    both = union_all(kept, voided, *extra).subquery("signed")
    keys = [both.c[f"k{i}"] for i in range(len(dims))]
    return (select(*keys, *[func.max(both.c[name]).label(name) for name in carry],
                   *[func.sum(both.c[name]).label(name) for name in figures])
            .group_by(*keys).having(func.sum(both.c[figures[0]]) > 0))


def found_figures(cohort: list[ColumnElement[bool]], dims: list[Any], as_of: datetime) -> Select[Any]:
    closed = H.status == CLOSED
    still_open = H.status != CLOSED
    major = H.level == HazardLevel.MAJOR.value
    zero = literal_column("0")

    def part(sign: int) -> list[Any]:
        def n(condition: ColumnElement[bool] | None = None) -> Any:
            return (func.count() if condition is None else func.count(case((condition, 1)))) * sign

        return [n().label("found"), n(closed).label("closed"),
                n(and_(still_open, H.due_at < as_of)).label("overdue_open"), n(major).label("major_found"),
                n(and_(major, still_open)).label("major_open"), n(H.fixed_on_spot.is_(True)).label("fixed_on_spot"),
                n(H.repeat_of_id.is_not(None)).label("repeat_hazards"), zero.label("repeat_enterprises"),
                n(H.suspected_false_rectification.is_(True)).label("suspected_false_rectification")]

    # distinct enterprises cannot be subtracted, and COUNT(DISTINCT) would keep PostgreSQL from hashing the
    # main pass: count them apart, over the few repeat rows, voided ones left out directly
    repeat = (select(*_keys(dims), H.enterprise_id).where(*cohort, H.repeat_of_id.is_not(None), not_voided())
              .distinct().subquery("repeat"))
    keys = [repeat.c[f"k{i}"] for i in range(len(dims))]
    repeaters = select(*keys, *[(func.count() if name == "repeat_enterprises" else zero).label(name)
                                for name in FOUND_FIGURES]).group_by(*keys)
    return less_voided(dims, cohort, part, FOUND_FIGURES, repeaters)


def due_figures(cohort: list[ColumnElement[bool]], dims: list[Any]) -> Select[Any]:
    def part(sign: int) -> list[Any]:
        return [(func.count() * sign).label("due"),
                (func.count(case((H.closed_at <= H.due_at, 1))) * sign).label("closed_on_time")]

    return less_voided(dims, cohort, part, ["due", "closed_on_time"])


def days_histogram(cohort: list[ColumnElement[bool]], dims: list[Any]) -> Select[Any]:
    """Closed hazards per group and whole local days to close (``k0`` .. the group keys, then the days, then
    ``n``). The mean and median are read off it (``hazards.stats``), and the groups' histograms add up to the
    total's, so a grouped table needs no second pass for its total."""
    days = local_days_between(H.found_at, H.closed_at)
    return less_voided([*dims, days], [*cohort, unindexed(H.status) == CLOSED],
                       lambda sign: [(func.count() * sign).label("n")], ["n"])
