import collections
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlmodel import Session, col, select

from hazards.loop import advice, deadlines, intake, shared
from hazards.rules import department_law
from inspection.errors import DomainError
from inspection.field import checklists, submissions
from inspection.field import visits as visit_service
from inspection.identity.access import Actor
from inspection.models import Department, Enterprise, Submission, User, Visit, VisitDepartment, VisitInspector
from inspection.types import utcnow
from schemas.common import Day, ErrorBody, Id, Offset
from schemas.enterprises import EnterpriseRef
from schemas.enums import HazardLevel, ItemResult, Role, VisitStatus
from schemas.visits import (
    AdviceOut,
    AskedItem,
    AskedSection,
    PartWithdrawIn,
    ResultPublic,
    SubmissionIn,
    SubmissionPublic,
    SyncIn,
    SyncItemOut,
    SyncOut,
    VisitCancelIn,
    VisitChecklist,
    VisitCreate,
    VisitDepartmentOut,
    VisitInspectorOut,
    VisitInspectorsIn,
    VisitPublic,
    VisitStart,
)
from server import db
from server.auth import CurrentActor
from server.db import SessionDep, WriteSessionDep
from server.errors import status_for
from server.settings import get_settings

router = APIRouter(tags=["visits"])


def visits_out(session: Session, visits: list[Visit]) -> list[VisitPublic]:
    """Visits with their enterprise, departments and inspectors, in a fixed number of statements."""
    ids = [v.id for v in visits if v.id is not None]
    departments: dict[int, list[VisitDepartmentOut]] = collections.defaultdict(list)
    people: dict[int, list[VisitInspectorOut]] = collections.defaultdict(list)
    visit_status = {v.id: v.status for v in visits}
    if ids:
        links = session.exec(
            select(VisitDepartment, Department).join(Department, col(Department.id) == VisitDepartment.department_id)
            .where(col(VisitDepartment.visit_id).in_(ids)).order_by(col(Department.priority))).all()
        for link, d in links:
            part = "withdrawn" if link.withdrawn_at else "submitted" if link.submitted_at or (
                visit_status.get(link.visit_id) == VisitStatus.SUBMITTED) else "open"
            departments[link.visit_id].append(VisitDepartmentOut(
                department_id=d.id or 0, code=d.code, name=d.name, kinds=link.kinds, part=part,
                submitted_at=link.submitted_at,
                withdrawn_reason=link.withdrawn_reason, part_id=link.id or 0, record_number=link.record_number))
        for visit_id, u in session.exec(
                select(VisitInspector.visit_id, User).join(User, col(User.id) == VisitInspector.user_id)
                .where(col(VisitInspector.visit_id).in_(ids)).order_by(col(User.id))).all():
            people[visit_id].append(VisitInspectorOut(user_id=u.id or 0, full_name=u.full_name,
                                                      department_id=u.department_id or 0, certified=bool(u.cert_no)))
    enterprises = enterprise_refs(session, {v.enterprise_id for v in visits})
    return [VisitPublic.model_validate({
        **visit.model_dump(),
        # numbered once as a whole, or its departments' own records (one number on a one-department visit)
        "record_number": visit.record_number or "、".join(
            d.record_number for d in departments[visit.id or 0] if d.record_number) or None,
        "enterprise": enterprises[visit.enterprise_id],
        "departments": departments[visit.id or 0],
        "inspectors": people[visit.id or 0],
    }) for visit in visits]


def enterprise_refs(session: Session, ids: set[int]) -> dict[int, EnterpriseRef]:
    """Enterprise id -> its reference: those the session holds already, the others in one statement."""
    refs: dict[int, EnterpriseRef] = {}
    for enterprise_id in ids:
        held = session.identity_map.get(session.identity_key(Enterprise, enterprise_id))
        if held is not None:
            refs[enterprise_id] = EnterpriseRef.model_validate(held)
    if missing := ids - refs.keys():
        for row in session.exec(select(Enterprise.id, Enterprise.name, Enterprise.credit_code, Enterprise.street)
                                .where(col(Enterprise.id).in_(missing))).all():
            refs[row.id] = EnterpriseRef(id=row.id, name=row.name, credit_code=row.credit_code, street=row.street)
    return refs


