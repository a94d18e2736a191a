"""Visits: planning, starting on site, the checklist as asked, submissions, corrections and replays."""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, update
from sqlmodel import Session, col, select

from inspection import checklists, geo
from inspection.access import Actor, require_role
from inspection.checklists import ChecklistItem, EnterpriseProfile
from inspection.clock import end_of_local_day, start_of_local_day
from inspection.errors import Conflict, InvalidInput, NotFound, NotPermitted
from inspection.lookup import by_id
from inspection.models import (
    Department,
    Enterprise,
    Photo,
    PlantSite,
    PlantSiteTenant,
    Result,
    Submission,
    User,
    Visit,
    VisitDepartment,
    VisitInspector,
)
from schemas.enums import ItemResult, Party, Role, VisitStatus
from schemas.visits import SubmissionIn, VisitCreate, VisitStart


@dataclass(frozen=True)
class Asked:
    """One item as asked at a visit, with the department that owns its result."""

    item: ChecklistItem
    kind: str
    version: int
    department_id: int


# --- who may see and do what -----------------------------------------------------------------------------

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
        select(PlantSiteTenant.site_id).where(PlantSiteTenant.enterprise_id == enterprise_id)).first()
    if tenant_site is not None:
        return "tenant", tenant_site
    return None, None


def profile_of(session: Session, enterprise: Enterprise, *, visit: Visit | None = None) -> EnterpriseProfile:
    if visit is not None:  # the visit remembers the site it was planned at
        role = _role_at_site(session, enterprise.id or 0, visit.plant_site_id)
    else:
        role, _ = plant_role(session, enterprise.id or 0)
    return EnterpriseProfile(
        dust_involved=enterprise.dust_involved, dust_kind=enterprise.dust_kind if enterprise.dust_involved else None,
        gas_user=enterprise.gas_user, gas_supply=enterprise.gas_supply if enterprise.gas_user else None,
        gas_role=enterprise.gas_role or "user", industry=enterprise.industry or "other", plant_role=role,
    )


def _role_at_site(session: Session, enterprise_id: int, site_id: int | None) -> str | None:
    if site_id is None:
        return None
    site = session.get(PlantSite, site_id)
    return None if site is None else ("landlord" if site.landlord_id == enterprise_id else "tenant")


_DEPARTMENTS_OF_VISIT = (
    select(VisitDepartment.kinds, Department.id)
    .join(Department, col(Department.id) == VisitDepartment.department_id)
    .where(col(VisitDepartment.visit_id) == bindparam("visit_id"))
    .order_by(col(Department.priority), col(Department.id))
)


def asked_items(session: Session, visit: Visit) -> list[Asked]:
    """The union of the departments' checklists for this enterprise, each item once, in checklist order.

    An item asked by several departments belongs to the one that leads (lowest priority number).
    """
    enterprise = by_id(session, Enterprise, visit.enterprise_id)
    assert enterprise is not None
    profile = profile_of(session, enterprise, visit=visit)
    owner: dict[str, int] = {}
    for kinds, department_id in session.execute(_DEPARTMENTS_OF_VISIT, {"visit_id": visit.id}).all():
        for kind in kinds:
            owner.setdefault(kind, department_id)
    asked: list[Asked] = []
    for kind in checklists.kinds():
        if kind not in owner:
            continue
        version, items = checklists.latest_applicable(kind, profile)
        asked.extend(Asked(item, kind, version, owner[kind]) for item in items)
    return asked


# --- planning and starting -------------------------------------------------------------------------------

