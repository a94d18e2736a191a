"""From a figure to the hazards behind it: every figure of the closure table is a list with the same period, scope,
filters and voided-hazard rule, paginated; and the repeat offenders, enterprise by enterprise.

A figure counted on the found cohort lists hazards found in the period; one counted on the due cohort lists hazards
due in the period (deadline passed at ``as_of``). A rate lists its denominator (``closure_rate`` → found,
``on_time_rate`` → due) and ``not_closed`` / ``late`` list what keeps it below 100 %; the days to close list the
hazards closed; repeat offenders list the repeat hazards. A cell of a grouped table is the same call with the cell's
keys as filters (``month`` is the found month for found figures, the deadline's month for due ones).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlmodel import Session

from hazards.models import Hazard
from hazards.stats.closure import department_names, due_cohort, found_cohort, item_text
from hazards.stats.inputs import Filters, Period
from hazards.stats.sql import CLOSED, H, not_voided
from inspection.clock import local_date
from inspection.errors import InvalidInput
from inspection.identity.access import Actor
from inspection.models import Enterprise
from schemas.enums import HazardLevel

MAJOR = HazardLevel.MAJOR.value
Condition = Callable[[datetime], ColumnElement[bool] | None]

# figure -> (cohort, extra condition at as_of)
FIGURES: dict[str, tuple[str, Condition]] = {
    "found": ("found", lambda _: None),
    "closed": ("found", lambda _: H.status == CLOSED),
    "not_closed": ("found", lambda _: H.status != CLOSED),
    "overdue_open": ("found", lambda at: and_(H.status != CLOSED, H.due_at < at)),
    "major_found": ("found", lambda _: H.level == MAJOR),
    "major_open": ("found", lambda _: and_(H.level == MAJOR, H.status != CLOSED)),
    "fixed_on_spot": ("found", lambda _: H.fixed_on_spot.is_(True)),
    "repeat_hazards": ("found", lambda _: H.repeat_of_id.is_not(None)),
    "suspected_false_rectification": ("found", lambda _: H.suspected_false_rectification.is_(True)),
    "due": ("due", lambda _: None),
    "closed_on_time": ("due", lambda _: H.closed_at <= H.due_at),
    "late": ("due", lambda _: or_(H.closed_at.is_(None), H.closed_at > H.due_at)),
}
ALIASES = {"closure_rate": "found", "on_time_rate": "due", "mean_days_to_close": "closed",
           "median_days_to_close": "closed", "repeat_enterprises": "repeat_hazards"}
# the figures of a closure row that link to a list (every one of them)
LINKED = [*FIGURES, *ALIASES]


def figure_of(name: str) -> str:
    figure = ALIASES.get(name, name)
    if figure not in FIGURES:
        raise InvalidInput(f"不支持的指标：{name}；可选：{', '.join(LINKED)} / unknown figure {name!r}",
                           code="invalid_figure", details={"figure": name, "allowed": LINKED})
    return figure


@dataclass
class DrillHazard:
    hazard_id: int
    enterprise_id: int
    enterprise_name: str
    street: str
    department_id: int
    department_name: str
    kind: str
    item_code: str
    item_text: str
    legal_basis: str
    level: str
    status: str
    found_at: datetime
    due_at: datetime
    closed_at: datetime | None
    overdue: bool
    days_overdue: int
    repeat_of_id: int | None


@dataclass
class DrillPage:
    figure: str
    count: int
    limit: int
    offset: int
    items: list[DrillHazard]


def conditions(actor: Actor, period: Period, filters: Filters, figure: str, as_of: datetime
               ) -> list[ColumnElement[bool]] | None:
    cohort_name, extra = FIGURES[figure_of(figure)]
    cohort = found_cohort(actor, period, filters) if cohort_name == "found" else due_cohort(actor, period, filters,
                                                                                             as_of)
    if cohort is None:
        return None
    condition = extra(as_of)
    return [*cohort, *([condition] if condition is not None else []), not_voided()]


def hazards(session: Session, *, actor: Actor, period: Period, filters: Filters, figure: str, as_of: datetime,
            limit: int = 50, offset: int = 0) -> DrillPage:
    """The hazards behind ``figure`` (newest found first) and how many there are."""
    name = figure_of(figure)
    where = conditions(actor, period, filters, name, as_of)
    if where is None:
        return DrillPage(name, 0, limit, offset, [])
    count = int(session.execute(select(func.count()).select_from(Hazard.__table__).where(*where)).scalar_one())
    E = Enterprise.__table__.c
    rows = session.execute(
        select(H.id, H.enterprise_id, E.name, H.street, H.department_id, H.kind, H.item_code, H.level, H.status,
               H.found_at, H.due_at, H.closed_at, H.repeat_of_id, H.legal_basis)
        .join_from(Hazard.__table__, Enterprise.__table__, E.id == H.enterprise_id)
        .where(*where).order_by(H.found_at.desc(), H.id.desc()).limit(limit).offset(offset)).all()
    names = department_names(session, {r.department_id for r in rows})
    today = local_date(as_of)
    items = []
    for r in rows:
        text, catalogue_basis = item_text(r.item_code)
        basis = r.legal_basis or catalogue_basis  # the hazard's own: its department's law (REFERENCE §G.2)
        late = r.status != CLOSED and r.due_at < as_of
        items.append(DrillHazard(
            hazard_id=r.id, enterprise_id=r.enterprise_id, enterprise_name=r.name, street=r.street,
            department_id=r.department_id, department_name=names.get(r.department_id, ""), kind=r.kind,
            item_code=r.item_code, item_text=text, legal_basis=basis, level=str(r.level), status=str(r.status),
            found_at=r.found_at, due_at=r.due_at, closed_at=r.closed_at, overdue=late,
            days_overdue=(today - local_date(r.due_at)).days if late else 0, repeat_of_id=r.repeat_of_id))
    return DrillPage(name, count, limit, offset, items)


# Repeat offenders -----

@dataclass
class Repeat:
    hazard_id: int
    item_code: str
    item_text: str
    legal_basis: str
    found_at: datetime
    status: str
    earlier_hazard_id: int
    earlier_found_at: datetime
    earlier_closed_at: datetime | None


@dataclass
class RepeatOffender:
    enterprise_id: int
    enterprise_name: str
    street: str
    repeat_hazards: int
    repeats: list[Repeat]


@dataclass
class RepeatOffenders:
    count: int
    limit: int
    offset: int
    items: list[RepeatOffender]


def repeat_offenders(session: Session, *, actor: Actor, period: Period, filters: Filters, limit: int = 50,
                     offset: int = 0) -> RepeatOffenders:
    """Enterprises with a repeat hazard found in the period (most repeats first), each repeat with its item and the
    dates of it and of the hazard it repeats."""
    where = [*found_cohort(actor, period, filters), H.repeat_of_id.is_not(None), not_voided()]
    per = (select(H.enterprise_id, func.count().label("n")).where(*where).group_by(H.enterprise_id)
           .subquery("per"))
    count = int(session.execute(select(func.count()).select_from(per)).scalar_one())
    E = Enterprise.__table__.c
    page = session.execute(select(per.c.enterprise_id, per.c.n, E.name, E.street)
                           .join(Enterprise.__table__, E.id == per.c.enterprise_id)
                           .order_by(per.c.n.desc(), per.c.enterprise_id).limit(limit).offset(offset)).all()
    ids = [r.enterprise_id for r in page]
    earlier = Hazard.__table__.alias("earlier")
    E2 = earlier.c
    repeats: dict[int, list[Repeat]] = {i: [] for i in ids}
    if ids:
        for r in session.execute(
                select(H.id, H.enterprise_id, H.item_code, H.found_at, H.status, H.legal_basis,
                       E2.id.label("earlier_id"),
                       E2.found_at.label("earlier_found"), E2.closed_at.label("earlier_closed"))
                .join_from(Hazard.__table__, earlier, E2.id == H.repeat_of_id)
                .where(*where, H.enterprise_id.in_(ids))
                .order_by(H.enterprise_id, H.found_at, H.id)).all():
            text, catalogue_basis = item_text(r.item_code)
            basis = r.legal_basis or catalogue_basis  # the hazard's own: its department's law
            repeats[r.enterprise_id].append(Repeat(
                hazard_id=r.id, item_code=r.item_code, item_text=text, legal_basis=basis, found_at=r.found_at,
                status=str(r.status), earlier_hazard_id=r.earlier_id, earlier_found_at=r.earlier_found,
                earlier_closed_at=r.earlier_closed))
    items = [RepeatOffender(enterprise_id=r.enterprise_id, enterprise_name=r.name, street=r.street or "",
                            repeat_hazards=int(r.n), repeats=repeats[r.enterprise_id]) for r in page]
    return RepeatOffenders(count=count, limit=limit, offset=offset, items=items)