def visit_out(session: Session, visit: Visit) -> VisitPublic:
    return visits_out(session, [visit])[0]


def submission_out(session: Session, outcome: intake.Outcome) -> SubmissionPublic:
    submission = outcome.submission
    results = submissions.results_of(session, submission.id or 0)
    return SubmissionPublic(
        **submission.model_dump(include={"id", "visit_id", "department_id", "version", "client_uuid",
                                         "supersedes_id", "submitted_at", "captured_at", "checklists"}),
        results=[ResultPublic.model_validate(r) for r in results],
        hazard_ids=[h.id for h in outcome.hazards if h.id is not None],
        order_ids=[o.id for o in outcome.orders if o.id is not None],
        advice=outcome.advice, referral_ids=[r.id for r in outcome.referrals if r.id is not None],
        replayed=outcome.replayed,
    )


def policy() -> deadlines.DeadlinePolicy:
    return deadlines.DeadlinePolicy()


@router.get("/visits", response_model=list[VisitPublic])
def list_visits(session: SessionDep, actor: CurrentActor, assigned: Annotated[str | None, Query(pattern="^me$")] = None,
                day: Annotated[Day | None, Query(alias="date")] = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 200,
                offset: Offset = 0) -> list[VisitPublic]:
    """The work list: `?assigned=me&date=2026-11-25` for an inspector's day; at most `limit` visits (planned
    date, then id), from `offset`."""
    rows = visit_service.work_list(session, actor=actor, day=day, assigned_to_me=assigned == "me", limit=limit,
                                   offset=offset)
    return visits_out(session, rows)


@router.post("/visits", response_model=VisitPublic, status_code=201,
             responses={200: {"model": VisitPublic, "description": "a replay: the visit this client key made"}})
def create_visit(body: VisitCreate, session: WriteSessionDep, actor: CurrentActor, response: Response
                 ) -> VisitPublic:
    """With a `client_uuid`, a retried request returns the first request's visit (200) instead of a second one."""
    if (earlier := visit_service.replay_of(session, body, actor=actor)) is not None:
        response.status_code = 200
        return visit_out(session, earlier)
    visit = visit_service.create(session, body, actor=actor, now=utcnow())
    session.commit()
    return visit_out(session, visit)


@router.get("/visits/{visit_id}", response_model=VisitPublic)
def read_visit(visit_id: Id, session: SessionDep, actor: CurrentActor) -> VisitPublic:
    return visit_out(session, visit_service.get_visible(session, visit_id, actor))


@router.post("/visits/{visit_id}/start", response_model=VisitPublic)
def start_visit(visit_id: Id, body: VisitStart, session: WriteSessionDep, actor: CurrentActor) -> VisitPublic:
    visit = visit_service.start(session, visit_id, body, actor=actor, now=utcnow(),
                                far_meters=get_settings().far_start_meters)
    session.commit()
    return visit_out(session, visit)


@router.put("/visits/{visit_id}/inspectors", response_model=VisitPublic)
def change_inspectors(visit_id: Id, body: VisitInspectorsIn, session: WriteSessionDep, actor: CurrentActor
                      ) -> VisitPublic:
    """The inspectors of a visit not yet submitted (the office: anyone's; an inspector: their department's)."""
    visit = visit_service.set_inspectors(session, visit_id, body.inspector_ids, actor=actor, now=utcnow())
    session.commit()
    return visit_out(session, visit)


@router.post("/visits/{visit_id}/cancel", response_model=VisitPublic)
def cancel_visit(visit_id: Id, body: VisitCancelIn, session: WriteSessionDep, actor: CurrentActor) -> VisitPublic:
    """Cancel a visit not yet submitted, with the reason; its planned tasks go back to the merge."""
    visit = visit_service.cancel(session, visit_id, body.reason, actor=actor, now=utcnow())
    session.commit()
    return visit_out(session, visit)