def create(session: Session, data: VisitCreate, *, actor: Actor, now: datetime) -> Visit:
    require_role(actor, Role.INSPECTOR, Role.OFFICE, Role.ADMIN, action="plan visits")
    enterprise = session.get(Enterprise, data.enterprise_id)
    if enterprise is None:
        raise InvalidInput("企业不存在 / unknown enterprise", code="unknown_enterprise")
    applicable = checklists.applicable_kinds(profile_of(session, enterprise))
    if data.departments:
        if actor.role == Role.INSPECTOR:
            raise NotPermitted("联合检查由安委办统筹 / joint visits are planned by the office", code="joint_by_office")
        departments = [(d.department_id, [k.value for k in d.kinds] or applicable) for d in data.departments]
    else:
        if actor.department_id is None:
            raise InvalidInput("请指定检查部门 / name the departments of this visit", code="department_required")
        departments = [(actor.department_id, [k.value for k in data.kinds] if data.kinds else applicable)]
    _check_departments(session, [d for d, _ in departments])
    if not any(kinds for _, kinds in departments):
        raise InvalidInput("该企业没有适用的检查表 / no checklist applies to this enterprise",
                           code="no_checklist")
    people = list(dict.fromkeys(([actor.user_id] if actor.role == Role.INSPECTOR else []) + data.inspector_ids))
    users = _inspectors(session, people)
    _, site_id = plant_role(session, enterprise.id or 0)
    visit = Visit(
        enterprise_id=enterprise.id, plant_site_id=site_id, lead_department_id=departments[0][0],
        source=data.source, announced=data.announced, planned_date=data.planned_date, created_by=actor.user_id,
        created_at=now,
    )
    session.add(visit)
    session.flush()
    for department_id, kinds in departments:
        session.add(VisitDepartment(visit_id=visit.id, department_id=department_id, kinds=sorted(set(kinds))))
    for user in users:
        session.add(VisitInspector(visit_id=visit.id, user_id=user.id, department_id=user.department_id))
    session.flush()
    return visit


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


def start(session: Session, visit_id: int, data: VisitStart, *, actor: Actor, now: datetime,
          far_meters: float) -> Visit:
    """Record the phone's GPS fix; a start far from the enterprise is flagged, not refused."""
    visit = get_visible(session, visit_id, actor)
    ensure_on_visit(session, visit, actor)
    if visit.status not in (VisitStatus.PLANNED, VisitStatus.STARTED):
        raise Conflict(f"检查已{visit.status.value} / visit is {visit.status.value}", code="visit_not_open")
    enterprise = session.get(Enterprise, visit.enterprise_id)
    assert enterprise is not None
    distance = None
    if enterprise.latitude is not None and enterprise.longitude is not None:
        distance = round(geo.distance_m(data.latitude, data.longitude, enterprise.latitude, enterprise.longitude), 1)
    visit.status = VisitStatus.STARTED
    visit.started_at = visit.started_at or now
    visit.started_by = visit.started_by or actor.user_id
    visit.start_latitude, visit.start_longitude = data.latitude, data.longitude
    visit.start_distance_m = distance
    visit.far_from_site = distance is not None and distance > far_meters
    session.add(visit)
    session.flush()
    return visit


def work_list(session: Session, *, actor: Actor, day: date | None, assigned_to_me: bool) -> list[Visit]:
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
    return list(session.exec(query.order_by(col(Visit.planned_date), col(Visit.id))).all())


# --- submissions ---------------------------------------------------------------------------------------------

def payload_hash(data: SubmissionIn) -> str:
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


_BY_UUID = select(Submission).where(col(Submission.client_uuid) == bindparam("client_uuid"))
_CURRENT = select(Submission).where(col(Submission.visit_id) == bindparam("visit_id"),
                                    col(Submission.is_current).is_(True))


def find_replay(session: Session, data: SubmissionIn, *, visit_id: int) -> Submission | None:
    """The original submission if this is a replay; 409 if the UUID was used for something else."""
    existing = session.execute(_BY_UUID, {"client_uuid": str(data.client_uuid)}).scalars().first()
    if existing is None:
        return None
    if existing.visit_id != visit_id or existing.payload_hash != payload_hash(data):
        raise Conflict("该提交编号已用于不同内容 / this submission UUID was already used for a different payload",
                       code="idempotency_conflict", details={"submission_id": existing.id})
    return existing


def current_submission(session: Session, visit_id: int) -> Submission | None:
    return session.execute(_CURRENT, {"visit_id": visit_id}).scalars().first()


@dataclass(frozen=True)
class Plan:
    """A submission checked in full, and the state it was checked against (see ``submit``)."""

    visit_id: int
    enterprise_id: int
    plant_site_id: int | None
    previous_id: int | None
    previous_version: int
    asked: dict[str, Asked]
    photo_ids: frozenset[int]
    default_party: Party | None  # of 厂中厂 results that name none: the enterprise's role at the site


