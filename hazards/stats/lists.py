"""Lists behind the statistics: the most often failed items, and the hazards overdue at an instant.

Same scope, filters and voided-hazard rule as the closure table (``hazards.stats.closure``).
"""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, text, union_all
from sqlmodel import Session

from hazards.models import NOT_CLOSED_AT_SQL, TALLY_CLOSED, TALLY_MAJOR, Hazard
from hazards.stats import closure
from hazards.stats.closure import found_cohort, item_text, scope
from hazards.stats.inputs import Filters, Period
from hazards.stats.sql import CLOSED, H, less_voided, not_voided, unindexed
from inspection.clock import local_date
from inspection.identity.access import Actor
from inspection.models import Enterprise
from schemas.enums import HazardLevel

# Top failed items -----


@dataclass
class TopItem:
    kind: str
    item_code: str
    rank: int
    found: int
    open: int
    major: int
    text: str
    legal_basis: str


def top_items(session: Session, *, actor: Actor, period: Period, filters: Filters | None = None,
              kind: str | None = None, limit: int = 10) -> list[TopItem]:
    """The most often failed items per checklist kind (ties by item code), with their text and legal basis."""
    out = []
    for row in session.execute(top_items_statement(actor, period, filters, kind=kind, limit=limit)).mappings():
        text, basis = item_text(row["item_code"])
        out.append(TopItem(kind=row["kind"], item_code=row["item_code"], rank=int(row["rank"]),
                           found=int(row["found"]), open=int(row["open"]), major=int(row["major"]),
                           text=text, legal_basis=basis))
    return out


def top_items_statement(actor: Actor, period: Period, filters: Filters | None = None, *, kind: str | None = None,
                        limit: int = 10) -> Select[Any]:
    filters = filters or Filters()
    if kind:
        filters = replace(filters, kind=(kind,))

    def part(sign: int) -> list[Any]:
        return [(func.count() * sign).label("found"), (func.count(case((H.status != CLOSED, 1))) * sign).label("open"),
                (func.count(case((H.level == HazardLevel.MAJOR.value, 1))) * sign).label("major")]

    # grouped by the item code alone (it names its kind): a one-column GROUP BY sorts twice as fast on SQLite
    cohort, extra = found_cohort(actor, period, filters), []
    whole = closure.tallied(actor, filters, ["item_code"], H.found_month, period.start_at, period.end_at)
    if whole is not None:  # whole months from the item tally's found cohort, the months the period cuts as before
        cohort = [*cohort, whole.rest]
        extra = [whole.cohort("found").add_columns(
            func.max(whole.c.kind).label("kind"), whole.sum().label("found"),
            whole.sum(~whole.has(TALLY_CLOSED)).label("open"), whole.sum(whole.has(TALLY_MAJOR)).label("major"))]
    counts = less_voided([H.item_code], cohort, part, ["found", "open", "major"], *extra,
                         carry={"kind": H.kind}).subquery("counts")
    rank = func.row_number().over(partition_by=counts.c.kind,
                                  order_by=(counts.c.found.desc(), counts.c.k0)).label("rank")
    ranked = select(counts.c.kind, counts.c.k0.label("item_code"), counts.c.found, counts.c.open, counts.c.major,
                    rank).subquery("ranked")
    return select(ranked).where(ranked.c.rank <= limit).order_by(ranked.c.kind, ranked.c.rank)


# Overdue at an instant -----


@dataclass
class OverdueHazard:
    hazard_id: int
    enterprise_id: int
    enterprise_name: str
    street: str
    department_id: int
    kind: str
    item_code: str
    item_text: str
    level: str
    status: str
    found_at: datetime
    due_at: datetime
    days_overdue: int


@dataclass
class OverdueReport:
    at: datetime
    count: int
    major: int
    items: list[OverdueHazard]
    limit: int
    offset: int


