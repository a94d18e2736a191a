"""Visits: planning, starting on site, the checklist as asked, the signature. Their results: ``submissions``."""

import functools
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, or_
from sqlmodel import Session, col, select

from inspection import audit
from inspection.clock import end_of_local_day, local_date, start_of_local_day
from inspection.errors import Conflict, InvalidInput, NotFound, NotPermitted
from inspection.field import checklists, geo
from inspection.field.checklists import ChecklistItem, EnterpriseProfile
from inspection.identity import officers
from inspection.identity.access import Actor, require_role
from inspection.lookup import by_id
from inspection.models import (
    Department,
    Enterprise,
    PlantSite,
    PlantSiteTenant,
    Submission,
    User,
    Visit,
    VisitDepartment,
    VisitInspector,
)
from inspection.registry import tenancies
from inspection.types import utcnow
from schemas.enums import Role, VisitSource, VisitStatus
from schemas.visits import VisitCreate, VisitRecordIn, VisitStart


@dataclass(frozen=True)
class Asked:
    """One item as asked at a visit, with the department that owns its result."""

    item: ChecklistItem
    kind: str
    version: int
    department_id: int
    major: bool = False  # graded major for this enterprise (an item's ``major_if`` decided)
    answering: tuple[int, ...] = ()  # the departments whose parts ask it; more than one: a shared check
    refer_to: str | None = None  # no department on the visit enforces it: a failure is referred to this one
    advisory: bool = False  # 提示项: a failure is advice on the visit record, never a hazard or an order

    @property
    def shared(self) -> bool:
        """A check several departments on the visit enforce: answered once, by the part submitted first."""
        return len(self.answering) > 1


# --- who may see and do what -----------------------------------------------------------------------------

_VISIT_AND_ENTERPRISE = select(Visit, Enterprise).join(Enterprise, col(Enterprise.id) == Visit.enterprise_id).where(
    col(Visit.id) == bindparam("pk"))


def get_visible_with_enterprise(session: Session, visit_id: int, actor: Actor) -> tuple[Visit, Enterprise]:
    """``get_visible`` and the visit's enterprise, read in one statement when neither is loaded. The caller holds
    the enterprise while it works: the session's identity map keeps rows only while something refers to them,
    and ``by_id`` (``asked_items``, ``profile_of``) then finds it there instead of reading it again."""
    if session.identity_map.get(session.identity_key(Visit, visit_id)) is None:
        row = session.execute(_VISIT_AND_ENTERPRISE, {"pk": visit_id}).first()
        if row is not None:
            visit = get_visible(session, visit_id, actor)
            return visit, row[1]
    visit = get_visible(session, visit_id, actor)
    enterprise = by_id(session, Enterprise, visit.enterprise_id)
    assert enterprise is not None
    return visit, enterprise


def keep(session: Session, *rows: object) -> None:
    """Keep these loaded rows in the session's identity map until the session ends (it holds rows weakly): the
    answer built after the commit finds them there instead of reading them again."""
    session.info.setdefault("kept", []).extend(rows)


def get_visible(session: Session, visit_id: int, actor: Actor) -> Visit:
    visit = by_id(session, Visit, visit_id)
    if visit is None or (not actor.is_staff and visit.enterprise_id != actor.enterprise_id):
        raise NotFound("检查记录不存在 / visit not found")
    return visit


_INSPECTOR_IDS = select(VisitInspector.user_id).where(col(VisitInspector.visit_id) == bindparam("visit_id"))


def inspector_ids(session: Session, visit_id: int) -> list[int]:
    return list(session.execute(_INSPECTOR_IDS, {"visit_id": visit_id}).scalars().all())


def ensure_on_visit(session: Session, visit: Visit, actor: Actor) -> None:
    require_role(actor, Role.INSPECTOR, action="record inspection results")
    if actor.user_id not in inspector_ids(session, visit.id or 0):
        raise NotPermitted("您不是本次检查的检查人员 / you are not an inspector of this visit",
                           code="not_on_visit")