def check(session: Session, visit_id: int, data: SubmissionIn, *, actor: Actor, now: datetime,
          correction_hours: int | None = None) -> Submission | Plan:
    """Every rule a submission must pass, reading only: the original submission for a replay, else a Plan.

    Routes run this before they take the database's write slot, so submissions from many phones are
    checked side by side and the write transaction only re-checks what may have moved and inserts.
    """
    visit = get_visible(session, visit_id, actor)
    replay = find_replay(session, data, visit_id=visit_id)
    if replay is not None:
        return replay
    ensure_on_visit(session, visit, actor)
    previous = current_submission(session, visit_id)
    if correction_hours is None and previous is not None:
        raise Conflict("本次检查已提交，如需修改请提交更正 / already submitted: send a correction instead",
                       code="already_submitted", details={"submission_id": previous.id})
    if correction_hours is not None:
        _check_correction_window(session, visit_id, previous, now=now, hours=correction_hours)
    if visit.status == VisitStatus.CANCELLED:
        raise Conflict("检查已取消 / visit cancelled", code="visit_not_open")
    asked = {a.item.code: a for a in asked_items(session, visit)}
    photo_ids = validate_results(session, visit, data, asked)
    role = _role_at_site(session, visit.enterprise_id, visit.plant_site_id)
    return Plan(visit_id, visit.enterprise_id, visit.plant_site_id, previous.id if previous else None,
                previous.version if previous else 0, asked, frozenset(photo_ids),
                {"landlord": Party.LANDLORD, "tenant": Party.TENANT}.get(role or ""))


# The write transaction's statements, built once: SQLAlchemy memoises a statement's cache key, so module-level
# statements skip building and keying on every submission, and Core skips the ORM's per-row bookkeeping.
_VISIT_STATUS = select(Visit.status).where(col(Visit.id) == bindparam("visit_id"))
_SEEN = select(Submission.id).where(or_(col(Submission.client_uuid) == bindparam("client_uuid"), and_(
    col(Submission.visit_id) == bindparam("visit_id"), col(Submission.is_current).is_(True))))
_SUBMISSIONS = Submission.__table__  # type: ignore[attr-defined]
_SUPERSEDE = update(_SUBMISSIONS).where(_SUBMISSIONS.c.id == bindparam("previous_id")).values(is_current=False)
_INSERT_SUBMISSION = insert(_SUBMISSIONS).returning(_SUBMISSIONS.c.id)
_INSERT_RESULTS = insert(Result.__table__)  # type: ignore[attr-defined]
_VISITS = Visit.__table__  # type: ignore[attr-defined]
_MARK_SUBMITTED = update(_VISITS).where(_VISITS.c.id == bindparam("visit_id")).values(
    status=VisitStatus.SUBMITTED,
    submitted_at=func.coalesce(_VISITS.c.submitted_at, bindparam("now", type_=_VISITS.c.submitted_at.type)),
    started_at=func.coalesce(_VISITS.c.started_at, bindparam("started", type_=_VISITS.c.started_at.type)))


def _still_holds(session: Session, plan: Plan, data: SubmissionIn) -> bool:
    """What a plan assumed and another writer may have changed since: the visit is not cancelled, its current
    submission is the same, the UUID is still unused, the photos still free. (Checklists and inspectors
    change on a human scale.)"""
    status = session.execute(_VISIT_STATUS, {"visit_id": plan.visit_id}).scalar_one_or_none()
    if status is None or status == VisitStatus.CANCELLED:
        return False
    seen = session.execute(_SEEN, {"client_uuid": str(data.client_uuid), "visit_id": plan.visit_id}).scalars().all()
    if seen != ([plan.previous_id] if plan.previous_id is not None else []):
        return False
    return not plan.photo_ids or not _photo_problems(session, plan.visit_id, plan.enterprise_id,
                                                     set(plan.photo_ids))


