"""Submissions: a visit's results, checked then stored atomically; replays, corrections and their versions.

``check`` runs every rule in a read transaction and returns a ``Plan``; ``submit`` stores it in the write
transaction after re-checking only what another writer may have changed meanwhile. A shared check (several
departments on the visit enforce it) is answered by the part submitted first; a later part's first submission
may not change that answer (its different answer is only audited), a correction of any part may
(``standing_answers``).
"""

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, case, exists, func, insert, or_, update
from sqlmodel import Session, col, select

from inspection import audit
from inspection.errors import Conflict, InvalidInput, NotPermitted
from inspection.field import checklists
from inspection.field.visits import (
    Asked,
    asked_items,
    ensure_on_visit,
    get_visible_with_enterprise,
    part_items,
    record_details,
)
from inspection.identity.access import Actor, require_role
from inspection.models import Department, Photo, Result, Submission, Visit, VisitDepartment, VisitInspector
from schemas.enums import ItemResult, Party, Role, VisitSource, VisitStatus
from schemas.visits import ResultIn, SubmissionIn

# fields added later: left out of the hash when not given, so a phone's earlier submission still replays
_LATER_FIELDS = ("ended_at", "record")


def payload_hash(data: SubmissionIn) -> str:
    unset = {name for name in _LATER_FIELDS if getattr(data, name) is None}
    canonical = json.dumps(data.model_dump(mode="json", exclude=unset), sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# a department's part: its own submissions, or one from before parts (department null) that covered the visit
_OF_PART = or_(col(Submission.department_id) == bindparam("department_id"), col(Submission.department_id).is_(None))
_CURRENT = select(Submission).where(col(Submission.visit_id) == bindparam("visit_id"),
                                    col(Submission.is_current).is_(True), _OF_PART)
_CURRENT_PARTS = select(Submission).where(col(Submission.visit_id) == bindparam("visit_id"),
                                          col(Submission.is_current).is_(True)).order_by(col(Submission.id))
_PART = select(VisitDepartment).where(col(VisitDepartment.visit_id) == bindparam("visit_id"),
                                      col(VisitDepartment.department_id) == bindparam("department_id"))


def _replay(existing: Submission | None, data: SubmissionIn, *, visit_id: int) -> Submission | None:
    """The original submission if this is a replay; 409 if the UUID was used for something else."""
    if existing is None:
        return None
    if existing.visit_id != visit_id or existing.payload_hash != payload_hash(data):
        raise Conflict("该提交编号已用于不同内容 / this submission UUID was already used for a different payload",
                       code="idempotency_conflict", details={"submission_id": existing.id})
    return existing


def current_submission(session: Session, visit_id: int, department_id: int) -> Submission | None:
    """The current version of one department's part of a visit."""
    return session.execute(_CURRENT, {"visit_id": visit_id, "department_id": department_id}).scalars().first()


def current_submissions(session: Session, visit_id: int) -> list[Submission]:
    """The current version of every part submitted so far, in the order they were made."""
    return list(session.execute(_CURRENT_PARTS, {"visit_id": visit_id}).scalars().all())


def part_of(session: Session, visit: Visit, actor: Actor) -> VisitDepartment:
    """The actor's department's part of the visit: 403 if the department is not on it, 409 if withdrawn."""
    return _part(session.execute(_PART, {"visit_id": visit.id, "department_id": actor.department_id}
                                 ).scalars().first())


# the UUID's submission (a replay) and the part's current one, in one statement (see ``check``)
_BY_UUID_OR_CURRENT = select(Submission).where(or_(
    col(Submission.client_uuid) == bindparam("client_uuid"),
    and_(col(Submission.visit_id) == bindparam("visit_id"), col(Submission.is_current).is_(True), _OF_PART)))
_VI = VisitInspector.__table__  # type: ignore[attr-defined]
# the visit's parts with their departments' codes (in ``DEPARTMENTS_OF_VISIT``'s order), and whether the actor
# is one of the visit's inspectors, in one statement
_PARTS_ON_VISIT = (
    select(VisitDepartment, Department.code, exists().where(
        _VI.c.visit_id == bindparam("visit_id"), _VI.c.user_id == bindparam("user_id")).label("on_visit"))
    .join(Department, col(Department.id) == VisitDepartment.department_id)
    .where(col(VisitDepartment.visit_id) == bindparam("visit_id"))
    .order_by(col(Department.priority), col(Department.id)))


def _inspector_part(session: Session, visit: Visit, actor: Actor
                    ) -> tuple[VisitDepartment, list[tuple[Any, ...]]]:
    """``ensure_on_visit`` then ``part_of``, the same answers and errors in that order, and the visit's parts as
    ``asked_items`` reads them, in one statement."""
    require_role(actor, Role.INSPECTOR, action="record inspection results")
    rows = session.execute(_PARTS_ON_VISIT, {"visit_id": visit.id, "user_id": actor.user_id}).all()
    if not rows or not rows[0].on_visit:  # no part (rare): whether the actor is on the visit decides the error
        ensure_on_visit(session, visit, actor)
    part = next((link for link, _, _ in rows if link.department_id == actor.department_id), None)
    return _part(part), [(link.kinds, link.checklist_versions, link.department_id, code) for link, code, _ in rows]


def _part(link: VisitDepartment | None) -> VisitDepartment:
    if link is None:
        raise NotPermitted("您的部门未参加本次检查 / your department takes no part in this visit",
                           code="not_your_department")
    if link.withdrawn_at is not None:
        raise Conflict("本部门已撤回本次检查 / your department withdrew from this visit", code="part_withdrawn",
                       details={"reason": link.withdrawn_reason})
    return link


# the answers the current parts of a visit hold for some checks, oldest first: (item code, department, outcome)
_ANSWERS = (
    select(Result.item_code, Submission.department_id, Result.outcome)
    .join(Submission, col(Submission.id) == Result.submission_id)
    .where(col(Submission.visit_id) == bindparam("visit_id"), col(Submission.is_current).is_(True),
           col(Submission.department_id).is_not(None), col(Result.item_code).in_(bindparam("codes", expanding=True)))
    .order_by(col(Submission.id))
)


def standing_answers(session: Session, visit_id: int, codes: list[str]) -> dict[str, tuple[int, ItemResult]]:
    """The standing answer of each shared check among ``codes``: code -> (answering department, outcome).

    A shared check is answered once, by the part submitted first; a correction by any department that enforces
    it (a new version of its part answering it otherwise) replaces that answer. Both rows stay current in their
    parts' versions: the later one stands."""
    if not codes:
        return {}
    rows = session.execute(_ANSWERS, {"visit_id": visit_id, "codes": codes}).all()
    return {code: (department, outcome) for code, department, outcome in rows}  # the last row of a code wins


def answered_elsewhere(session: Session, visit_id: int, department_id: int, asked: dict[str, Asked]
                       ) -> dict[str, tuple[int, ItemResult]]:
    """Shared checks of this part whose standing answer another department's part gave: code -> (department,
    outcome). That answer stands: this part may leave the check out, and only a correction changes it."""
    standing = standing_answers(session, visit_id, [code for code, a in asked.items() if a.shared])
    return {code: answer for code, answer in standing.items() if answer[0] != department_id}


@dataclass(frozen=True)
class Plan:
    """A submission checked in full, and the state it was checked against (see ``submit``)."""

    visit_id: int
    enterprise_id: int
    previous_id: int | None
    previous_version: int
    asked: dict[str, Asked]
    photo_ids: frozenset[int]
    department_id: int = 0  # whose part this is
    settled: dict[str, tuple[int, ItemResult]] = field(default_factory=dict)  # shared checks answered already


def check(session: Session, visit_id: int, data: SubmissionIn, *, actor: Actor, now: datetime,
          correction_hours: int | None = None) -> Submission | Plan:
    """Every rule a submission must pass, reading only: the original submission for a replay, else a Plan.

    Routes run this before they take the database's write slot, so submissions from many phones are
    checked side by side and the write transaction only re-checks what may have moved and inserts.
    """
    visit, enterprise = get_visible_with_enterprise(session, visit_id, actor)  # held: asked_items reads it
    uuid = str(data.client_uuid)
    found = session.execute(_BY_UUID_OR_CURRENT, {"client_uuid": uuid, "visit_id": visit_id,
                                                  "department_id": actor.department_id}).scalars().all()
    replay = _replay(next((s for s in found if s.client_uuid == uuid), None), data, visit_id=visit_id)
    if replay is not None:
        return replay
    part, departments = _inspector_part(session, visit, actor)
    previous = found[0] if found else None  # the part's current submission (its department is the actor's)
    if correction_hours is None and previous is not None:
        raise Conflict("本次检查已提交，如需修改请提交更正 / already submitted: send a correction instead",
                       code="already_submitted", details={"submission_id": previous.id})
    if correction_hours is not None:
        _check_correction_window(session, previous, now=now, hours=correction_hours)
    if visit.status == VisitStatus.CANCELLED:
        raise Conflict("检查已取消 / visit cancelled", code="visit_not_open")
    everything = asked_items(session, visit, departments)
    asked = {a.item.code: a for a in part_items(session, visit, part.department_id, everything)}
    settled = answered_elsewhere(session, visit_id, part.department_id, asked)
    photo_ids = validate_results(session, visit, data, asked, uploader=actor.user_id, settled=settled,
                                 others=frozenset(a.item.code for a in everything) - set(asked))
    return Plan(visit_id, visit.enterprise_id, previous.id if previous else None,
                previous.version if previous else 0, asked, frozenset(photo_ids), part.department_id, settled)


# The write transaction's statements, built once: SQLAlchemy memoises a statement's cache key, so module-level
# statements skip building and keying on every submission, and Core skips the ORM's per-row bookkeeping.
# locks the visit's row (PostgreSQL; SQLite has one writer anyway): the parts of one visit are stored one after
# the other, so a shared check answered by a part committing meanwhile is seen, never answered twice
_SUBMISSIONS = Submission.__table__  # type: ignore[attr-defined]
_VISITS = Visit.__table__  # type: ignore[attr-defined]
_PARTS = VisitDepartment.__table__  # type: ignore[attr-defined]
_DEPARTMENTS = Department.__table__  # type: ignore[attr-defined]
_VISIT_STATUS = select(_VISITS.c.status).where(_VISITS.c.id == bindparam("visit_id")).with_for_update()
# what ``_still_holds`` re-reads, in one statement that takes the same lock: the visit's status (and its old whole
# record number), the submissions already using the UUID or current in this part (none: one row of nulls), and
# the part's department (what its record number is made of, ``hazards.loop.records``)
_LOCK_AND_SEEN = (
    select(_VISITS.c.status, _VISITS.c.record_number, _SUBMISSIONS.c.id, _DEPARTMENTS.c.code,
           _DEPARTMENTS.c.district_short, _PARTS.c.record_number.label("part_number"))
    .select_from(_VISITS.outerjoin(_SUBMISSIONS, or_(
        _SUBMISSIONS.c.client_uuid == bindparam("client_uuid"),
        and_(_SUBMISSIONS.c.visit_id == _VISITS.c.id, _SUBMISSIONS.c.is_current.is_(True),
             or_(_SUBMISSIONS.c.department_id == bindparam("department_id"),
                 _SUBMISSIONS.c.department_id.is_(None))))).outerjoin(
        _DEPARTMENTS, _DEPARTMENTS.c.id == bindparam("department_id")).outerjoin(
        _PARTS, and_(_PARTS.c.visit_id == _VISITS.c.id, _PARTS.c.department_id == bindparam("department_id"))))
    .where(_VISITS.c.id == bindparam("visit_id")).with_for_update(of=_VISITS))
_SUPERSEDE = update(_SUBMISSIONS).where(_SUBMISSIONS.c.id == bindparam("previous_id")).values(is_current=False)
_INSERT_SUBMISSION = insert(_SUBMISSIONS).returning(_SUBMISSIONS.c.id)
_INSERT_RESULTS = insert(Result.__table__)  # type: ignore[attr-defined]
_MARK_PART = update(_PARTS).where(_PARTS.c.visit_id == bindparam("part_visit"),
                                  _PARTS.c.department_id == bindparam("part_department")).values(
    submitted_at=func.coalesce(_PARTS.c.submitted_at, bindparam("now", type_=_PARTS.c.submitted_at.type)),
    record_number=func.coalesce(_PARTS.c.record_number, bindparam("number", type_=_PARTS.c.record_number.type)),
).returning(_PARTS.c.id, _PARTS.c.record_number)
# complete when no part is left open (neither submitted nor withdrawn); until then the visit is under way
_COMPLETE = ~exists().where(_PARTS.c.visit_id == _VISITS.c.id, _PARTS.c.submitted_at.is_(None),
                            _PARTS.c.withdrawn_at.is_(None))
_MARK_SUBMITTED = update(_VISITS).where(_VISITS.c.id == bindparam("visit_id")).values(
    status=case((_COMPLETE, VisitStatus.SUBMITTED.value), else_=VisitStatus.STARTED.value),
    submitted_at=case((_COMPLETE, func.coalesce(_VISITS.c.submitted_at,
                                                 bindparam("now", type_=_VISITS.c.submitted_at.type))),
                      else_=_VISITS.c.submitted_at),
    started_at=func.coalesce(_VISITS.c.started_at, bindparam("started", type_=_VISITS.c.started_at.type)))


def _still_holds(session: Session, plan: Plan, data: SubmissionIn, uploader: int) -> bool:
    """What a plan assumed and another writer may have changed since: the visit is not cancelled, its current
    submission is the same, the UUID is still unused, the photos still free. (Checklists and inspectors
    change on a human scale.)"""
    rows = session.connection().execute(_LOCK_AND_SEEN, {
        "client_uuid": str(data.client_uuid), "visit_id": plan.visit_id, "department_id": plan.department_id}).all()
    if not rows or rows[0].status == VisitStatus.CANCELLED:
        return False
    seen = [row.id for row in rows if row.id is not None]
    if seen != ([plan.previous_id] if plan.previous_id is not None else []):
        return False
    if answered_elsewhere(session, plan.visit_id, plan.department_id, plan.asked) != plan.settled:
        return False
    if plan.photo_ids and _photo_problems(session, plan.visit_id, plan.enterprise_id, set(plan.photo_ids),
                                          uploader):
        return False
    if rows[0].code is not None:  # what numbering the part needs, read here with the lock
        session.info["numbering"] = {"visit_number": rows[0].record_number, "code": rows[0].code,
                                     "district_short": rows[0].district_short, "visit": plan.visit_id,
                                     "department": plan.department_id, "record_number": rows[0].part_number}
    return True


Numbering = Callable[[Session, dict[str, Any]], str]


def submit(session: Session, visit_id: int, data: SubmissionIn, *, actor: Actor, now: datetime,
           correction_hours: int | None = None, plan: Plan | None = None, numbering: Numbering | None = None
           ) -> tuple[Submission, bool]:
    """Store a visit's results atomically. Returns (submission, replayed).

    ``numbering`` gives a part submitted for the first time its record number (``hazards.loop.records``), set
    with the part's submission in one statement, when this transaction's lock read what the number is made of
    (``session.info["numbering"]``); otherwise the caller numbers the part afterwards.

    With ``correction_hours`` set this is a correction: a new version superseding the current one, allowed
    within that many hours of the first submission. A ``plan`` from ``check`` (made before this transaction)
    is used if what it assumed still holds; otherwise, or without one, every rule is checked again here.
    """
    records = _records(plan, data, actor=actor, now=now) if plan is not None else None  # before any statement
    session.info.pop("numbering", None)
    if plan is None or plan.visit_id != visit_id:
        session.execute(_VISIT_STATUS, {"visit_id": visit_id})  # the lock _still_holds takes otherwise
    if plan is None or plan.visit_id != visit_id or not _still_holds(session, plan, data, actor.user_id):
        checked = check(session, visit_id, data, actor=actor, now=now, correction_hours=correction_hours)
        if isinstance(checked, Submission):
            return checked, True
        plan, records = checked, _records(checked, data, actor=actor, now=now)
    assert records is not None
    submission, rows = records
    connection = session.connection()  # Core statements: the session's ORM layer has nothing to do for them
    if plan.previous_id is not None:
        connection.execute(_SUPERSEDE, {"previous_id": plan.previous_id})
    submission.id = connection.execute(_INSERT_SUBMISSION, submission.model_dump(exclude={"id"})).scalar_one()
    for row in rows:
        row["submission_id"] = submission.id
    if rows:  # an empty list would be one INSERT of nothing but defaults, not none
        connection.execute(_INSERT_RESULTS, rows)  # one executemany; no ORM objects for 30-odd rows
    _attach_photos(session, plan, data)
    known = session.info.get("numbering")
    number = None
    if numbering is not None and known is not None and not known["visit_number"] and not known["record_number"]:
        number = numbering(session, known)  # the counter, in this transaction: gap-free as before
    part = connection.execute(_MARK_PART, {"part_visit": visit_id, "part_department": plan.department_id,
                                           "now": now, "number": number}).first()
    if known is not None and part is not None:
        known.update(part_id=part.id, record_number=part.record_number)
    connection.execute(_MARK_SUBMITTED, {"visit_id": visit_id, "now": now, "started": data.captured_at or now})
    after = {"submission_id": submission.id, "department_id": plan.department_id, "version": submission.version,
             "supersedes_id": submission.supersedes_id, "client_uuid": submission.client_uuid,
             "payload_hash": submission.payload_hash, "outcomes": dict(Counter(str(row["outcome"]) for row in rows))}
    if disagreements := _disagreements(plan, data):  # a shared check answered otherwise than the first answer
        after["shared_disagreements"] = disagreements
    if corrected := _shared_corrections(plan, data):  # a correction changed a shared check's standing answer
        after["shared_corrections"] = corrected
    audit.record(session, entity="visit", entity_id=visit_id, action="visit.submit", actor=actor, at=now,
                 after=after)
    session.info.setdefault("results", {})[submission.id] = [ResultView(**row) for row in rows]
    session.info.setdefault("plans", {})[submission.id] = plan  # what the hazards of shared checks follow
    if data.record is not None or data.ended_at is not None:
        record_details(session, visit_id, data.record, ended_at=data.ended_at, actor=actor, now=now)
    loaded = session.identity_map.get(session.identity_key(Visit, visit_id))
    if loaded is not None:  # loaded by a full check in this transaction: read it again when asked
        session.expire(loaded)
    return submission, False


def plan_of(session: Session, submission_id: int) -> Plan | None:
    """The plan a submission was stored by, in the transaction that stored it (None afterwards)."""
    plan: Plan | None = session.info.get("plans", {}).get(submission_id)
    return plan


def _records(plan: Plan, data: SubmissionIn, *, actor: Actor, now: datetime
             ) -> tuple[Submission, list[dict[str, Any]]]:
    """The submission and its result rows, built in Python before the write transaction needs them."""
    asked = plan.asked
    submission = Submission(
        client_uuid=str(data.client_uuid), payload_hash=payload_hash(data), visit_id=plan.visit_id,
        department_id=plan.department_id or None, version=plan.previous_version + 1, supersedes_id=plan.previous_id,
        submitted_by=actor.user_id, captured_at=data.captured_at, submitted_at=now, note=data.note,
        checklists={a.kind: a.version for a in asked.values()},
    )
    rows = [  # a shared check another part answered keeps that answer, unless a correction changes it
        {"submission_id": None, "department_id": asked[g.item_code].department_id, "item_code": g.item_code,
         "kind": asked[g.item_code].kind, "outcome": g.result, "note": g.note, "photo_ids": g.photo_ids,
         "fixed_on_spot": g.fixed_on_spot, "after_photo_ids": g.after_photo_ids,
         "party": g.party,  # the phone's, as sent: the server decides who is charged (hazards.loop.parties)
         "raise_to_major": g.raise_to_major, "deadline_days": g.deadline_days}
        for g in data.results if g.item_code not in plan.settled or _changes_shared(plan, g)
    ]
    return submission, rows


def _changes_shared(plan: Plan, given: ResultIn) -> bool:
    """A correction (a part's later version) answering a shared check otherwise than its standing answer: the
    new answer stands, for every department that enforces it (``hazards.loop.shared``)."""
    return plan.previous_id is not None and given.result != plan.settled[given.item_code][1]


def _disagreements(plan: Plan, data: SubmissionIn) -> list[dict[str, Any]]:
    """A first submission answering a shared check otherwise than the part that answered it first: kept here
    only (the first answer stands)."""
    return [{"item_code": g.item_code, "given": str(g.result), "standing": str(plan.settled[g.item_code][1]),
             "answered_by_department_id": plan.settled[g.item_code][0]}
            for g in data.results if g.item_code in plan.settled and g.result != plan.settled[g.item_code][1]
            and not _changes_shared(plan, g)]


def _shared_corrections(plan: Plan, data: SubmissionIn) -> list[dict[str, Any]]:
    """The shared checks this correction answers anew (audited on the visit)."""
    return [{"item_code": g.item_code, "from": str(plan.settled[g.item_code][1]), "to": str(g.result),
             "answered_by_department_id": plan.settled[g.item_code][0]}
            for g in data.results if g.item_code in plan.settled and _changes_shared(plan, g)]


def _check_correction_window(session: Session, previous: Submission | None, *, now: datetime, hours: int) -> None:
    if previous is None:
        raise Conflict("尚未提交，无法更正 / nothing submitted yet to correct", code="nothing_to_correct")
    first = previous
    while first.supersedes_id is not None:  # the part's first version
        earlier = session.get(Submission, first.supersedes_id)
        if earlier is None:
            break
        first = earlier
    if now > first.submitted_at + timedelta(hours=hours):
        raise Conflict(f"已超过{hours}小时更正时限 / the {hours}-hour correction window has closed",
                       code="correction_window_closed")


def validate_results(session: Session, visit: Visit, data: SubmissionIn, asked: dict[str, Asked], *,
                     uploader: int, settled: dict[str, tuple[int, ItemResult]] | None = None,
                     others: frozenset[str] = frozenset()) -> set[int]:
    """Every asked item answered once (a shared check another part answered already may be left out);
    nothing unknown or not applicable; photos where required. Returns the photos the results name."""
    settled = settled or {}
    problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    all_known = checklists.all_codes()  # every version's: a code of another version is "not applicable"
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
        if code in others:
            problems.append({"loc": where, "item_code": code, "problem": "other_department_item",
                             "message": "该检查项由参加本次检查的其他部门检查"})
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
        if given.fixed_on_spot and (asked[code].major or given.raise_to_major):
            problems.append({"loc": where, "item_code": code, "problem": "major_not_closable_on_spot",
                             "message": "重大事故隐患不得当场整改销号，须报送治理方案并经现场复查"})
        if given.fixed_on_spot and not given.after_photo_ids:
            problems.append({"loc": where, "item_code": code, "problem": "after_photo_required",
                             "message": "当场整改须附整改后照片"})
        if given.party and asked[code].kind != "FCZ":
            problems.append({"loc": where, "item_code": code, "problem": "party_not_allowed",
                             "message": "仅厂中厂检查项可指定责任方"})
        elif given.party and visit.source != VisitSource.LEASE and (problem := party_problem(
                item.party, given.party, given.note)):
            problems.append({"loc": where, "item_code": code, **problem})
        photo_ids.update(given.photo_ids)
        photo_ids.update(given.after_photo_ids)
    for code in asked:
        if code not in seen and code not in settled:
            problems.append({"loc": ["results"], "item_code": code, "problem": "missing_item",
                             "message": "缺少检查项结果"})
    problems.extend(_photo_problems(session, visit.id, visit.enterprise_id, photo_ids, uploader))
    if problems:
        raise InvalidInput(f"提交内容有{len(problems)}处问题 / {len(problems)} problem(s) in the submission",
                           code="invalid_submission", details=problems)
    return photo_ids


PARTY_ZH = {"landlord": "出租方", "tenant": "承租方", "both": "出租方和承租方"}


def party_problem(duty: str | None, given: Party, note: str) -> dict[str, str] | None:
    """厂中厂: the phone's party must agree with the item's (the checklist decides who is charged); a ``both``
    item may be narrowed to one side with a reason in the note. None: agreed."""
    if duty is None or given == duty:
        return None
    if duty == Party.BOTH and given in (Party.LANDLORD, Party.TENANT):
        if note.strip():
            return None
        return {"problem": "party_narrowing_needs_reason",
                "message": "本项为出租方和承租方共同责任，只认定一方须在备注中说明理由"}
    return {"problem": "party_disagrees",
            "message": f"责任方由检查项决定：本项为{PARTY_ZH.get(str(duty), str(duty))}责任"}


def _photo_problems(session: Session, visit_id: int | None, enterprise_id: int, ids: set[int], uploader: int
                    ) -> list[dict[str, Any]]:
    """Photos a submission may not use: unknown ones, another enterprise's, and another visit's unless the
    submitting inspector uploaded them (the phone's offline queue reuses its own photos' ids)."""
    if not ids:
        return []
    photos = {p.id: p for p in session.exec(select(Photo).where(col(Photo.id).in_(ids))).all()}
    problems = []
    for photo_id in sorted(ids):
        photo = photos.get(photo_id)
        if photo is None or (photo.visit_id not in (None, visit_id) and photo.uploaded_by != uploader) or (
                photo.enterprise_id not in (None, enterprise_id)):
            problems.append({"loc": ["results"], "photo_id": photo_id, "problem": "unknown_photo",
                             "message": "照片不存在或不属于本次检查"})
        elif photo.purpose is not None:  # a signature capture is never a finding
            problems.append({"loc": ["results"], "photo_id": photo_id, "problem": "not_a_photo",
                             "message": "签名图像不能作为检查照片"})
    return problems


def _attach_photos(session: Session, plan: Plan, data: SubmissionIn) -> None:
    ids = {pid for given in data.results for pid in [*given.photo_ids, *given.after_photo_ids]}
    if ids:
        # a photo already on another visit (the uploader's own, reused) stays that visit's
        session.execute(update(Photo).where(col(Photo.id).in_(ids), col(Photo.visit_id).is_(None))
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


def standing_only(results: list[ResultView]) -> list[ResultView]:
    """The current parts' results with each shared check once: a check two parts answered (a correction changed
    the first answer) keeps the later part's answer, the one that stands."""
    latest: dict[str, int] = {}
    for result in results:
        latest[result.item_code] = max(latest.get(result.item_code, 0), result.submission_id)
    return [r for r in results if r.submission_id == latest[r.item_code]]


def results_of(session: Session, submission_id: int) -> list[ResultView]:
    cached = session.info.get("results", {}).get(submission_id)
    if cached is not None:
        return cached
    columns = [getattr(Result, name) for name in ResultView.__dataclass_fields__]
    rows = session.exec(select(*columns).where(Result.submission_id == submission_id)  # type: ignore[call-overload]
                        .order_by(col(Result.id))).all()
    return [ResultView(*row) for row in rows]