# --- profile and checklist ---------------------------------------------------------------------------------

def plant_role(session: Session, enterprise_id: int) -> tuple[str | None, int | None]:
    """("landlord" | "tenant" | None, the plant site) of an enterprise."""
    site = session.exec(select(PlantSite.id).where(PlantSite.landlord_id == enterprise_id)).first()
    if site is not None:
        return "landlord", site
    tenant_site = session.exec(
        select(PlantSiteTenant.site_id).where(PlantSiteTenant.enterprise_id == enterprise_id,
                                              tenancies.current_on(local_date(utcnow())))).first()
    if tenant_site is not None:
        return "tenant", tenant_site
    return None, None


def profile_of(session: Session, enterprise: Enterprise, *, visit: Visit | None = None) -> EnterpriseProfile:
    if visit is not None:  # the visit remembers the site it was planned at
        site_id = visit.plant_site_id
        role = role_at_site(session, enterprise.id or 0, site_id)
    else:
        role, site_id = plant_role(session, enterprise.id or 0)
    return profile_at(session, enterprise, role, site_id)


def profile_at(session: Session, enterprise: Enterprise, role: str | None, site_id: int | None) -> EnterpriseProfile:
    """The profile of an enterprise whose role at a plant site (``plant_role``) is known already."""
    return EnterpriseProfile(
        dust_involved=enterprise.dust_involved, dust_kind=enterprise.dust_kind if enterprise.dust_involved else None,
        gas_user=enterprise.gas_user, gas_supply=enterprise.gas_supply if enterprise.gas_user else None,
        gas_role=enterprise.gas_role or "user", industry=enterprise.industry or "other", plant_role=role,
        lessor_industry=_lessor_industry(session, enterprise, site_id) if role is not None else None,
    )


def _lessor_industry(session: Session, enterprise: Enterprise, site_id: int | None) -> str | None:
    """The industry of the site's landlord (FCZ-02/03 are major only where the lessor is a 工贸 enterprise)."""
    site = session.get(PlantSite, site_id) if site_id is not None else None
    if site is None:
        return None
    landlord = enterprise if site.landlord_id == enterprise.id else session.get(Enterprise, site.landlord_id)
    return (landlord.industry or "other") if landlord is not None else None


def role_at_site(session: Session, enterprise_id: int, site_id: int | None) -> str | None:
    if site_id is None:
        return None
    site = session.get(PlantSite, site_id)
    return None if site is None else ("landlord" if site.landlord_id == enterprise_id else "tenant")


DEPARTMENTS_OF_VISIT = (  # (kinds, pinned versions, department id, code) of each part
    select(VisitDepartment.kinds, VisitDepartment.checklist_versions, Department.id, Department.code)
    .join(Department, col(Department.id) == VisitDepartment.department_id)
    .where(col(VisitDepartment.visit_id) == bindparam("visit_id"))
    .order_by(col(Department.priority), col(Department.id))
)


