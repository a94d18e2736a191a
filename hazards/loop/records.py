"""The 现场检查记录's numbers (REFERENCE §E.1, §G.7): each department's part of a visit gets its own record number
in its own department's sequence at the part's first submission, e.g. ``（新北）消检记〔2026〕0001号``; gap-free
per department, instrument and year like the orders (the counter is ``order_counter`` under the record's code),
the prefix per department from data (``hazards.rules.instruments.record_form``).

Visits numbered once as a whole before records were per part (``Visit.record_number``) keep that one number:
a part submitted later on such a visit is not numbered again.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from hazards.loop import orders
from hazards.rules import instruments
from inspection.clock import local
from inspection.models import Department, Visit, VisitDepartment, VisitInspector


def record_number(department: Department, year: int, serial: int) -> str:
    prefix = instruments.record_form(department.code).prefix
    return f"（{department.district_short}）{prefix}〔{year}〕{serial:04d}号"


def number_part(session: Session, visit_id: int, department_id: int | None, *, now: datetime) -> str:
    """The part's record number, given once (a correction or a replay keeps it)."""
    visit = session.get(Visit, visit_id)
    assert visit is not None
    if visit.record_number:  # numbered as a whole, the old way
        return visit.record_number
    part = session.exec(select(VisitDepartment).where(
        VisitDepartment.visit_id == visit_id,
        VisitDepartment.department_id == (department_id or visit.lead_department_id))).first()
    if part is None:
        raise LookupError(f"visit {visit_id} has no part of department {department_id}")
    if part.record_number:
        return part.record_number
    department = session.get(Department, part.department_id)
    assert department is not None and department.id is not None
    code = instruments.visit_record().doc_code
    year = local(now).year
    part.record_number = record_number(department, year, orders.next_serial(session, department.id, code, year))
    session.add(part)
    session.flush()
    return part.record_number


def numbered_parts(session: Session, visit_id: int) -> list[VisitDepartment]:
    """The visit's parts that have their own record, in the departments' order (lead first by priority)."""
    return list(session.exec(
        select(VisitDepartment).join(Department, col(Department.id) == VisitDepartment.department_id)
        .where(VisitDepartment.visit_id == visit_id, col(VisitDepartment.record_number).is_not(None))
        .order_by(col(Department.priority), col(Department.id))).all())


def part_inspector_ids(session: Session, part: VisitDepartment) -> list[int]:
    """The part's inspectors: the visit's inspectors of that department (who made and sign its record)."""
    rows: Sequence[int] = session.exec(select(VisitInspector.user_id).where(
        VisitInspector.visit_id == part.visit_id, VisitInspector.department_id == part.department_id)
        .order_by(col(VisitInspector.user_id))).all()
    return list(rows)
