"""Visits saved by joint inspections (联合检查减少入企次数): the one definition the dashboard, the planner's merge
report and the statistics all use.

A visit that n departments make together saves n − 1 trips into the enterprise: each would otherwise have come
on its own. Counted per visit, over the visits whose day (the planned date, else the local day it started, was
submitted or was created) falls in the period:

* made: the visit is complete (every department's part submitted or withdrawn); n is the departments that
  submitted their part (a withdrawn part saved nothing);
* planned: the visit is planned or under way; n is the departments that have not withdrawn.

Cancelled visits count nothing. Tasks are not counted: two tasks of one department on one trip are one
department's visit, not a joint one. An inspector's count is over the visits their department takes part in.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func
from sqlmodel import Session, col, or_, select

from inspection.clock import local_date, start_of_local_day
from inspection.models import Visit, VisitDepartment
from schemas.enums import VisitStatus


@dataclass(frozen=True)
class VisitsSaved:
    made: int = 0  # trips saved by complete visits
    planned: int = 0  # trips the visits still planned or under way will save
    joint_made: int = 0  # complete visits made by more than one department
    joint_planned: int = 0


def visits_saved(session: Session, *, date_from: date | None = None, date_to: date | None = None,
                 department_id: int | None = None) -> VisitsSaved:
    """The trips joint visits saved (and will save) in the period, both ends inclusive and optional."""
    query = (select(Visit.id, Visit.status, Visit.planned_date, Visit.started_at, Visit.submitted_at,
                    Visit.created_at, VisitDepartment.department_id, VisitDepartment.submitted_at,
                    VisitDepartment.withdrawn_at)
             .join(VisitDepartment, col(VisitDepartment.visit_id) == Visit.id)
             .where(Visit.status != VisitStatus.CANCELLED))
    # an unplanned visit's day is the local day of its first instant (started, else submitted, else created):
    # the same rule in SQL, so the period's visits alone are read, not every unplanned visit ever made
    first = func.coalesce(Visit.started_at, Visit.submitted_at, Visit.created_at)
    if date_from is not None:
        query = query.where(or_(col(Visit.planned_date) >= date_from,
                                and_(col(Visit.planned_date).is_(None), first >= start_of_local_day(date_from))))
    if date_to is not None:
        query = query.where(or_(col(Visit.planned_date) <= date_to,
                                and_(col(Visit.planned_date).is_(None),
                                     first < start_of_local_day(date_to + timedelta(days=1)))))
    visits: dict[int, list[tuple[int, bool, bool]]] = defaultdict(list)
    complete: dict[int, bool] = {}
    for (visit_id, status, planned, started, submitted, created, department, part_submitted,
         withdrawn) in session.exec(query).all():
        day = planned or local_date(started or submitted or created)
        if (date_from is not None and day < date_from) or (date_to is not None and day > date_to):
            continue
        complete[visit_id] = status == VisitStatus.SUBMITTED
        # a visit submitted before parts existed: every department that did not withdraw made it
        made = part_submitted is not None or (status == VisitStatus.SUBMITTED and withdrawn is None)
        visits[visit_id].append((department, made, withdrawn is not None))
    made = planned = joint_made = joint_planned = 0
    for visit_id, parts in visits.items():
        if department_id is not None and department_id not in {d for d, _, _ in parts}:
            continue
        if complete[visit_id]:
            n = sum(1 for _, submitted, _ in parts if submitted)
            made, joint_made = made + max(n - 1, 0), joint_made + (n > 1)
        else:
            n = sum(1 for _, _, withdrawn in parts if not withdrawn)
            planned, joint_planned = planned + max(n - 1, 0), joint_planned + (n > 1)
    return VisitsSaved(made, planned, joint_made, joint_planned)