def asked_items(session: Session, visit: Visit, departments: list[tuple[Any, ...]] | None = None) -> list[Asked]:
    """Every item asked at this visit, each once, in checklist order: the union of the departments' parts.

    Who answers an item (``Asked.answering``): the departments on the visit that enforce it (执法主体, from the
    catalogue), whatever kinds they ask; an item no department on the visit enforces is answered by the
    departments asking its kind, and a failure of it is referred (``Asked.refer_to``) to the department that
    enforces it. An item is asked in the version its kind's leading department (lowest priority number)
    pinned when it joined the visit (``pin_versions``); ``department_id`` is the first answering department.
    ``departments``: the rows of ``DEPARTMENTS_OF_VISIT``, when the caller read them already.
    """
    enterprise = by_id(session, Enterprise, visit.enterprise_id)
    assert enterprise is not None
    profile = profile_of(session, enterprise, visit=visit)
    owner: dict[str, tuple[int, int | None]] = {}
    askers: dict[str, list[int]] = {}
    codes: dict[str, int] = {}  # department code -> id, of the departments on the visit
    if departments is None:
        departments = list(session.execute(DEPARTMENTS_OF_VISIT, {"visit_id": visit.id}).all())
    for kinds, pins, department_id, code in departments:
        codes.setdefault(code, department_id)
        for kind in kinds:
            owner.setdefault(kind, (department_id, (pins or {}).get(kind)))
            askers.setdefault(kind, []).append(department_id)
    recorded: dict[str, int] | None = None
    versions: list[tuple[str, int, tuple[int, ...]]] = []  # (kind, version, its askers), in checklist order
    for kind in checklists.askable_kinds():
        if kind not in owner:
            continue
        _, version = owner[kind]
        if version is None:  # a visit from before pinning: the version it was submitted with, else the first
            recorded = _recorded_versions(session, visit.id or 0) if recorded is None else recorded
            version = recorded.get(kind) or checklists.versions(kind)[0]
        versions.append((kind, version, tuple(askers[kind])))
    item_codes = None if visit.item_codes is None else frozenset(visit.item_codes)
    return list(_asked(tuple(versions), tuple(codes.items()), profile, item_codes))


@functools.lru_cache(maxsize=1024)
def _asked(versions: tuple[tuple[str, int, tuple[int, ...]], ...], codes: tuple[tuple[str, int], ...],
           profile: EnterpriseProfile, item_codes: frozenset[str] | None) -> tuple[Asked, ...]:
    """``asked_items`` from what it read: memoised, since the packaged checklists load once and every argument
    is a value (a visit's checklist is asked at its checklist read, its submission's check and write)."""
    departments = dict(codes)
    asked: list[Asked] = []
    for kind, version, askers in versions:
        items = checklists.applicable(kind, version, profile) if item_codes is None else tuple(
            item for item in checklists.get(kind, version).items if item.code in item_codes)
        for item in items:
            where = checklists.jurisdiction(item)
            present = tuple(departments[c] for c in where.departments if c in departments)
            answering = present or askers
            asked.append(Asked(item, kind, version, answering[0], item.major_for(profile), answering=answering,
                               refer_to=None if present else (where.departments[0] if where.departments else None),
                               advisory=where.advisory))
    return tuple(asked)


def part_items(session: Session, visit: Visit, department_id: int, everything: list[Asked] | None = None
               ) -> list[Asked]:
    """The items of one department's part of the visit: those it answers (``asked_items``, or ``everything``
    already read), owned by it."""
    return [a if a.department_id == department_id else replace(a, department_id=department_id)  # a copy costs
            for a in everything or asked_items(session, visit) if department_id in a.answering]


_RECORDED = select(Submission.checklists).where(col(Submission.visit_id) == bindparam("visit_id"),
                                                col(Submission.is_current).is_(True))


def _recorded_versions(session: Session, visit_id: int) -> dict[str, int]:
    return dict(session.execute(_RECORDED, {"visit_id": visit_id}).scalars().first() or {})


def pin_versions(session: Session, link: VisitDepartment) -> None:
    """Pin the current checklist version of each kind the department asks that has no pin yet.

    A stored link from before pinning first gets the versions it has been asking (recorded, else the first).
    """
    pins = dict(link.checklist_versions or {})
    if link.checklist_versions is None and link.id is not None:
        recorded = _recorded_versions(session, link.visit_id)
        pins = {kind: recorded.get(kind) or checklists.versions(kind)[0] for kind in link.kinds}
    for kind in link.kinds:
        pins.setdefault(kind, checklists.latest(kind).version)
    link.checklist_versions = pins


# --- planning and starting -------------------------------------------------------------------------------

def replay_of(session: Session, data: VisitCreate, *, actor: Actor) -> Visit | None:
    """The visit an earlier request with the same client key made (the phone's queue retries after a 503)."""
    if data.client_uuid is None:
        return None
    visit = session.exec(select(Visit).where(Visit.client_uuid == str(data.client_uuid))).first()
    if visit is not None and visit.created_by != actor.user_id:
        raise Conflict("该请求编号已被他人使用 / this client key belongs to another user's visit",
                       code="client_uuid_taken")
    return visit


