"""The inspection burden on enterprises (监管一件事+综合查一次): how often each enterprise had inspectors at its gate
in a quarter, across every department, against the routine-visit cap, and what the joint visits saved.

A visit is one trip to one enterprise (several departments may share it); a department visit is one department on
one such trip (a withdrawn part is none). Without 综合查一次 every department visit would have been a trip of its own,
so the trips saved are department visits minus trips: n − 1 for a visit of n departments, the one definition of
``inspection.planning.saved`` (made and planned together; a test holds the two equal). Cancelled visits do not
count, and neither do grid workers' checks (网格员: no enforcement power, not an enforcement visit). A visit counts
in the quarter of its planned date, or of its day of creation when it has none (an ad-hoc visit started on the
spot).

Routine visits are counted against the quarter's cap as the planner counts them (``inspect_once.routine_used``);
a department's yearly cap per enterprise, where the office configured one, is checked over the calendar year.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, col, select

from inspection.clock import SHANGHAI, local_date
from inspection.errors import InvalidInput
from inspection.identity.access import Actor, require_role
from inspection.models import Department, Enterprise, Visit, VisitDepartment
from inspection.planning import inspect_once as planning
from schemas.enums import Role, VisitSource, VisitStatus

READERS = (Role.OFFICE, Role.ADMIN, Role.INSPECTOR)
NOT_ENFORCEMENT = frozenset({"grid"})  # visit sources that are not enforcement visits (网格员 checks)


@dataclass(frozen=True)
class EnterpriseBurden:
    enterprise_id: int
    enterprise_name: str
    street: str
    trips: int  # times inspectors came to the gate
    department_visits: int  # departments summed over those trips: the trips there would have been unmerged
    joint_trips: int
    routine_trips: int
    routine_cap: int
    green_listed: bool
    departments: dict[str, int]  # department code -> trips it took part in this quarter
    over_annual_cap: dict[str, int] = field(default_factory=dict)  # code -> this year's visits, over its cap

    @property
    def trips_saved(self) -> int:
        return self.department_visits - self.trips

    @property
    def over_cap(self) -> bool:
        return self.routine_trips > self.routine_cap or bool(self.over_annual_cap)


@dataclass(frozen=True)
class Burden:
    quarter: str
    first_day: date
    last_day: date
    enterprises: int
    trips: int
    department_visits: int
    joint_trips: int
    over_cap: int
    rows: list[EnterpriseBurden]
    total: int

    @property
    def trips_saved(self) -> int:
        return self.department_visits - self.trips


def parse_quarter(text: str) -> tuple[date, date]:
    """'2026Q4' -> (2026-10-01, 2026-12-31); a 4xx for anything else."""
    head, _, tail = text.upper().partition("Q")
    well_formed = head.isascii() and head.isdigit() and len(head) == 4 and tail in {"1", "2", "3", "4"}
    if not well_formed or not 1900 <= int(head) <= 2999:
        raise InvalidInput("季度格式应为 年Q季，如 2026Q4 / quarter must look like 2026Q4", code="bad_quarter")
    return planning.quarters(date(int(head), 3 * int(tail) - 2, 1), date(int(head), 3 * int(tail) - 2, 1))[0][1:]


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def _counted_visits(session: Session, first: date, last: date, enterprise_ids: list[int] | None = None
                    ) -> list[tuple[int, int, VisitSource]]:
    """(visit id, enterprise id, source) of the enforcement visits in [first, last]."""
    start = datetime.combine(first, time.min, tzinfo=SHANGHAI)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=SHANGHAI)
    planned = (col(Visit.planned_date) >= first) & (col(Visit.planned_date) <= last)
    unplanned = col(Visit.planned_date).is_(None) & (col(Visit.created_at) >= start) & (col(Visit.created_at) < end)
    query = select(Visit.id, Visit.enterprise_id, Visit.source).where(
        Visit.status != VisitStatus.CANCELLED, planned | unplanned)
    if enterprise_ids is not None:
        query = query.where(col(Visit.enterprise_id).in_(enterprise_ids))
    return [(v, e, s) for v, e, s in session.exec(query).all() if str(s) not in NOT_ENFORCEMENT]


def _departments_of(session: Session, visit_ids: list[int]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = defaultdict(set)
    for start in range(0, len(visit_ids), 900):  # SQLite's bound-parameter limit
        chunk = visit_ids[start:start + 900]
        for visit_id, department_id in session.exec(select(VisitDepartment.visit_id, VisitDepartment.department_id)
                                                    .where(col(VisitDepartment.visit_id).in_(chunk),
                                                           col(VisitDepartment.withdrawn_at).is_(None))).all():
            out[visit_id].add(department_id)
    return out


def ledger(session: Session, *, actor: Actor, quarter: str, policy: planning.TaskPolicy,
           annual_caps: dict[str, int] | None = None, street: str | None = None, over_cap_only: bool = False,
           limit: int = 50, offset: int = 0) -> Burden:
    """The quarter's burden per enterprise visited (most trips first), with the district's totals."""
    require_role(actor, *READERS, action="see the inspection burden")
    first, last = parse_quarter(quarter)
    annual_caps = annual_caps or {}
    visits = _counted_visits(session, first, last)
    departments = _departments_of(session, [v for v, _, _ in visits])
    codes = dict(session.exec(select(Department.id, Department.code)).all())
    per_enterprise: dict[int, list[tuple[int, VisitSource]]] = defaultdict(list)
    for visit_id, enterprise_id, source in visits:
        per_enterprise[enterprise_id].append((visit_id, source))
    enterprises = {e.id: e for e in session.exec(select(Enterprise).where(
        col(Enterprise.id).in_(list(per_enterprise)))).all()} if per_enterprise else {}
    if street:
        per_enterprise = {k: v for k, v in per_enterprise.items() if enterprises[k].street == street}
    routine = planning.routine_used(session, list(per_enterprise), first, last)
    yearly = _yearly_by_department(session, list(per_enterprise), first.year, codes) if annual_caps else {}
    rows: list[EnterpriseBurden] = []
    for enterprise_id, trips in per_enterprise.items():
        enterprise = enterprises[enterprise_id]
        by_department = Counter(codes.get(d, str(d)) for visit_id, _ in trips for d in departments.get(visit_id, ()))
        over = {code: n for code, n in yearly.get(enterprise_id, {}).items()
                if code in annual_caps and n > annual_caps[code]}
        rows.append(EnterpriseBurden(
            enterprise_id=enterprise_id, enterprise_name=enterprise.name, street=enterprise.street, trips=len(trips),
            department_visits=sum(max(1, len(departments.get(v, ()))) for v, _ in trips),
            joint_trips=sum(1 for v, _ in trips if len(departments.get(v, ())) > 1),
            routine_trips=routine.get((enterprise_id, quarter.upper()), 0),
            routine_cap=planning.cap_for(enterprise, first, policy),
            green_listed=planning.green_valid(enterprise, first),
            departments=dict(sorted(by_department.items())), over_annual_cap=over))
    totals = {"enterprises": len(rows), "trips": sum(r.trips for r in rows),
              "department_visits": sum(r.department_visits for r in rows),
              "joint_trips": sum(r.joint_trips for r in rows), "over_cap": sum(1 for r in rows if r.over_cap)}
    if over_cap_only:
        rows = [r for r in rows if r.over_cap]
    rows.sort(key=lambda r: (-r.trips, -r.department_visits, r.enterprise_name, r.enterprise_id))
    return Burden(quarter=quarter.upper(), first_day=first, last_day=last, rows=rows[offset:offset + limit],
                  total=len(rows), **totals)


def _yearly_by_department(session: Session, enterprise_ids: list[int], year: int, codes: dict[int, str]
                          ) -> dict[int, dict[str, int]]:
    visits = _counted_visits(session, date(year, 1, 1), date(year, 12, 31), enterprise_ids)
    departments = _departments_of(session, [v for v, _, _ in visits])
    out: dict[int, Counter[str]] = defaultdict(Counter)
    for visit_id, enterprise_id, _ in visits:
        for department_id in departments.get(visit_id, ()):
            out[enterprise_id][codes.get(department_id, str(department_id))] += 1
    return {k: dict(v) for k, v in out.items()}


def this_quarter(now: datetime) -> str:
    return quarter_of(local_date(now))