@router.post("/visits/{visit_id}/departments/{department_id}/withdraw", response_model=VisitPublic)
def withdraw_part(visit_id: Id, department_id: Id, body: PartWithdrawIn, session: WriteSessionDep,
                  actor: CurrentActor) -> VisitPublic:
    """One department withdraws its part of a visit before submitting it, with the reason (the office, or that
    department's inspectors); the visit is complete when every part is submitted or withdrawn. A shared check
    another part failed, which this department enforces, is referred to it (移送) rather than made its hazard."""
    now = utcnow()
    visit = visit_service.withdraw_part(session, visit_id, department_id, body.reason, actor=actor, now=now)
    shared.refer_withdrawn(session, visit_id, department_id, actor=actor, now=now)
    session.commit()
    return visit_out(session, visit)


@router.get("/visits/{visit_id}/checklist", response_model=VisitChecklist)
def visit_checklist(visit_id: Id, session: SessionDep, actor: CurrentActor,
                    department_id: Annotated[Id | None, Query()] = None) -> VisitChecklist:
    """The items asked at this visit. An inspector of a department on the visit gets that department's own part
    (or `?department_id=` asks for another's); otherwise every department's items, each once. A shared check
    another part answered already carries that answer: it stands, and may be left out of the submission."""
    visit, _enterprise = visit_service.get_visible_with_enterprise(session, visit_id, actor)  # held: read once
    everything = visit_service.asked_items(session, visit)
    part = department_id or (actor.department_id if actor.role == Role.INSPECTOR else None)
    if part is not None and not any(part in a.answering for a in everything) and department_id is None:
        part = None  # an inspector whose department is not on the visit sees the whole visit
    chosen = everything if part is None else visit_service.part_items(session, visit, part, everything)
    asked = {a.item.code: a for a in chosen}
    settled = submissions.answered_elsewhere(session, visit_id, part, asked) if part is not None else {}
    pinned = {a.kind: a.version for a in asked.values()}
    sections: list[AskedSection] = []
    part_department = session.get(Department, part) if part is not None else None
    part_code = part_department.code if part_department is not None else None
    for kind in sorted(pinned, key=checklists.askable_kinds().index):
        checklist = checklists.get(kind, pinned[kind])  # the version pinned for this visit, not the latest
        for section in checklist.sections:
            items = [_asked_item(asked[item.code], settled.get(item.code), part, part_code) for item in section.items
                     if item.code in asked]
            if items:
                sections.append(AskedSection(kind=kind, version=checklist.version, code=section.code,
                                             title=section.title, items=items))
    role, _ = visit_service.plant_role(session, visit.enterprise_id)
    return VisitChecklist(visit_id=visit.id or 0, enterprise_id=visit.enterprise_id, department_id=part,
                          plant_role=role, sections=sections)


def _asked_item(asked: visit_service.Asked, settled: tuple[int, ItemResult] | None = None, part: int | None = None,
                part_code: str | None = None) -> AskedItem:
    """A department's own part shows, for the items it enforces, the citations of its own law (what its order
    will print); the whole visit and a referred item show the item's whole basis."""
    item, where = asked.item, checklists.jurisdiction(asked.item)
    own = (department_law.own_citations(item, part_code, major=asked.major)
           if part_code is not None and part in asked.answering else [])
    return AskedItem(
        **item.model_dump(include={"code", "text", "gloss", "photo_required", "party"}),
        deadline_days=deadlines.hazard_days(item.deadline_days, major=asked.major),  # what the hazard will get
        legal_basis="；".join(own) or item.basis_text(major=asked.major),
        level=HazardLevel.MAJOR if asked.major else item.level,
        department_id=asked.department_id, departments=list(where.departments), advisory=where.advisory,
        shared=asked.shared, answered_by_department_id=settled[0] if settled else None,
        answer=settled[1] if settled else None, refer_to=asked.refer_to)


def _submit(session: Session, visit_id: Id, body: SubmissionIn, actor: Actor, *, correction: bool,
            plan: submissions.Plan | None = None) -> intake.Outcome:
    hours = get_settings().correction_hours if correction else None
    return intake.submit_visit(session, visit_id, body, actor=actor, now=utcnow(), policy=policy(),
                               correction_hours=hours, plan=plan)