def create(session: Session, data: VisitCreate, *, actor: Actor, now: datetime) -> Visit:
    """A new visit. A caller with a ``client_uuid`` asks ``replay_of`` first (the route does, to answer a retry
    with the first visit); the key is unique, so a second visit under it never commits."""
    require_role(actor, Role.INSPECTOR, Role.OFFICE, Role.ADMIN, action="plan visits")
    if data.source == VisitSource.LEASE:
        raise InvalidInput("出租前安全检查由厂房出租申请安排 / a pre-lease inspection is scheduled from its lease "
                           "application", code="lease_visit_from_application")
    enterprise = session.get(Enterprise, data.enterprise_id)
    if enterprise is None:
        raise InvalidInput("企业不存在 / unknown enterprise", code="unknown_enterprise")
    keep(session, enterprise)  # the answer shows it
    role, site_id = plant_role(session, enterprise.id or 0)  # the profile's and the visit's site, read once
    profile = profile_at(session, enterprise, role, site_id)
    applicable = checklists.applicable_kinds(profile)
    if data.departments:
        if actor.role == Role.INSPECTOR:
            raise NotPermitted("联合检查由安委办统筹 / joint visits are planned by the office", code="joint_by_office")
        departments = [(d.department_id, [k.value for k in d.kinds] or applicable) for d in data.departments]
    else:
        if actor.department_id is None:
            raise InvalidInput("请指定检查部门 / name the departments of this visit", code="department_required")
        departments = [(actor.department_id, [k.value for k in data.kinds] if data.kinds else applicable)]
    _check_departments(session, [d for d, _ in departments])
    if not checklists.asks_anything({kind for _, kinds in departments for kind in kinds}, profile):
        raise InvalidInput("所选检查表对该企业没有适用的检查项 / no checklist item applies to this enterprise",
                           code="no_checklist", details={"applicable_kinds": applicable})
    people = list(dict.fromkeys(([actor.user_id] if actor.role == Role.INSPECTOR else []) + data.inspector_ids))
    users = _inspectors(session, people)
    visit = Visit(
        client_uuid=str(data.client_uuid) if data.client_uuid else None,
        enterprise_id=enterprise.id, plant_site_id=site_id, lead_department_id=departments[0][0],
        source=data.source, announced=data.announced, planned_date=data.planned_date, created_by=actor.user_id,
        created_at=now,
    )
    session.add(visit)
    session.flush()
    for department_id, kinds in departments:
        link = VisitDepartment(visit_id=visit.id, department_id=department_id, kinds=sorted(set(kinds)))
        pin_versions(session, link)
        session.add(link)
    session.flush()
    if users:  # one executemany (the ORM's flush sent one INSERT … RETURNING per inspector on SQLite)
        session.connection().execute(_INSERT_INSPECTORS, [
            {"visit_id": visit.id, "user_id": user.id, "department_id": user.department_id} for user in users])
    audit.record(session, entity="visit", entity_id=visit.id or 0, action="visit.create", actor=actor, at=now,
                 after={**audit.snapshot(visit, VISIT_FIELDS),
                        "departments": {str(d): sorted(set(k)) for d, k in departments},
                        "inspector_ids": [u.id for u in users]})
    return visit


_INSERT_INSPECTORS = insert(VisitInspector.__table__)  # type: ignore[attr-defined]
VISIT_FIELDS = ["enterprise_id", "plant_site_id", "lead_department_id", "source", "announced", "planned_date",
                "client_uuid"]


def _check_departments(session: Session, ids: list[int]) -> None:
    found = set(session.exec(select(Department.id).where(col(Department.id).in_(ids))).all())
    if missing := sorted(set(ids) - found):
        raise InvalidInput("部门不存在 / unknown departments", code="unknown_department", details={"missing": missing})


