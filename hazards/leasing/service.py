"""The 先验后批 flow: file → pre-lease inspection → approve (with conditions) or refuse (with reasons).

An application may be approved only once its pre-lease inspection passed (submitted, and every hazard it found
closed: failed items are hazards of the lessor, rectified and reviewed as usual), no refusal rule of the data
applies, and the tenancy it records overlaps no other of the same tenant and unit. Each step is audited on the
application's own chain (entity ``lease_application``).
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from hazards.leasing import program
from hazards.leasing.models import LeaseApplication
from hazards.loop import states
from hazards.models import Hazard
from inspection import audit
from inspection.clock import local_date
from inspection.errors import Conflict, InvalidInput, NotFound, NotPermitted
from inspection.field import visits as visit_service
from inspection.identity import officers
from inspection.identity.access import Actor, require_role
from inspection.models import Department, Enterprise, PlantSite, Visit, VisitDepartment, VisitInspector
from inspection.registry import enterprises as enterprise_service
from inspection.registry import tenancies
from schemas.enums import Role, VisitSource, VisitStatus
from schemas.leasing import ApproveIn, InspectionState, LeaseApplicationIn, LeaseStatus, PreLeaseInspectionIn, RefuseIn
from schemas.tenancies import TenancyCreate

FIELDS = ["site_id", "lessor_id", "tenant_id", "unit", "area_m2", "intended_use", "term_start", "term_end",
          "combustible_dust", "gas", "hazardous_chemicals", "dormitories", "building_frame", "building_storeys",
          "status", "approver_kind", "approver_name"]


@dataclass(frozen=True)
class Inspection:
    state: InspectionState
    open_hazard_ids: list[int]


# --- who may do what ------------------------------------------------------------------------------------

def _body_enterprise_id(session: Session, body: program.ApprovingBody) -> int | None:
    if body.credit_code is None:
        return None
    return session.exec(select(Enterprise.id).where(Enterprise.credit_code == body.credit_code)).first()


def _is_body_account(session: Session, actor: Actor, body: program.ApprovingBody) -> bool:
    if body.kind == "department":
        if actor.role != Role.INSPECTOR or actor.department_id is None:
            return False
        department = session.get(Department, actor.department_id)
        return department is not None and department.code == body.department_code
    return actor.role == Role.ENTERPRISE and actor.enterprise_id is not None and \
        actor.enterprise_id == _body_enterprise_id(session, body)


def _ensure_approver(session: Session, actor: Actor, body: program.ApprovingBody) -> None:
    if not _is_body_account(session, actor, body):
        raise NotPermitted(f"出租申请由{body.name}审批；安委办不是审批主体 / only the approving body ({body.name}) "
                           f"decides lease applications", code="not_the_approving_body",
                           details={"approver_kind": body.kind, "approver_name": body.name})


def get_visible(session: Session, application_id: int, actor: Actor, body: program.ApprovingBody
                ) -> LeaseApplication:
    application = session.get(LeaseApplication, application_id)
    if application is None or not _can_see(session, application, actor, body):
        raise NotFound("出租申请不存在 / lease application not found")
    return application


def _can_see(session: Session, application: LeaseApplication, actor: Actor, body: program.ApprovingBody) -> bool:
    if actor.is_staff:
        return True
    return actor.enterprise_id in (application.lessor_id, application.tenant_id) or _is_body_account(
        session, actor, body)


def listing(session: Session, *, actor: Actor, body: program.ApprovingBody, status: LeaseStatus | None,
            site_id: int | None, limit: int, offset: int) -> tuple[list[LeaseApplication], int]:
    conditions = []
    if not actor.is_staff and not _is_body_account(session, actor, body):
        mine = actor.enterprise_id if actor.enterprise_id is not None else -1
        conditions.append(or_(LeaseApplication.lessor_id == mine, LeaseApplication.tenant_id == mine))
    if status is not None:
        conditions.append(LeaseApplication.status == status)
    if site_id is not None:
        conditions.append(LeaseApplication.site_id == site_id)
    total = session.exec(select(func.count()).select_from(LeaseApplication).where(*conditions)).one()
    rows = session.exec(select(LeaseApplication).where(*conditions).order_by(col(LeaseApplication.id).desc())
                        .limit(limit).offset(offset)).all()
    return list(rows), total


# --- filing ---------------------------------------------------------------------------------------------

def file(session: Session, data: LeaseApplicationIn, *, actor: Actor, body: program.ApprovingBody,
         now: datetime) -> LeaseApplication:
    """The lessor (or the park, when the park approves) files an application for a unit of its plant site."""
    site = session.get(PlantSite, data.site_id)
    park = body.kind == "park" and _is_body_account(session, actor, body)
    if site is None or not (actor.role == Role.ADMIN or park or (
            actor.role == Role.ENTERPRISE and actor.enterprise_id == site.landlord_id)):
        if site is not None and actor.is_staff:
            raise NotPermitted("出租申请由出租方或园区提交 / the lessor or the park files lease applications",
                               code="lessor_files")
        raise NotFound("厂区不存在 / plant site not found")
    code = enterprise_service.valid_credit_code(data.tenant_credit_code).code
    tenant = session.exec(select(Enterprise).where(Enterprise.credit_code == code)).first()
    if tenant is None:
        raise InvalidInput(f"承租方（统一社会信用代码{code}）未在企业库登记，请先登记 / the tenant is not registered",
                           code="unknown_tenant", details=[{"loc": ["body", "tenant_credit_code"],
                                                            "message": "未登记的统一社会信用代码"}])
    if tenant.id == site.landlord_id:
        raise InvalidInput("出租方不能把厂房租给自己 / the lessor cannot lease to itself", code="landlord_is_tenant")
    application = LeaseApplication(
        **data.model_dump(exclude={"tenant_credit_code", "unit"}), lessor_id=site.landlord_id, tenant_id=tenant.id,
        unit=" ".join(data.unit.split()), status=LeaseStatus.FILED, approver_kind=body.kind,
        approver_name=body.name, filed_by=actor.user_id, filed_at=now)
    session.add(application)
    session.flush()
    audit.record(session, entity="lease_application", entity_id=application.id or 0, action="lease.filed",
                 actor=actor, at=now, after=audit.snapshot(application, FIELDS))
    return application


# --- the pre-lease inspection -----------------------------------------------------------------------------

def inspection_of(session: Session, application: LeaseApplication) -> Inspection:
    visit = session.get(Visit, application.visit_id) if application.visit_id is not None else None
    if visit is None or visit.status == VisitStatus.CANCELLED:
        return Inspection(InspectionState.NONE, [])
    if visit.status != VisitStatus.SUBMITTED:
        return Inspection(InspectionState.SCHEDULED, [])
    open_ids = session.exec(select(Hazard.id).where(Hazard.visit_id == visit.id,
                                                    col(Hazard.status).in_(states.ACTIVE))
                            .order_by(col(Hazard.id))).all()
    ids = [i for i in open_ids if i is not None]
    return Inspection(InspectionState.FAILED if ids else InspectionState.PASSED, ids)


def schedule_inspection(session: Session, application_id: int, data: PreLeaseInspectionIn, *, actor: Actor,
                        body: program.ApprovingBody, now: datetime) -> Visit:
    """A visit to the lessor at the site asking only the pre-lease items (``program.pre_lease_items``); the
    inspectors make it with the app like any other, and its failed items are the lessor's hazards."""
    require_role(actor, Role.INSPECTOR, Role.OFFICE, Role.ADMIN, action="schedule pre-lease inspections")
    application = get_visible(session, application_id, actor, body)
    if application.status != LeaseStatus.FILED:
        raise Conflict("申请已作出决定 / the application is already decided", code="lease_decided")
    if inspection_of(session, application).state != InspectionState.NONE:
        raise Conflict("出租前安全检查已安排 / the pre-lease inspection is already scheduled",
                       code="inspection_scheduled", details={"visit_id": application.visit_id})
    department_id = data.department_id or actor.department_id
    if department_id is None or session.get(Department, department_id) is None:
        raise InvalidInput("请指定检查部门 / name the inspecting department", code="department_required")
    if actor.role == Role.INSPECTOR and department_id != actor.department_id:
        raise NotPermitted("只能安排本部门检查 / only your own department's inspection", code="not_your_department")
    people = list(dict.fromkeys(([actor.user_id] if actor.role == Role.INSPECTOR else []) + data.inspector_ids))
    day = data.planned_date or local_date(now)
    users = officers.check_team(session, people, department_id=department_id, enterprise_id=application.lessor_id,
                                day=day)
    tenant = session.get(Enterprise, application.tenant_id)
    assert tenant is not None
    items = program.pre_lease_items(dust=application.combustible_dust, tenant=tenant)
    visit = Visit(enterprise_id=application.lessor_id, plant_site_id=application.site_id,
                  lead_department_id=department_id, source=VisitSource.LEASE, announced=True, planned_date=day,
                  created_by=actor.user_id, created_at=now, item_codes=[c for codes in items.values() for c in codes])
    session.add(visit)
    session.flush()
    link = VisitDepartment(visit_id=visit.id, department_id=department_id, kinds=sorted(items))
    visit_service.pin_versions(session, link)
    session.add(link)
    for user in users:
        session.add(VisitInspector(visit_id=visit.id, user_id=user.id, department_id=user.department_id))
    application.visit_id = visit.id
    session.add(application)
    session.flush()
    audit.record(session, entity="visit", entity_id=visit.id or 0, action="visit.create", actor=actor, at=now,
                 after={**audit.snapshot(visit, visit_service.VISIT_FIELDS), "item_codes": visit.item_codes,
                        "departments": {str(department_id): sorted(items)}, "inspector_ids": [u.id for u in users],
                        "lease_application_id": application.id})
    audit.record(session, entity="lease_application", entity_id=application.id or 0, action="lease.inspection",
                 actor=actor, at=now, after={"visit_id": visit.id})
    return visit


