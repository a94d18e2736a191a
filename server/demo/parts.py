"""Demo: a joint visit done per department, and a referral (issue 16), for ``make run``.

Yesterday 应急 (dust) and 住建 (gas) visited a woodworking shop that cooks on LPG together: each submitted its own
part, each issued its own instrument (责令限期整改指令书 and 责令限期改正通知书), an advisory gas item became
advice. 市场监管, checking a restaurant's cylinders, found a gas-user matter that is 住建's and referred it.
"""

import uuid
from collections.abc import Callable
from datetime import datetime, time, timedelta

from sqlmodel import Session, col, select

from hazards.loop import deadlines, intake
from inspection.clock import SHANGHAI, local_date
from inspection.field import submissions, visits
from inspection.identity.accounts import actor_for
from inspection.models import Department, Enterprise, User, Visit
from schemas.enums import ItemResult, Role, VisitSource
from schemas.visits import ResultIn, SubmissionIn, VisitCreate, VisitDepartmentIn

JOINT_AT = "常州优品木门有限公司"  # wood dust, LPG canteen
REFERRED_AT = "老常州面馆（三井店）"  # LPG restaurant
NAMESPACE = uuid.UUID("6c1f3a52-16d0-4e7b-9a0e-000000000016")

Shoot = Callable[[Visit, User, Enterprise, datetime, str], int]  # history's camera: a real photo's id


def load(session: Session, *, shoot: Shoot, now: datetime) -> None:
    """Once: the visits carry client keys of their own, so a second run finds them and does nothing."""
    key = str(uuid.uuid5(NAMESPACE, "joint"))
    if session.exec(select(Visit.id).where(Visit.client_uuid == key)).first() is not None:
        return
    departments = {d.code: d for d in session.exec(select(Department)).all()}
    people = {code: _pair(session, d) for code, d in departments.items()}
    office = session.exec(select(User).where(User.role == Role.OFFICE).order_by(col(User.id))).first()
    joint_at = session.exec(select(Enterprise).where(Enterprise.name == JOINT_AT)).first()
    referred_at = session.exec(select(Enterprise).where(Enterprise.name == REFERRED_AT)).first()
    if office is None or joint_at is None or not (people.get("应急") and people.get("住建")):
        return
    day = local_date(now) - timedelta(days=1)
    at = datetime.combine(day, time(9, 30), tzinfo=SHANGHAI)
    pairs = [people["应急"], people["住建"]]
    visit = visits.create(session, VisitCreate(
        client_uuid=uuid.UUID(key), enterprise_id=joint_at.id or 0, planned_date=day, source=VisitSource.JOINT,
        departments=[VisitDepartmentIn(department_id=departments["应急"].id or 0, kinds=["DUST"]),
                     VisitDepartmentIn(department_id=departments["住建"].id or 0, kinds=["GAS"])],
        inspector_ids=[u.id or 0 for pair in pairs for u in pair]), actor=actor_for(office), now=at - timedelta(days=3))
    _part(session, visit, departments["应急"], people["应急"], joint_at, shoot, at + timedelta(hours=1), advice=False)
    _part(session, visit, departments["住建"], people["住建"], joint_at, shoot, at + timedelta(hours=2), advice=True)
    if referred_at is not None and people.get("市监"):
        lead, partner = people["市监"]
        alone = visits.create(session, VisitCreate(
            client_uuid=uuid.uuid5(NAMESPACE, "referral"), enterprise_id=referred_at.id or 0, planned_date=day,
            kinds=["GAS"], inspector_ids=[partner.id or 0]), actor=actor_for(lead), now=at - timedelta(days=2))
        _part(session, alone, departments["市监"], people["市监"], referred_at, shoot, at + timedelta(hours=4),
              advice=False, refer=True)


def _pair(session: Session, department: Department) -> tuple[User, User] | None:
    users = session.exec(select(User).where(User.department_id == department.id, User.role == Role.INSPECTOR,
                                            col(User.cert_no).is_not(None)).order_by(col(User.id))).all()
    return (users[0], users[1]) if len(users) >= 2 else None


def _part(session: Session, visit: Visit, department: Department, pair: tuple[User, User], enterprise: Enterprise,
          shoot: Shoot, at: datetime, *, advice: bool, refer: bool = False) -> None:
    """One department's part: its first own item fails (or, with ``refer``, one it must refer), and with
    ``advice`` an advisory item too; shared checks another part answered are left to that answer."""
    lead = pair[0]
    items = visits.part_items(session, visit, department.id or 0)
    settled = submissions.answered_elsewhere(session, visit.id or 0, department.id or 0,
                                             {a.item.code: a for a in items})
    own = [a for a in items if a.refer_to is None and not a.advisory and not a.major and a.item.deadline_days > 0
           and not a.shared]
    failing = {next((a.item.code for a in items if a.refer_to and not a.advisory), "") if refer else
               (own[0].item.code if own else "")}
    if advice:
        failing.add(next((a.item.code for a in items if a.advisory and a.refer_to is None), ""))
    results = []
    for asked in items:
        code = asked.item.code
        if code in settled:
            continue
        if code in failing:
            photo = shoot(visit, lead, enterprise, at - timedelta(minutes=30), code)
            results.append(ResultIn(item_code=code, result=ItemResult.FAIL, photo_ids=[photo],
                                    note="演示数据：现场发现"))
        else:
            results.append(ResultIn(item_code=code, result=ItemResult.PASS))
    intake.submit_visit(session, visit.id or 0, SubmissionIn(
        client_uuid=uuid.uuid5(NAMESPACE, f"{visit.id}:{department.code}"), captured_at=at, results=results),
        actor=actor_for(lead), now=at, policy=deadlines.DeadlinePolicy())