def _inspectors(session: Session, ids: list[int]) -> list[User]:
    users = list(session.exec(select(User).where(col(User.id).in_(ids))).all()) if ids else []
    bad = sorted(set(ids) - {u.id for u in users if u.role == Role.INSPECTOR and u.department_id and u.is_active})
    if bad:
        raise InvalidInput("检查人员须为在岗执法人员 / inspectors must be active inspectors",
                           code="unknown_inspector", details={"user_ids": bad})
    return users


def _start_reference(session: Session, visit: Visit) -> tuple[float, float] | None:
    """Where the inspector should be: the plant site of a visit made there (a 厂中厂 tenant or its landlord
    works at the site, whatever address it registered), else the enterprise's registered point."""
    site = session.get(PlantSite, visit.plant_site_id) if visit.plant_site_id is not None else None
    if site is not None and site.latitude is not None and site.longitude is not None:
        return site.latitude, site.longitude
    enterprise = session.get(Enterprise, visit.enterprise_id)
    assert enterprise is not None
    keep(session, enterprise)  # the answer shows it
    if enterprise.latitude is not None and enterprise.longitude is not None:
        return enterprise.latitude, enterprise.longitude
    return None


def start(session: Session, visit_id: int, data: VisitStart, *, actor: Actor, now: datetime,
          far_meters: float) -> Visit:
    """Record the phone's GPS fix; a start far from the site (the plant site of a 厂中厂 visit, else the
    enterprise's registered point) is flagged, not refused."""
    visit = get_visible(session, visit_id, actor)
    ensure_on_visit(session, visit, actor)
    if visit.status not in (VisitStatus.PLANNED, VisitStatus.STARTED):
        raise Conflict(f"检查已{visit.status.value} / visit is {visit.status.value}", code="visit_not_open")
    point = _start_reference(session, visit)
    distance = None
    if point is not None:
        distance = round(geo.distance_m(data.latitude, data.longitude, *point), 1)
    visit.status = VisitStatus.STARTED
    visit.started_at = visit.started_at or now
    visit.started_by = visit.started_by or actor.user_id
    visit.start_latitude, visit.start_longitude = data.latitude, data.longitude
    visit.start_distance_m = distance
    visit.far_from_site = distance is not None and distance > far_meters
    session.add(visit)
    session.flush()
    audit.record(session, entity="visit", entity_id=visit.id or 0, action="visit.start", actor=actor, at=now,
                 after=audit.snapshot(visit, ["started_at", "start_latitude", "start_longitude", "start_distance_m",
                                              "far_from_site"]))
    if data.record is not None:
        record_details(session, visit.id or 0, data.record, ended_at=None, actor=actor, now=now)
    return visit


RECORD_FIELDS = ("representative_name", "representative_title", "representative_phone", "place_inspected",
                 "credentials_shown", "recusal_explained")


def record_details(session: Session, visit_id: int, record: VisitRecordIn | None, *, ended_at: datetime | None,
                   actor: Actor, now: datetime) -> Visit:
    """The 现场检查记录's own fields (REFERENCE §G.7): fields given replace what was recorded, audited."""
    visit = session.get(Visit, visit_id)
    assert visit is not None
    given = record.model_dump(exclude_none=True) if record is not None else {}
    if ended_at is not None:
        if visit.started_at is not None and ended_at < visit.started_at:
            raise InvalidInput("检查结束时间早于开始时间 / the end is before the start", code="ended_before_start")
        if ended_at > now + timedelta(minutes=10):
            raise InvalidInput("检查结束时间不能晚于现在 / the end is in the future", code="ended_in_future")
        given["ended_at"] = ended_at
    before = {name: getattr(visit, name) for name in given}
    for name, value in given.items():
        setattr(visit, name, value)
    session.add(visit)
    session.flush()
    audit.record(session, entity="visit", entity_id=visit_id, action="visit.record", actor=actor, at=now,
                 before=before, after=given)
    return visit