def submit(session: Session, visit_id: int, data: SubmissionIn, *, actor: Actor, now: datetime,
           correction_hours: int | None = None, plan: Plan | None = None) -> tuple[Submission, bool]:
    """Store a visit's results atomically. Returns (submission, replayed).

    With ``correction_hours`` set this is a correction: a new version superseding the current one, allowed
    within that many hours of the first submission. A ``plan`` from ``check`` (made before this transaction)
    is used if what it assumed still holds; otherwise, or without one, every rule is checked again here.
    """
    records = _records(plan, data, actor=actor, now=now) if plan is not None else None  # before any statement
    if plan is None or plan.visit_id != visit_id or not _still_holds(session, plan, data):
        checked = check(session, visit_id, data, actor=actor, now=now, correction_hours=correction_hours)
        if isinstance(checked, Submission):
            return checked, True
        plan, records = checked, _records(checked, data, actor=actor, now=now)
    assert records is not None
    submission, rows = records
    if plan.previous_id is not None:
        session.execute(_SUPERSEDE, {"previous_id": plan.previous_id})
    submission.id = session.execute(_INSERT_SUBMISSION, submission.model_dump(exclude={"id"})).scalar_one()
    for row in rows:
        row["submission_id"] = submission.id
    session.execute(_INSERT_RESULTS, rows)  # one executemany; no ORM objects for 30-odd rows
    _attach_photos(session, plan, data)
    session.execute(_MARK_SUBMITTED, {"visit_id": visit_id, "now": now, "started": data.captured_at or now})
    session.info.setdefault("results", {})[submission.id] = [ResultView(**row) for row in rows]
    loaded = session.identity_map.get(session.identity_key(Visit, visit_id))
    if loaded is not None:  # loaded by a full check in this transaction: read it again when asked
        session.expire(loaded)
    return submission, False


def _records(plan: Plan, data: SubmissionIn, *, actor: Actor, now: datetime
             ) -> tuple[Submission, list[dict[str, Any]]]:
    """The submission and its result rows, built in Python before the write transaction needs them."""
    asked = plan.asked
    submission = Submission(
        client_uuid=str(data.client_uuid), payload_hash=payload_hash(data), visit_id=plan.visit_id,
        version=plan.previous_version + 1, supersedes_id=plan.previous_id,
        submitted_by=actor.user_id, captured_at=data.captured_at, submitted_at=now, note=data.note,
        checklists={a.kind: a.version for a in asked.values()},
    )
    rows = [
        {"submission_id": None, "department_id": asked[g.item_code].department_id, "item_code": g.item_code,
         "kind": asked[g.item_code].kind, "outcome": g.result, "note": g.note, "photo_ids": g.photo_ids,
         "fixed_on_spot": g.fixed_on_spot, "after_photo_ids": g.after_photo_ids,
         "party": g.party or (plan.default_party if asked[g.item_code].kind == "FCZ" else None),
         "raise_to_major": g.raise_to_major, "deadline_days": g.deadline_days}
        for g in data.results
    ]
    return submission, rows


def _check_correction_window(session: Session, visit_id: int, previous: Submission | None, *, now: datetime,
                             hours: int) -> None:
    if previous is None:
        raise Conflict("尚未提交，无法更正 / nothing submitted yet to correct", code="nothing_to_correct")
    first = session.exec(select(Submission).where(Submission.visit_id == visit_id, Submission.version == 1)).one()
    if now > first.submitted_at + timedelta(hours=hours):
        raise Conflict(f"已超过{hours}小时更正时限 / the {hours}-hour correction window has closed",
                       code="correction_window_closed")


