"""Keeping the month tallies (``hazards.models.TALLIES``: ``HazardTally`` and the tallies by item, by industry
and risk class, by item and street): filling them from the hazards, and folding each key's appended rows into one.

The ORM listeners in ``hazards.models`` keep them in step with every hazard write; ``rebuild`` is for a database
whose hazards were written otherwise (a bulk load, the benchmark) and for checking the listeners.
"""

from collections import Counter
from typing import Any

from sqlalchemy import Connection, case, delete, func, literal, select, tuple_, union_all
from sqlmodel import Session

from hazards.models import (
    TALLIES,
    TALLY_CLOSED,
    TALLY_MAJOR,
    TALLY_ON_SPOT,
    TALLY_SUSPECTED,
    Hazard,
    Tally,
    TallyKey,
)

H = Hazard.__table__.c


def _bit(condition: Any, bit: int) -> Any:
    return case((condition, bit), else_=0)


def _key(tally: Tally) -> tuple[Any, ...]:
    """The tally's key columns (without n)."""
    c = tally.table.__table__.c
    return tuple(c[name] for name in tally.columns[:-1])


def recount(tally: Tally = TALLIES[0]) -> Any:
    """``tally`` counted afresh from the hazards (``hazards.models.tally_rows`` in SQL): cohort, month, the key,
    bucket, n."""
    where = tuple(H[name] for name in tally.key)
    flags = (_bit(H.status == "closed", TALLY_CLOSED) + _bit(H.level == "major", TALLY_MAJOR)
             + _bit(H.fixed_on_spot.is_(True), TALLY_ON_SPOT)
             + _bit(H.suspected_false_rectification.is_(True), TALLY_SUSPECTED))
    on_time = case((H.closed_at <= H.due_at, 1), else_=0)  # NULL closed_at: not on time

    def counted(cohort: str, month: Any, bucket: Any, *condition: Any) -> Any:
        # grouped outside: PostgreSQL would not match a GROUP BY expression whose constants are bound apart
        rows = (select(month.label("month"), *where, bucket.label("bucket"))
                .where(H.voided.is_(False), *condition).subquery())
        keys = [rows.c.month, *[rows.c[name] for name in tally.key], rows.c.bucket]
        return select(literal(cohort), *keys, func.count()).group_by(*keys)

    cohorts = {"found": lambda: counted("found", H.found_month, flags),
               "due": lambda: counted("due", H.due_month, on_time),
               "days": lambda: counted("days", H.found_month, H.close_days, H.close_days.is_not(None))}
    return union_all(*[cohorts[name]() for name in tally.cohorts])


def rebuild(connection: Connection) -> int:
    """Replace every tally by a fresh count of the hazards; the rows written."""
    rows = 0
    for tally in TALLIES:
        table = tally.table.__table__
        connection.execute(delete(table))
        connection.execute(table.insert().from_select(list(tally.columns), recount(tally)))
        rows += int(connection.execute(select(func.count()).select_from(table)).scalar_one())
    return rows


def _named(tally: Tally, key: Any) -> TallyKey:
    return (tally.table.__tablename__, *key)


def kept(session: Session) -> dict[TallyKey, int]:
    """The tallies as readers see them: ``n`` summed per key (led by the tally's table name), keys that sum to
    nothing left out."""
    out: dict[TallyKey, int] = {}
    for tally in TALLIES:
        key = _key(tally)
        c = tally.table.__table__.c
        for row in session.execute(select(*key, func.sum(c.n)).group_by(*key)).all():
            if row[-1]:
                out[_named(tally, row[:-1])] = int(row[-1])
    return out


def recounted(session: Session) -> dict[TallyKey, int]:
    """Every tally counted afresh from the hazards, keyed as ``kept``."""
    return {_named(tally, row[:-1]): int(row[-1]) for tally in TALLIES for row in session.execute(recount(tally)).all()}


def differences(session: Session) -> dict[TallyKey, tuple[int, int]]:
    """Keys where a tally and a fresh count of the hazards disagree: key -> (kept, counted). Empty when in
    step, as the listeners keep them; anything else means hazards were written around the ORM."""
    counted = recounted(session)
    have = kept(session)
    return {key: (have.get(key, 0), counted.get(key, 0))
            for key in sorted(set(have) | set(counted), key=str) if have.get(key, 0) != counted.get(key, 0)}


def compact(session: Session) -> tuple[int, int]:
    """Fold the rows of every key that has several into one, in every tally (dropping keys that sum to
    nothing); (rows before, rows after) for those keys. Runs in the caller's transaction.

    Safe beside concurrent writers: it deletes only the rows its statement sees and writes back their sum, so a
    row committed meanwhile stays as it is, and appending never waits on a row this deletes.
    """
    before = after = 0
    for tally in TALLIES:
        table = tally.table.__table__
        key = _key(tally)
        repeated = select(*key).group_by(*key).having(func.count() > 1)
        deleted = session.execute(delete(table).where(tuple_(*key).in_(repeated)).returning(*key, table.c.n)).all()
        sums: Counter[TallyKey] = Counter()
        for row in deleted:
            sums[tuple(row[:-1])] += int(row[-1])
        folded = [dict(zip(tally.columns, (*k, n), strict=True)) for k, n in sorted(sums.items()) if n]
        if folded:
            session.execute(table.insert(), folded)
        before, after = before + len(deleted), after + len(folded)
    return before, after