def _ensure_planner(session: Session, visit: Visit, actor: Actor) -> None:
    """The office, or an inspector of a department on the visit."""
    if actor.role in (Role.OFFICE, Role.ADMIN):
        return
    require_role(actor, Role.INSPECTOR, action="change visits")
    if actor.department_id not in _department_ids(session, visit.id or 0):
        raise NotPermitted("只能调整本部门参加的检查 / only visits your department takes part in",
                           code="not_your_department")


def _department_ids(session: Session, visit_id: int) -> set[int]:
    return set(session.exec(select(VisitDepartment.department_id).where(VisitDepartment.visit_id == visit_id)).all())


def _ensure_not_submitted(visit: Visit) -> None:
    if visit.status not in (VisitStatus.PLANNED, VisitStatus.STARTED):
        raise Conflict(f"检查已{visit.status.value}，不能再调整 / visit is {visit.status.value}", code="visit_not_open")


def set_inspectors(session: Session, visit_id: int, inspector_ids: list[int], *, actor: Actor, now: datetime
                   ) -> Visit:
    """Replace the inspectors of a visit not yet submitted. Each must be eligible on the visit's day (certified,
    certificate valid, not recused) and of a department on the visit; an inspector changes only their own
    department's people, the office anyone's. Audited."""
    visit = get_visible(session, visit_id, actor)
    _ensure_planner(session, visit, actor)
    _ensure_not_submitted(visit)
    people = list(dict.fromkeys(inspector_ids))
    departments = _department_ids(session, visit_id)
    users = officers.check_team(session, people, department_id=None, enterprise_id=visit.enterprise_id,
                                day=visit.planned_date or local_date(now))
    if strangers := [u.id for u in users if u.department_id not in departments]:
        raise InvalidInput("检查人员须属于参加检查的部门 / inspectors must belong to the visit's departments",
                           code="inspector_not_eligible", details={"user_ids": strangers})
    current = session.exec(select(VisitInspector).where(VisitInspector.visit_id == visit_id)).all()
    before = sorted(link.user_id for link in current)
    mine = actor.department_id if actor.role == Role.INSPECTOR else None
    if mine is not None and any(u.department_id != mine for u in users):
        raise NotPermitted("只能指派本部门人员 / only your department's inspectors", code="not_your_department")
    for link in current:
        if mine is None or link.department_id == mine:
            session.delete(link)
    session.flush()  # the deletes first: an inspector kept on is deleted and added again
    kept = {link.user_id for link in current if mine is not None and link.department_id != mine}
    for user in users:
        if user.id not in kept:
            session.add(VisitInspector(visit_id=visit_id, user_id=user.id, department_id=user.department_id))
    session.flush()
    after = sorted(session.exec(select(VisitInspector.user_id).where(VisitInspector.visit_id == visit_id)).all())
    audit.record(session, entity="visit", entity_id=visit_id, action="visit.inspectors", actor=actor, at=now,
                 before={"inspector_ids": before}, after={"inspector_ids": after})
    return visit


def cancel(session: Session, visit_id: int, reason: str, *, actor: Actor, now: datetime) -> Visit:
    """Cancel a visit not yet submitted, with a reason; its tasks go back to planning. Audited. A visit a
    department has already submitted its part of is not cancelled: the other parts are withdrawn instead."""
    visit = get_visible(session, visit_id, actor)
    _ensure_planner(session, visit, actor)
    _ensure_not_submitted(visit)
    if not reason.strip():
        raise InvalidInput("请说明取消原因 / give the reason", code="reason_required")
    if session.exec(select(VisitDepartment.id).where(VisitDepartment.visit_id == visit_id,
                                                     col(VisitDepartment.submitted_at).is_not(None))).first():
        raise Conflict("已有部门提交检查结果，不能取消整次检查，请撤回未提交的部门 / a department has submitted its "
                       "part: withdraw the other parts instead", code="part_submitted")
    before = visit.status
    visit.status = VisitStatus.CANCELLED
    session.add(visit)
    session.flush()
    audit.record(session, entity="visit", entity_id=visit_id, action="visit.cancel", actor=actor, at=now,
                 before={"status": before}, after={"status": visit.status}, reason=reason.strip())
    return visit