def validate_results(session: Session, visit: Visit, data: SubmissionIn, asked: dict[str, Asked]) -> set[int]:
    """Every asked item answered once; nothing unknown or not applicable; photos where required.
    Returns the photos the results name."""
    problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    all_known = {item.code for kind in checklists.kinds() for item in checklists.latest(kind).items}
    photo_ids: set[int] = set()
    for index, given in enumerate(data.results):
        where = ["results", index]
        code = given.item_code
        if code in seen:
            problems.append({"loc": where, "item_code": code, "problem": "duplicate", "message": "同一检查项重复提交"})
            continue
        seen.add(code)
        if code not in all_known:
            problems.append({"loc": where, "item_code": code, "problem": "unknown_item", "message": "未知检查项"})
            continue
        if code not in asked:
            problems.append({"loc": where, "item_code": code, "problem": "not_applicable_item",
                             "message": "该检查项不适用于本企业或本次检查"})
            continue
        item = asked[code].item
        if given.result == ItemResult.FAIL and item.photo_required and not given.photo_ids:
            problems.append({"loc": where, "item_code": code, "problem": "photo_required",
                             "message": "不合格项须附现场照片"})
        if given.fixed_on_spot and (given.result != ItemResult.FAIL or item.deadline_days != 0):
            problems.append({"loc": where, "item_code": code, "problem": "not_fixable_on_spot",
                             "message": "仅限期为0天（立即整改）的不合格项可当场整改"})
        if given.fixed_on_spot and not given.after_photo_ids:
            problems.append({"loc": where, "item_code": code, "problem": "after_photo_required",
                             "message": "当场整改须附整改后照片"})
        if given.party and asked[code].kind != "FCZ":
            problems.append({"loc": where, "item_code": code, "problem": "party_not_allowed",
                             "message": "仅厂中厂检查项可指定责任方"})
        photo_ids.update(given.photo_ids)
        photo_ids.update(given.after_photo_ids)
    for code in asked:
        if code not in seen:
            problems.append({"loc": ["results"], "item_code": code, "problem": "missing_item",
                             "message": "缺少检查项结果"})
    problems.extend(_photo_problems(session, visit.id, visit.enterprise_id, photo_ids))
    if problems:
        raise InvalidInput(f"提交内容有{len(problems)}处问题 / {len(problems)} problem(s) in the submission",
                           code="invalid_submission", details=problems)
    return photo_ids


def _photo_problems(session: Session, visit_id: int | None, enterprise_id: int, ids: set[int]
                    ) -> list[dict[str, Any]]:
    if not ids:
        return []
    photos = {p.id: p for p in session.exec(select(Photo).where(col(Photo.id).in_(ids))).all()}
    problems = []
    for photo_id in sorted(ids):
        photo = photos.get(photo_id)
        if photo is None or (photo.visit_id not in (None, visit_id)) or (
                photo.enterprise_id not in (None, enterprise_id)):
            problems.append({"loc": ["results"], "photo_id": photo_id, "problem": "unknown_photo",
                             "message": "照片不存在或不属于本次检查"})
    return problems


def _attach_photos(session: Session, plan: Plan, data: SubmissionIn) -> None:
    ids = {pid for given in data.results for pid in [*given.photo_ids, *given.after_photo_ids]}
    if ids:
        session.execute(update(Photo).where(col(Photo.id).in_(ids))
                        .values(visit_id=plan.visit_id, enterprise_id=plan.enterprise_id))


@dataclass(frozen=True)
class ResultView:
    """A stored result, read-only (cheaper than an ORM object; results are never edited, only superseded)."""

    submission_id: int
    department_id: int
    item_code: str
    kind: str
    outcome: ItemResult
    note: str
    photo_ids: list[int]
    fixed_on_spot: bool
    after_photo_ids: list[int]
    party: Party | None
    raise_to_major: bool
    deadline_days: int | None


def results_of(session: Session, submission_id: int) -> list[ResultView]:
    cached = session.info.get("results", {}).get(submission_id)
    if cached is not None:
        return cached
    columns = [getattr(Result, name) for name in ResultView.__dataclass_fields__]
    rows = session.exec(select(*columns).where(Result.submission_id == submission_id)  # type: ignore[call-overload]
                        .order_by(col(Result.id))).all()
    return [ResultView(*row) for row in rows]


def attach_signature(session: Session, visit_id: int, photo_id: int, *, actor: Actor) -> Visit:
    visit = get_visible(session, visit_id, actor)
    ensure_on_visit(session, visit, actor)
    if visit.status != VisitStatus.SUBMITTED:
        raise Conflict("请先提交检查结果再签名 / submit the visit before signing", code="visit_not_submitted")
    visit.signature_photo_id = photo_id
    session.add(visit)
    session.flush()
    return visit