def _check_then_submit(visit_id: Id, body: SubmissionIn, actor: Actor, *, correction: bool) -> Response:
    """Check the submission in a read transaction, then store it in a short write transaction: SQLite has
    one writer at a time, so the write slot is held only to re-check what may have moved and to insert.

    The sessions are opened here rather than as dependencies (each sync dependency costs two hops to the
    thread pool), and the answer is serialised once, already validated (``submission_out`` builds it)."""
    hours = get_settings().correction_hours if correction else None
    with db.reading() as reads:
        checked = submissions.check(reads, visit_id, body, actor=actor, now=utcnow(), correction_hours=hours)
        if isinstance(checked, Submission):  # a replay: the original result, nothing written
            return _json(submission_out(reads, intake.outcome_of(reads, checked, replayed=True)), 200)
    with db.writing() as session:
        outcome = _submit(session, visit_id, body, actor, correction=correction, plan=checked)
        session.commit()
        # replayed here: the same submission arrived twice at once, and the other one won
        return _json(submission_out(session, outcome), 200 if outcome.replayed else 201)


def _json(model: SubmissionPublic, status_code: int) -> Response:
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")


@router.post("/visits/{visit_id}/submissions", response_model=SubmissionPublic, status_code=201)
def submit_visit(visit_id: Id, body: SubmissionIn, actor: CurrentActor) -> Response:
    """Submit the inspector's department's part of the visit: every item of its part as pass / fail /
    not_applicable. Each department submits its own part, independently of the others. Atomic; replaying the
    same UUID returns the original result (200), a different payload under a used UUID is 409."""
    return _check_then_submit(visit_id, body, actor, correction=False)


@router.post("/visits/{visit_id}/corrections", response_model=SubmissionPublic, status_code=201)
def correct_visit(visit_id: Id, body: SubmissionIn, actor: CurrentActor) -> Response:
    """A corrected version of the results, within the correction window; hazards follow the new results."""
    return _check_then_submit(visit_id, body, actor, correction=True)


@router.get("/visits/{visit_id}/submissions", response_model=list[SubmissionPublic])
def visit_history(visit_id: Id, session: SessionDep, actor: CurrentActor) -> list[SubmissionPublic]:
    """Every version of the results, oldest first: corrections never overwrite history."""
    visit_service.get_visible(session, visit_id, actor)
    rows = session.exec(select(Submission).where(Submission.visit_id == visit_id).order_by(col(Submission.version)))
    return [submission_out(session, intake.outcome_of(session, s, replayed=False)) for s in rows.all()]


@router.get("/visits/{visit_id}/advice", response_model=list[AdviceOut])
def visit_advice(visit_id: Id, session: SessionDep, actor: CurrentActor) -> list[AdviceOut]:
    """The advice of the visit (提示项 failed, each department's part): for the enterprise, not hazards."""
    visit_service.get_visible(session, visit_id, actor)
    given = advice.of_visit(session, visit_id)
    names = {d.id: d.name for d in session.exec(select(Department).where(
        col(Department.id).in_({a.department_id for a in given}))).all()} if given else {}
    return [AdviceOut(item_code=a.item_code, text=a.text, note=a.note, department_id=a.department_id,
                      photo_ids=list(a.photo_ids), legal_basis=a.basis, department_name=names.get(a.department_id, ""))
            for a in given]


@router.post("/sync", response_model=SyncOut)
def sync(body: SyncIn, session: WriteSessionDep, actor: CurrentActor) -> SyncOut:
    """Submissions captured offline, sent when the signal returns; answered one by one. One bad submission
    does not sink the others."""
    answers: list[SyncItemOut] = []
    for item in body.submissions:
        data = SubmissionIn.model_validate(item.model_dump(exclude={"visit_id", "correction"}))
        try:
            with session.begin_nested():
                outcome = _submit(session, item.visit_id, data, actor, correction=item.correction)
                out = submission_out(session, outcome)
            answers.append(SyncItemOut(client_uuid=str(item.client_uuid), visit_id=item.visit_id,
                                       status="replayed" if outcome.replayed else "created",
                                       http_status=200 if outcome.replayed else 201, submission=out))
        except DomainError as exc:
            answers.append(SyncItemOut(client_uuid=str(item.client_uuid), visit_id=item.visit_id, status="error",
                                       http_status=status_for(exc),
                                       error=ErrorBody(code=exc.code, message=exc.message, details=exc.details)))
    session.commit()
    return SyncOut(results=answers)