def overdue_branches(at: datetime) -> list[ColumnElement[bool]]:
    """Not closed at ``at`` and past the deadline, as two disjoint conditions, each one index range on
    ``ix_hazard_stats_overdue``: still open, or closed after ``at``. The second branch's deadline is kept from
    SQLite's planner (``unindexed``), which otherwise ranges over almost every deadline in
    ``ix_hazard_due_at_closed_at`` instead of the few hazards closed after ``at``.

    A deadline is never before the hazard was found, so ``due_at < at`` also means found before ``at``.
    """
    return [and_(text(NOT_CLOSED_AT_SQL), H.due_at < at), and_(H.closed_at > at, unindexed(H.due_at) < at)]


def overdue_condition(at: datetime) -> ColumnElement[bool]:
    """``overdue_branches`` as one condition (for a statement that reads every row anyway, e.g. the ledger)."""
    return or_(*overdue_branches(at))


def overdue_statements(actor: Actor, at: datetime, filters: Filters | None = None, *, limit: int = 100,
                       offset: int = 0) -> tuple[Select[Any], Select[Any]]:
    """(count and major count, one page most overdue first) of the hazards overdue and open at ``at``.

    Both read the two branches (``overdue_branches``) apart, ``UNION ALL``: each is then an index-only range of
    ``ix_hazard_stats_overdue`` (closed_at, due_at, id, level), where one ``OR`` made PostgreSQL visit every
    overdue hazard's heap page (a ``BitmapOr``: 95,000 pages, 640 ms at 5 M hazards). The page takes its ids
    and deadlines first, each branch cut to ``offset + limit`` in deadline order (the open one comes in that
    order from ``ix_hazard_stats_overdue_open`` and stops there), and reads the rest of only those rows.
    Unfiltered, for the office, neither touches the table (the voided ids come from ``ix_hazard_voided``); a
    scope or filter reads the rows it tests."""
    filters = filters or Filters()
    rest = [scope(actor), *filters.conditions("found"), not_voided()]
    levels = union_all(*[select(H.level).where(branch, *rest) for branch in overdue_branches(at)]).subquery()
    count = select(func.count(), func.count(case((levels.c.level == HazardLevel.MAJOR.value, 1))))
    still_open, closed_after = overdue_branches(at)
    # each branch cut to the page first: the open one comes in deadline order from ix_hazard_stats_overdue_open and
    # stops there. The second's deadline unindexed too: else SQLite walks all of ix_hazard_due_at_closed_at.
    first = limit + offset
    branches = [select(H.id, H.due_at).where(still_open, *rest),
                select(H.id, unindexed(H.due_at).label("due_at")).where(closed_after, *rest)]
    cut = [b.order_by("due_at", "id").limit(first).subquery(f"overdue_{i}") for i, b in enumerate(branches)]
    ids = (union_all(*[select(c.c.id, c.c.due_at) for c in cut])
           .order_by("due_at", "id").limit(limit).offset(offset).subquery("overdue_page"))
    E = Enterprise.__table__.c
    page = (select(H.id, H.enterprise_id, E.name, H.street, H.department_id, H.kind, H.item_code, H.level,
                   H.status, H.found_at, H.due_at)
            .join_from(ids, Hazard.__table__, H.id == ids.c.id)
            .join(Enterprise.__table__, E.id == H.enterprise_id)
            .order_by(ids.c.due_at, ids.c.id))
    return count, page


def overdue(session: Session, *, actor: Actor, at: datetime, filters: Filters | None = None, limit: int = 100,
            offset: int = 0) -> OverdueReport:
    """Hazards overdue and open at ``at``: the count, how many are major, and a page, most overdue first."""
    count_statement, page_statement = overdue_statements(actor, at, filters, limit=limit, offset=offset)
    count, major = session.execute(count_statement).one()
    page = session.execute(page_statement).all()
    today = local_date(at)
    items = [OverdueHazard(hazard_id=r.id, enterprise_id=r.enterprise_id, enterprise_name=r.name, street=r.street,
                           department_id=r.department_id, kind=r.kind, item_code=r.item_code,
                           item_text=item_text(r.item_code)[0], level=str(r.level), status=str(r.status),
                           found_at=r.found_at, due_at=r.due_at, days_overdue=(today - local_date(r.due_at)).days)
             for r in page]
    return OverdueReport(at=at, count=int(count), major=int(major), items=items, limit=limit, offset=offset)
