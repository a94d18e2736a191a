"""Keeping ``HazardTally`` (the statistics' month tally, defined in ``hazards.models``): filling it from the
hazards, and folding each key's appended rows into one.

The ORM listeners in ``hazards.models`` keep it in step with every hazard write; ``rebuild`` is for a database
whose hazards were written otherwise (a bulk load, the benchmark) and for checking the listeners.
"""

from collections import Counter
from typing import Any

from sqlalchemy import Connection, case, delete, func, literal, select, tuple_, union_all
from sqlmodel import Session

from hazards.models import (
    TALLY_CLOSED,
    TALLY_COLUMNS,
    TALLY_MAJOR,
    TALLY_ON_SPOT,
    TALLY_SUSPECTED,
    Hazard,
    HazardTally,
    TallyKey,
)

H = Hazard.__table__.c
T = HazardTally.__table__.c
KEY = tuple(T[name] for name in TALLY_COLUMNS[:-1])  # the key columns, without n


def _bit(condition: Any, bit: int) -> Any:
    return case((condition, bit), else_=0)


def recount() -> Any:
    """The tally counted afresh from the hazards (``hazards.models.tally_rows`` in SQL): cohort, month, street,
    department_id, kind, bucket, n."""
    where = (H.street, H.department_id, H.kind)
    flags = (_bit(H.status == "closed", TALLY_CLOSED) + _bit(H.level == "major", TALLY_MAJOR)
             + _bit(H.fixed_on_spot.is_(True), TALLY_ON_SPOT)
             + _bit(H.suspected_false_rectification.is_(True), TALLY_SUSPECTED))
    on_time = case((H.closed_at <= H.due_at, 1), else_=0)  # NULL closed_at: not on time

    def counted(cohort: str, month: Any, bucket: Any, *condition: Any) -> Any:
        # grouped outside: PostgreSQL would not match a GROUP BY expression whose constants are bound apart
        rows = (select(month.label("month"), *where, bucket.label("bucket"))
                .where(H.voided.is_(False), *condition).subquery())
        keys = [rows.c.month, rows.c.street, rows.c.department_id, rows.c.kind, rows.c.bucket]
        return select(literal(cohort), *keys, func.count()).group_by(*keys)

    return union_all(counted("found", H.found_month, flags), counted("due", H.due_month, on_time),
                     counted("days", H.found_month, H.close_days, H.close_days.is_not(None)))


def rebuild(connection: Connection) -> int:
    """Replace the tally by a fresh count of the hazards; the rows written."""
    connection.execute(delete(HazardTally))
    connection.execute(HazardTally.__table__.insert().from_select(list(TALLY_COLUMNS), recount()))
    return int(connection.execute(select(func.count()).select_from(HazardTally)).scalar_one())


def kept(session: Session) -> dict[TallyKey, int]:
    """The tally as readers see it: ``n`` summed per key, keys that sum to nothing left out."""
    rows = session.execute(select(*KEY, func.sum(T.n)).group_by(*KEY)).all()
    return {tuple(row[:6]): int(row[6]) for row in rows if row[6]}  # type: ignore[misc]


def differences(session: Session) -> dict[TallyKey, tuple[int, int]]:
    """Keys where the tally and a fresh count of the hazards disagree: key -> (kept, counted). Empty when in
    step, as the listeners keep it; anything else means hazards were written around the ORM."""
    counted = {tuple(row[:6]): int(row[6]) for row in session.execute(recount()).all()}
    have = kept(session)
    return {key: (have.get(key, 0), counted.get(key, 0))  # type: ignore[misc]
            for key in sorted(set(have) | set(counted)) if have.get(key, 0) != counted.get(key, 0)}


def compact(session: Session) -> tuple[int, int]:
    """Fold the rows of every key that has several into one (dropping keys that sum to nothing); (rows
    before, rows after) for those keys. Runs in the caller's transaction.

    Safe beside concurrent writers: it deletes only the rows its statement sees and writes back their sum, so a
    row committed meanwhile stays as it is, and appending never waits on a row this deletes.
    """
    repeated = select(*KEY).group_by(*KEY).having(func.count() > 1)
    deleted = session.execute(delete(HazardTally).where(tuple_(*KEY).in_(repeated))
                              .returning(*KEY, T.n)).all()
    sums: Counter[TallyKey] = Counter()
    for row in deleted:
        sums[tuple(row[:6])] += int(row[6])  # type: ignore[index]
    kept = [dict(zip(TALLY_COLUMNS, (*key, n), strict=True)) for key, n in sorted(sums.items()) if n]
    if kept:
        session.execute(HazardTally.__table__.insert(), kept)
    return len(deleted), len(kept)
