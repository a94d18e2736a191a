"""Demo of 工业厂房出租“先验后批” at 新龙创业园: four lease applications filed by the park's management (the demo
login ``lessor``), made by the same services as the API — one approved after its pre-lease inspection passed
(its tenancy is on the site), one refused by a refusal rule (dust in a non-frame multi-storey building), one whose
pre-lease inspection failed (a hazard of the lessor, with its order), one waiting for its inspection."""

import uuid
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from hazards.leasing import service as lease_service
from hazards.leasing.models import LeaseApplication
from hazards.leasing.program import ApprovingBody
from hazards.loop import deadlines, intake
from inspection.clock import local_date
from inspection.field import visits
from inspection.identity.access import Actor
from inspection.identity.accounts import actor_for
from inspection.models import Department, Enterprise, PlantSite, User
from schemas.enums import ItemResult, Role
from schemas.leasing import ApproveIn, LeaseApplicationIn, PreLeaseInspectionIn, RefuseIn
from schemas.visits import ResultIn, SubmissionIn, VisitStart
from server.demo.seed import PLANT_SITES, demo_credit_code
from server.settings import get_settings

LESSOR_LOGIN = "lessor"
# days before today: filed, inspected, decided; tenant index (server.demo.seed.ENTERPRISES), unit, use, flags
APPLICATIONS = [
    (20, 15, 12, 27, "2号楼3层", 800.0, "LED灯具组装", {}),
    (8, None, 5, 29, "1号楼2层", 600.0, "木门打磨、喷涂",
     {"combustible_dust": True, "building_frame": False, "building_storeys": 3}),
    (6, 2, None, 39, "3号楼1层", 1200.0, "锂电池模组组装", {}),
    (1, None, None, 38, "3号楼2层", 900.0, "纺织品仓储", {}),
]
FAILED_ITEM = "FCZ-02"  # the lease has no safety-management agreement: a paperwork item, no photo needed
FAILED_NOTE = "演示数据：租赁合同未约定双方安全生产管理职责，也未签订专门的安全生产管理协议"


def load(session: Session, *, now: datetime) -> int:
    """Make the applications unless some exist; returns how many were made."""
    if session.exec(select(LeaseApplication.id).limit(1)).first() is not None:
        return 0
    site = session.exec(select(PlantSite).where(PlantSite.name == PLANT_SITES[0][0])).first()
    lessor = session.exec(select(User).where(User.username == LESSOR_LOGIN)).first()
    body = get_settings().approving_body()
    if site is None or lessor is None or body.kind != "department":
        return 0  # the park or street decides in this district: its accounts are not in the demo
    approvers = session.exec(select(User).join(Department, col(Department.id) == User.department_id).where(
        Department.code == body.department_code, User.role == Role.INSPECTOR).order_by(col(User.id))).all()
    if len(approvers) < 2:
        return 0
    pair = (actor_for(approvers[0]), approvers[1].id or 0)
    today = local_date(now)
    for filed, inspected, decided, tenant, unit, area, use, flags in APPLICATIONS:
        code = demo_credit_code(tenant)
        if session.exec(select(Enterprise.id).where(Enterprise.credit_code == code)).first() is None:
            continue
        data = LeaseApplicationIn(site_id=site.id or 0, tenant_credit_code=code, unit=unit, area_m2=area,
                                  intended_use=use, term_start=today - timedelta(days=10),
                                  term_end=date(today.year + 3, 12, 31), **flags)
        application = lease_service.file(session, data, actor=actor_for(lessor), body=body,
                                         now=now - timedelta(days=filed, hours=3))
        if inspected is not None:
            _inspect(session, application, pair, body, at=now - timedelta(days=inspected, hours=2),
                     fail=decided is None)
        if decided is None:
            continue
        when = now - timedelta(days=decided, hours=1)
        if lease_service.inspection_of(session, application).state.value == "passed":
            lease_service.approve(session, application.id or 0, ApproveIn(conditions=[
                "承租方入驻前与出租方签订专门的安全生产管理协议", "不得在租赁厂房内设置员工宿舍"]),
                actor=pair[0], body=body, now=when)
        else:
            lease_service.refuse(session, application.id or 0, RefuseIn(), actor=pair[0], body=body, now=when)
    session.flush()
    return len(APPLICATIONS)


def _inspect(session: Session, application: LeaseApplication, pair: tuple[Actor, int], body: ApprovingBody, *,
             at: datetime, fail: bool) -> None:
    lead, partner_id = pair
    visit = lease_service.schedule_inspection(
        session, application.id or 0, PreLeaseInspectionIn(inspector_ids=[partner_id], planned_date=local_date(at)),
        actor=lead, body=body, now=at - timedelta(days=1))
    site = session.get(PlantSite, application.site_id)
    if site is not None and site.latitude is not None and site.longitude is not None:
        visits.start(session, visit.id or 0, VisitStart(latitude=site.latitude, longitude=site.longitude),
                     actor=lead, now=at, far_meters=get_settings().far_start_meters)
    results = [ResultIn(item_code=asked.item.code, result=ItemResult.FAIL, note=FAILED_NOTE)
               if fail and asked.item.code == FAILED_ITEM else ResultIn(item_code=asked.item.code,
                                                                       result=ItemResult.PASS)
               for asked in visits.asked_items(session, visit)]
    intake.submit_visit(session, visit.id or 0, SubmissionIn(client_uuid=uuid.uuid5(uuid.NAMESPACE_URL,
                                                                                    f"xuncha-lease-{application.id}"),
                                                             results=results),
                        actor=lead, now=at + timedelta(hours=1), policy=deadlines.DeadlinePolicy())