# --- the decision ---------------------------------------------------------------------------------------

def _ensure_open(application: LeaseApplication) -> None:
    if application.status != LeaseStatus.FILED:
        raise Conflict(f"申请已{'批准' if application.status == LeaseStatus.APPROVED else '不予批准'} / the "
                       f"application is already {application.status.value}", code="lease_decided")


def approve(session: Session, application_id: int, data: ApproveIn, *, actor: Actor, body: program.ApprovingBody,
            now: datetime) -> LeaseApplication:
    application = get_visible(session, application_id, actor, body)
    _ensure_approver(session, actor, body)
    _ensure_open(application)
    inspection = inspection_of(session, application)
    if inspection.state != InspectionState.PASSED:
        raise Conflict("出租前安全检查未通过，不能批准 / the pre-lease inspection has not passed",
                       code="inspection_not_passed",
                       details={"inspection": inspection.state.value, "open_hazard_ids": inspection.open_hazard_ids})
    if met := program.rules_met(application):
        raise Conflict("申请符合不予批准情形，只能不予批准 / a refusal rule applies: the application must be refused",
                       code="refusal_rule_applies", details=[program.hit(rule) for rule in met])
    tenancy = tenancies.record(session, application.site_id, TenancyCreate(
        enterprise_id=application.tenant_id, unit=application.unit, area_m2=application.area_m2,
        start_date=application.term_start, end_date=application.term_end), actor=actor, now=now,
        reason=f"出租申请{application.id}批准 / lease application approved")
    application.status, application.tenancy_id = LeaseStatus.APPROVED, tenancy.id
    application.conditions = list(data.conditions)
    application.decided_at, application.decided_by = now, actor.user_id
    session.add(application)
    session.flush()
    audit.record(session, entity="lease_application", entity_id=application.id or 0, action="lease.approved",
                 actor=actor, at=now, after={"status": application.status.value, "conditions": application.conditions,
                                             "tenancy_id": tenancy.id, "approver": body.name})
    return application


def refuse(session: Session, application_id: int, data: RefuseIn, *, actor: Actor, body: program.ApprovingBody,
           now: datetime) -> LeaseApplication:
    """Refuse with reasons: those given, and every refusal rule the application meets (with its source)."""
    application = get_visible(session, application_id, actor, body)
    _ensure_approver(session, actor, body)
    _ensure_open(application)
    reasons = [{"reason": text, "source": ""} for text in data.reasons]
    reasons += [{"code": rule.code, "reason": rule.reason, "source": rule.source.citation}
                for rule in program.rules_met(application)]
    if not reasons:
        raise InvalidInput("不予批准须说明理由 / give the reasons for refusing", code="reason_required")
    application.status, application.reasons = LeaseStatus.REFUSED, reasons
    application.decided_at, application.decided_by = now, actor.user_id
    session.add(application)
    session.flush()
    audit.record(session, entity="lease_application", entity_id=application.id or 0, action="lease.refused",
                 actor=actor, at=now, after={"status": application.status.value, "reasons": reasons,
                                             "approver": body.name})
    return application
