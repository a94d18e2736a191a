"""Figures of the grid checks: checks, venues and referrals by street and enforcing department.

Kept apart from the hazard statistics and the visit counts on purpose: a grid check is advice, not an
enforcement visit, so it adds to none of the inspection-burden figures (visits per enterprise, the routine visit
budget, the merge report)."""

from collections import defaultdict
from datetime import date

from sqlmodel import Session, col, select

from inspection.clock import end_of_local_day, start_of_local_day
from inspection.grid.models import GridCheck, GridCheckResult
from inspection.identity.access import Actor, require_role
from schemas.enums import ItemResult, Role
from schemas.grid import GridStats, GridStatsRow

NO_DEPARTMENT = "—"


def figures(session: Session, *, actor: Actor, date_from: date, date_to: date) -> GridStats:
    require_role(actor, Role.OFFICE, Role.ADMIN, Role.INSPECTOR, action="see grid statistics")
    checks = session.exec(select(GridCheck.id, GridCheck.street, GridCheck.enterprise_id).where(
        col(GridCheck.checked_at) >= start_of_local_day(date_from),
        col(GridCheck.checked_at) <= end_of_local_day(date_to))).all()
    street_of = {check_id: street for check_id, street, _ in checks}
    results = session.exec(select(GridCheckResult.check_id, GridCheckResult.departments).where(
        col(GridCheckResult.check_id).in_(list(street_of)), GridCheckResult.outcome == ItemResult.FAIL)).all() \
        if checks else []
    per_street_checks: dict[str, set[int]] = defaultdict(set)
    per_street_venues: dict[str, set[int]] = defaultdict(set)
    for check_id, street, enterprise_id in checks:
        per_street_checks[street].add(check_id or 0)
        per_street_venues[street].add(enterprise_id)
    referred: dict[tuple[str, str], int] = defaultdict(int)
    for check_id, departments in results:
        for code in departments or [NO_DEPARTMENT]:
            referred[(street_of[check_id], code)] += 1 if code != NO_DEPARTMENT else 0
    rows = []
    for street in sorted(per_street_checks):
        codes = sorted({code for (s, code) in referred if s == street}) or [NO_DEPARTMENT]
        rows += [GridStatsRow(street=street, department_code=code, checks=len(per_street_checks[street]),
                              venues=len(per_street_venues[street]), referrals=referred.get((street, code), 0))
                 for code in codes]
    return GridStats(from_date=str(date_from), to_date=str(date_to), checks=len(checks),
                     venues=len({enterprise_id for _, _, enterprise_id in checks}), failed_items=len(results),
                     referrals=sum(referred.values()), rows=rows)
