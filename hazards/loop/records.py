"""The 现场检查记录's numbers (REFERENCE §E.1, §G.7): each department's part of a visit gets its own record number
in its own department's sequence at the part's first submission, e.g. ``（新北）消检记〔2026〕0001号``; gap-free
per department, instrument and year like the orders (the counter is ``order_counter`` under the record's code),
the prefix per department from data (``hazards.rules.instruments.record_form``).

Visits numbered once as a whole before records were per part (``Visit.record_number``) keep that one number:
a part submitted later on such a visit is not numbered again.
"""

from collections.abc import Sequence
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Row, bindparam, func, update
from sqlmodel import Session, col, select

from hazards.loop import orders
from hazards.rules import instruments
from inspection.clock import local
from inspection.models import Department, Visit, VisitDepartment, VisitInspector


def record_number(department: Department | Row[Any] | SimpleNamespace, year: int, serial: int) -> str:
    prefix = instruments.record_form(department.code).prefix
    return f"（{department.district_short}）{prefix}〔{year}〕{serial:04d}号"


# Built once (a submission numbers its part; building and keying the statements per call cost more than running
# them, as for the orders' counter): the visit's old whole number, the part and its department in one row.
_VISITS = Visit.__table__  # type: ignore[attr-defined]
_PARTS = VisitDepartment.__table__  # type: ignore[attr-defined]
_DEPARTMENTS = Department.__table__  # type: ignore[attr-defined]
_PART_OF = (select(_VISITS.c.record_number.label("visit_number"), _PARTS.c.id.label("part_id"),
                   _PARTS.c.record_number, _DEPARTMENTS.c.id, _DEPARTMENTS.c.code, _DEPARTMENTS.c.district_short)
            .join_from(_VISITS, _PARTS, _PARTS.c.visit_id == _VISITS.c.id)
            .join(_DEPARTMENTS, _DEPARTMENTS.c.id == _PARTS.c.department_id)
            .where(_VISITS.c.id == bindparam("visit"),
                   _PARTS.c.department_id == func.coalesce(bindparam("department"), _VISITS.c.lead_department_id)))
_SET_NUMBER = update(_PARTS).where(_PARTS.c.id == bindparam("part")).values(record_number=bindparam("number"))


def number_part(session: Session, visit_id: int, department_id: int | None, *, now: datetime) -> str:
    """The part's record number, given once (a correction or a replay keeps it)."""
    row = _known_part(session, visit_id, department_id)
    if row is None:
        row = session.execute(_PART_OF, {"visit": visit_id, "department": department_id}).first()  # type: ignore[call-overload]
    if row is None:
        raise LookupError(f"visit {visit_id} has no part of department {department_id}")
    if row.visit_number:  # numbered as a whole, the old way
        return str(row.visit_number)
    if row.record_number:
        return str(row.record_number)
    code = instruments.visit_record().doc_code
    year = local(now).year
    number = record_number(row, year, orders.next_serial(session, row.id, code, year))
    session.execute(_SET_NUMBER, {"part": row.part_id, "number": number})  # type: ignore[call-overload]
    loaded = session.identity_map.get(session.identity_key(VisitDepartment, row.part_id))
    if loaded is not None:  # a part loaded in this session reads the number anew
        session.expire(loaded, ["record_number"])
    return number


def new_number(session: Session, known: dict[str, Any], *, now: datetime) -> str:
    """The next record number of the part ``known`` describes (``inspection.field.submissions.submit`` sets it
    with the part's submission)."""
    year = local(now).year
    department = SimpleNamespace(code=known["code"], district_short=known["district_short"])
    return record_number(department, year, orders.next_serial(session, known["department"],
                                                               instruments.visit_record().doc_code, year))


def _known_part(session: Session, visit_id: int, department_id: int | None) -> SimpleNamespace | None:
    """What ``_PART_OF`` reads, when the submission's write transaction read it already (with the visit's lock,
    ``inspection.field.submissions``): the same fields, no statement."""
    known = session.info.pop("numbering", None)
    if known is None or known["visit"] != visit_id or known["department"] != department_id or "part_id" not in known:
        return None
    return SimpleNamespace(visit_number=known["visit_number"], part_id=known["part_id"],
                           record_number=known["record_number"], id=department_id, code=known["code"],
                           district_short=known["district_short"])


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