def withdraw_part(session: Session, visit_id: int, department_id: int, reason: str, *, actor: Actor,
                  now: datetime) -> Visit:
    """Withdraw one department's part of a visit, with the reason (the office, or an inspector of that
    department), before the part is submitted. Audited. The visit is complete once every part is submitted
    or withdrawn; a visit whose every part is withdrawn is cancelled."""
    visit = get_visible(session, visit_id, actor)
    if actor.role not in (Role.OFFICE, Role.ADMIN):
        require_role(actor, Role.INSPECTOR, action="withdraw a department's part")
        if actor.department_id != department_id:
            raise NotPermitted("只能撤回本部门的检查 / only your department's part", code="not_your_department")
    _ensure_not_submitted(visit)
    if not reason.strip():
        raise InvalidInput("请说明撤回原因 / give the reason", code="reason_required")
    parts = list(session.exec(select(VisitDepartment).where(VisitDepartment.visit_id == visit_id)).all())
    part = next((p for p in parts if p.department_id == department_id), None)
    if part is None:
        raise NotFound("该部门未参加本次检查 / the department takes no part in this visit", code="no_such_part")
    if part.submitted_at is not None or part.withdrawn_at is not None:
        raise Conflict("该部门的检查已提交或已撤回 / the part is already submitted or withdrawn",
                       code="part_closed")
    part.withdrawn_at, part.withdrawn_reason = now, reason.strip()
    session.add(part)
    before = visit.status
    if all(p.submitted_at is not None or p.withdrawn_at is not None for p in parts):
        submitted = any(p.submitted_at is not None for p in parts)
        visit.status = VisitStatus.SUBMITTED if submitted else VisitStatus.CANCELLED
        visit.submitted_at = visit.submitted_at or (now if submitted else None)
        session.add(visit)
    session.flush()
    audit.record(session, entity="visit", entity_id=visit_id, action="visit.withdraw_part", actor=actor, at=now,
                 before={"status": before}, after={"department_id": department_id, "status": visit.status},
                 reason=reason.strip())
    return visit


def work_list(session: Session, *, actor: Actor, day: date | None, assigned_to_me: bool, limit: int = 200,
              offset: int = 0) -> list[Visit]:
    query = select(Visit).where(Visit.status != VisitStatus.CANCELLED)
    if actor.role == Role.ENTERPRISE:
        query = query.where(Visit.enterprise_id == (actor.enterprise_id or -1))
    elif assigned_to_me or actor.role == Role.INSPECTOR:
        query = query.join(VisitInspector, col(VisitInspector.visit_id) == Visit.id).where(
            VisitInspector.user_id == actor.user_id)
    if day is not None:
        begin, end = start_of_local_day(day), end_of_local_day(day)
        query = query.where(or_(
            Visit.planned_date == day,
            (col(Visit.started_at) >= begin) & (col(Visit.started_at) <= end),
            (col(Visit.planned_date).is_(None)) & (col(Visit.status) == VisitStatus.PLANNED),
        ))
    return list(session.exec(query.order_by(col(Visit.planned_date), col(Visit.id)).limit(limit).offset(offset)).all())


def attach_signature(session: Session, visit_id: int, photo_id: int, *, actor: Actor) -> Visit:
    visit = get_visible(session, visit_id, actor)
    ensure_on_visit(session, visit, actor)
    if visit.status != VisitStatus.SUBMITTED:
        raise Conflict("请先提交检查结果再签名 / submit the visit before signing", code="visit_not_submitted")
    before = visit.signature_photo_id
    visit.signature_photo_id = photo_id
    session.add(visit)
    session.flush()
    audit.record(session, entity="visit", entity_id=visit.id or 0, action="visit.sign", actor=actor, at=utcnow(),
                 before={"signature_photo_id": before}, after={"signature_photo_id": photo_id})
    return visit
