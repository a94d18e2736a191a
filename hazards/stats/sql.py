"""The SQL shapes of the statistics (definitions in ``hazards.stats.closure``): the three grouped statements of a
closure table, the voided-hazard subtraction, the GROUP BY that streams over a covering index, and a planner hint
for SQLite.

Local months and days are stored on the hazard (``hazards.models._keep_derived``), so no statement converts a
time zone per row. Whole months may come from a month tally instead (``Tallied``, ``hazards.models.TALLIES``).
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    literal_column,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from hazards.models import (
    NOT_CLOSED_SQL,
    STATS_DAYS_LEADING,
    STATS_DIMENSION_COLUMNS,
    STATS_DUE_LEADING,
    STATS_FLAG_COLUMNS,
    STATS_FOUND_LEADING,
    TALLY_CLOSED,
    TALLY_MAJOR,
    TALLY_ON_SPOT,
    TALLY_SUSPECTED,
    VOIDED_SQL,
    Hazard,
)
from schemas.enums import HazardLevel, HazardStatus


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


H = Hazard.__table__.c  # Core columns: plain SQL expressions, no ORM entities


def voided_ids() -> Select[Any]:
    """Ids of voided hazards: few, read from the partial index ``ix_hazard_voided`` alone (index-only on both
    databases). ``hazard.voided`` is set in the same transaction as the ``hazard.void`` event, by the one move
    that voids (``hazards.loop.states.apply``), and never cleared; migration 0003 set it from the events.

    The condition is ``VOIDED_SQL`` literally, as the index's: SQLite uses a partial index only for a query
    condition that is the index's own. The table is aliased, so the subquery never correlates with the
    statement's own ``hazard``. Until session 9 the ids came from the ``hazard.void`` events through
    ``ix_event_action_entity_id``, with ``entity`` checked on each event's heap row: ~10,000 scattered pages at
    5 M hazards on PostgreSQL (tests/bench/README.md, "Index-only voided lookup and overdue count")."""
    voided = Hazard.__table__.alias("voided_hazard")
    return select(voided.c.id).where(text(VOIDED_SQL))


def not_voided() -> ColumnElement[bool]:
    return H.id.not_in(voided_ids())


def not_voided_row() -> ColumnElement[bool]:
    """``not_voided`` from the hazard's own row: ``hazard.voided`` is set in the transaction that writes the
    ``hazard.void`` event (``hazards.loop.states``), was filled from those events by migration 0003, and is what
    the month tallies leave voided hazards out by. For statements that stream every row in id order (the
    ledgers): nothing to read before the first row. The voided ids from the events are ~2,000 rows on as many
    heap pages at 1 M hazards, all read before PostgreSQL returns a first row (0.2 s warm, 12 s once cold)."""
    return H.voided.is_(False)


CLOSED = HazardStatus.CLOSED.value
VOIDED = HazardStatus.VOIDED.value
FOUND_FIGURES = ["found", "closed", "overdue_open", "major_found", "major_open", "fixed_on_spot", "repeat_hazards",
                 "repeat_enterprises", "suspected_false_rectification"]


def _keys(dims: list[Any]) -> list[Any]:
    return [d.label(f"k{i}") for i, d in enumerate(dims)]


# How deep into ``STATS_DIMENSION_COLUMNS`` (street, department, kind, item code, ...) a streamed GROUP BY may
# reach: each level multiplies the groups SQLite hands on to the outer sort. Down to the item code that still
# beats sorting every row for the found and due statements; the days statement's groups are multiplied by the
# days to close as well, and past the kind it is cheaper sorted (tests/bench/README.md, "Statistics").
STREAM_DEPTH = 4
DAYS_STREAM_DEPTH = 3
DIMENSION_COLUMNS = [H[name] for name in STATS_DIMENSION_COLUMNS]


def streamed(leading: list[Any], keys: list[Any], depth_limit: int | None = None) -> list[Any] | None:
    """The GROUP BY that streams over a covering index on ``(*leading, *STATS_DIMENSION_COLUMNS, ...)``: the
    leading columns, then the dimension columns up to the last of ``keys`` (grouping on a prefix of the index
    needs no sort; the caller's outer GROUP BY folds the extra columns away). None when a key lies deeper than
    ``depth_limit`` (default ``STREAM_DEPTH``) or is not a column of the index: then the statement groups on
    ``keys`` and sorts."""
    limit = STREAM_DEPTH if depth_limit is None else depth_limit
    depth = 0
    for key in keys:
        if any(key is column for column in leading):
            continue
        position = next((i for i, column in enumerate(DIMENSION_COLUMNS) if key is column), None)
        if position is None or position >= limit:
            return None
        depth = max(depth, position + 1)
    return [*leading, *DIMENSION_COLUMNS[:depth]]


def less_voided(dims: list[Any], where: list[ColumnElement[bool]], part: Any, figures: list[str],
                *extra: Select[Any], carry: dict[str, Any] | None = None, by: Sequence[Any] = (),
                stream: list[Any] | None = None) -> Select[Any]:
    """Figures of ``where`` minus those of its voided hazards, per group, in one statement.

    ``part(sign)`` gives the aggregate columns (in ``figures`` order), negated for ``sign=-1``; it may use the
    ``by`` columns per group, as they are grouped on too. ``stream`` is the main pass's GROUP BY when an index
    prefix gives one (``streamed``). Testing every row against the voided ids costs more than the rest of a
    query on SQLite; counting the few voided rows again (found by primary key) and subtracting them costs
    almost nothing. ``extra`` selects (same columns) are added in; ``carry`` columns ride along (``MAX``), e.g.
    an item's checklist kind. Groups left empty disappear (``HAVING``). The group keys come out as ``k0`` ...
    """
    carry = carry or {}
    carried = [func.max(column).label(name) for name, column in carry.items()]
    grouping = [*dims, *by]
    kept = select(*_keys(dims), *carried, *part(1)).where(*where).group_by(*(stream or grouping))
    voided = select(*_keys(dims), *carried, *part(-1)).where(*where, H.id.in_(voided_ids())).group_by(*grouping)
    both = union_all(kept, voided, *extra).subquery("signed")
    keys = [both.c[f"k{i}"] for i in range(len(dims))]
    return (select(*keys, *[func.max(both.c[name]).label(name) for name in carry],
                   *[func.sum(both.c[name]).label(name) for name in figures])
            .group_by(*keys).having(func.sum(both.c[figures[0]]) > 0))


FLAGS = [H[name] for name in STATS_FLAG_COLUMNS]  # status, level, on the spot, suspected: few combinations
FOUND_LEADING = [H[name] for name in STATS_FOUND_LEADING]  # ix_hazard_stats_found
DAYS_LEADING = [H[name] for name in STATS_DAYS_LEADING]  # ix_hazard_stats_days
DUE_LEADING = [H[name] for name in STATS_DUE_LEADING]  # ix_hazard_stats_due


def counter(sign: int, flags_grouped: bool) -> Any:
    """``count(condition)`` for one figure. With the flag columns grouped on, the condition (on flags only) is
    tested once per group: ``CASE WHEN status = 'closed' THEN COUNT(*) END``. Otherwise a filtered count on every
    row, which measured cheaper than sorting on four more columns when SQLite has to sort anyway."""

    def count(condition: ColumnElement[bool]) -> Any:
        if flags_grouped:
            return case((condition, func.count() * sign), else_=literal_column("0"))
        return func.count(case((condition, 1))) * sign

    return count


ZERO = literal_column("0")


class Tallied(NamedTuple):
    """Whole months of a statement read from a month tally instead of ``hazard``
    (see ``hazards.stats.closure.tallied``).

    ``c`` are the tally's columns; ``where`` selects the months in it (months, scope, filters) and ``dims`` are
    its group columns;
    ``live`` selects the same months in ``hazard``, for what the tally cannot keep (overdue depends on the
    moment asked); ``rest`` keeps the hazards of the months the period cuts, which are still counted row by
    row; ``whole``: the period cuts no month (``rest`` is false), so a statement with nothing live reads the
    tally alone (``tally_alone``).
    """

    c: Any
    where: list[ColumnElement[bool]]
    dims: list[Any]
    live: list[ColumnElement[bool]]
    rest: ColumnElement[bool]
    whole: bool = False

    def sum(self, condition: ColumnElement[bool] | None = None) -> Any:
        """``n`` summed (where ``condition`` holds)."""
        return func.sum(self.c.n if condition is None else case((condition, self.c.n), else_=ZERO))

    def has(self, bit: int) -> ColumnElement[bool]:
        """A found row's flag ``bit`` is set."""
        return self.c.bucket.op("&")(literal_column(str(bit))) != ZERO

    def cohort(self, name: str, *dims: Any) -> Any:
        """A select of the cohort's whole months, grouped by the tally's group columns and ``dims``."""
        return select(*_keys([*self.dims, *dims])).where(self.c.cohort == name, *self.where).group_by(*self.dims,
                                                                                                        *dims)


def tally_alone(tallied: Tallied, read: Select[Any]) -> Select[Any]:
    """``read`` (a tally cohort's select, its first figure the count) as the whole statement, when the period
    cuts no month and nothing is counted live: ``less_voided``'s hazard parts would be empty, and its outer
    GROUP BY over the union would only group the tally's groups again (item × street's days at 1 M hazards:
    20,123 groups, a quarter of the statement on PostgreSQL). Groups whose appends cancel out disappear, as
    ``less_voided``'s ``HAVING`` makes them."""
    return read.having(tallied.sum() > 0)


def tally_found(tallied: Tallied) -> Select[Any]:
    """The found figures of whole months from the tally, in ``FOUND_FIGURES`` order (overdue and repeats are
    counted live)."""
    t = tallied
    closed, major = t.has(TALLY_CLOSED), t.has(TALLY_MAJOR)
    figures = {"found": t.sum(), "closed": t.sum(closed), "major_found": t.sum(major),
               "major_open": t.sum(and_(major, ~closed)), "fixed_on_spot": t.sum(t.has(TALLY_ON_SPOT)),
               "suspected_false_rectification": t.sum(t.has(TALLY_SUSPECTED))}
    return t.cohort("found").add_columns(*[figures.get(name, ZERO).label(name) for name in FOUND_FIGURES])


def open_overdue(where: list[ColumnElement[bool]], dims: list[Any], as_of: datetime) -> Select[Any]:
    """Overdue open hazards (``FOUND_FIGURES`` columns, the others 0), from the partial index of hazards not
    closed (``ix_hazard_stats_open``), less the few voided ones (status ``voided``, in that index too)."""
    return (select(*_keys(dims), *[(func.count() if name == "overdue_open" else ZERO).label(name)
                                   for name in FOUND_FIGURES])
            .where(*where, text(NOT_CLOSED_SQL), H.status != VOIDED, H.due_at < as_of)
            .group_by(*dims))


def found_figures(cohort: list[ColumnElement[bool]], dims: list[Any], as_of: datetime,
                  tallied: Tallied | None = None, *, streams: bool = True) -> Select[Any]:
    """``streams``: the database groups by streaming an index in order (SQLite, which has no hash aggregate);
    PostgreSQL hashes, and grouping on the longer index prefix only adds groups to hash (measured 2× slower)."""
    closed = H.status == CLOSED
    major = H.level == HazardLevel.MAJOR.value
    stream = streamed(FOUND_LEADING, dims) if streams else None

    def part(sign: int) -> list[Any]:
        count = counter(sign, flags_grouped=stream is not None)
        # overdue needs a row's own deadline: always a filtered count (a closed row costs one comparison)
        late = func.count(case((and_(H.status != CLOSED, H.due_at < as_of), 1))) * sign
        return [(func.count() * sign).label("found"), count(closed).label("closed"), late.label("overdue_open"),
                count(major).label("major_found"), count(and_(major, ~closed)).label("major_open"),
                count(H.fixed_on_spot.is_(True)).label("fixed_on_spot"), ZERO.label("repeat_hazards"),
                ZERO.label("repeat_enterprises"),
                count(H.suspected_false_rectification.is_(True)).label("suspected_false_rectification")]

    # repeats are few and have their own partial index; distinct enterprises cannot be subtracted (and
    # COUNT(DISTINCT) would keep PostgreSQL from hashing the main pass): count them apart, voided ones left out
    repeat = (select(*_keys(dims), H.enterprise_id, func.count().label("n"))
              .where(*cohort, H.repeat_of_id.is_not(None), not_voided())
              .group_by(*dims, H.enterprise_id).subquery("repeat"))
    keys = [repeat.c[f"k{i}"] for i in range(len(dims))]
    figures = {"repeat_hazards": func.sum(repeat.c.n), "repeat_enterprises": func.count()}
    repeaters = select(*keys, *[figures.get(name, ZERO).label(name) for name in FOUND_FIGURES]).group_by(*keys)
    where, extra = cohort, []
    if tallied is not None:
        where, extra = [*cohort, tallied.rest], [tally_found(tallied), open_overdue(tallied.live, dims, as_of)]
    return less_voided(dims, where, part, FOUND_FIGURES, repeaters, *extra, by=FLAGS if stream else (),
                       stream=stream)


def due_figures(cohort: list[ColumnElement[bool]], dims: list[Any], tallied: Tallied | None = None, *,
                streams: bool = True) -> Select[Any]:
    def part(sign: int) -> list[Any]:
        return [(func.count() * sign).label("due"),
                (func.count(case((H.closed_at <= H.due_at, 1))) * sign).label("closed_on_time")]

    where, extra = cohort, []
    if tallied is not None:
        where = [*cohort, tallied.rest]
        extra = [tallied.cohort("due").add_columns(tallied.sum().label("due"),
                                                   tallied.sum(tallied.c.bucket == 1).label("closed_on_time"))]
        if tallied.whole:
            return tally_alone(tallied, extra[0])
    return less_voided(dims, where, part, ["due", "closed_on_time"], *extra,
                       stream=streamed(DUE_LEADING, dims) if streams else None)


def days_histogram(cohort: list[ColumnElement[bool]], dims: list[Any], tallied: Tallied | None = None, *,
                   streams: bool = True) -> Select[Any]:
    """Closed hazards per group and whole local days to close (``k0`` .. the group keys, then the days, then
    ``n``), from the stored ``close_days``. The mean and median are read off it (``hazards.stats.closure``), and the
    groups' histograms add up to the total's, so a grouped table needs no second pass for its total."""
    def part(sign: int) -> list[Any]:
        return [(func.count() * sign).label("n")]

    where, extra = [*cohort, H.close_days.is_not(None)], []
    if tallied is not None:
        where.append(tallied.rest)
        extra = [tallied.cohort("days", tallied.c.bucket).add_columns(tallied.sum().label("n"))]
        if tallied.whole:
            return tally_alone(tallied, extra[0])
    return less_voided([*dims, H.close_days], where, part, ["n"], *extra,
                       stream=streamed(DAYS_LEADING, dims, DAYS_STREAM_DEPTH) if streams else None)
