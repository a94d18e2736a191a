"""Fill the printable documents' dataclasses from the database; ``hazards.documents.render`` renders them.

Access control stays with the caller (``orders.get_visible`` / ``visits.get_visible``); these loaders only
read. What the domain may not know arrives as arguments: the token secret and public URL of the portal link,
and ``photo_path``, which maps a photo row to its display file on disk, or None.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from hazards.documents.content import (
    AdviceRow,
    DepartmentSection,
    EnterpriseInfo,
    ExemptionDocument,
    Inspector,
    LinkedOrder,
    MeasuresDocument,
    OrderDocument,
    OrderItem,
    PhotoRef,
    ReinspectionDocument,
    ReinspectionItem,
    Representative,
    ResultRow,
    VisitDocument,
)
from hazards.documents.render import DEFAULT_NEXT_STEP, NEXT_STEPS, REINSPECTION_STATES
from hazards.loop import advice, findings, orders, records
from hazards.models import Hazard, OnSiteDecision, PenaltyDecision, PenaltyRuling, RectificationOrder
from hazards.rules import appeals, department_orders, instruments, leniency
from inspection.clock import local_date
from inspection.errors import InvalidInput, NotFound
from inspection.field import checklists, submissions
from inspection.field import visits as visit_service
from inspection.identity import tokens
from inspection.models import Department, Enterprise, Photo, PlantSite, Submission, User, Visit, VisitDepartment
from schemas.enums import HazardLevel, HazardStatus, ItemResult, Party

PhotoPath = Callable[[Photo], Path | None]  # a photo -> its display JPEG on disk, or None
ORDER_LINK_DAYS = 180  # the portal link printed on an order stays valid this long after issue
ORDER_PURPOSE = "order"


# --- shared lookups -----------------------------------------------------------------------------------------

def _enterprise(session: Session, enterprise_id: int) -> EnterpriseInfo:
    enterprise = session.get(Enterprise, enterprise_id)
    assert enterprise is not None
    return EnterpriseInfo(enterprise.name, enterprise.credit_code, enterprise.address)


def _department(session: Session, department_id: int) -> Department:
    department = session.get(Department, department_id)
    assert department is not None
    return department


def _inspectors(session: Session, user_ids: Sequence[int]) -> tuple[Inspector, ...]:
    """The people in the order given, each with 执法证号 and department name."""
    if not user_ids:
        return ()
    rows = session.exec(select(User, Department).join(Department, col(Department.id) == User.department_id,
                                                      isouter=True).where(col(User.id).in_(user_ids))).all()
    by_id = {user.id: Inspector(user.full_name, user.cert_no or "", department.name if department else "")
             for user, department in rows}
    return tuple(by_id[uid] for uid in user_ids if uid in by_id)


def _photos(session: Session, ids: Iterable[int]) -> dict[int, Photo]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {p.id: p for p in session.exec(select(Photo).where(col(Photo.id).in_(wanted))).all() if p.id is not None}


def _codes(photos: Mapping[int, Photo], ids: Sequence[int]) -> tuple[str, ...]:
    return tuple(photos[i].verify_code for i in ids if i in photos)


def _get_order(session: Session, order_id: int) -> RectificationOrder:
    order = session.get(RectificationOrder, order_id)
    if order is None:
        raise NotFound("整改指令书不存在 / order not found")
    return order


# --- 责令限期整改指令书 ------------------------------------------------------------------------------------

def order_token(secret: str, order: RectificationOrder) -> str:
    return tokens.sign(secret, ORDER_PURPOSE, {"o": order.id},
                       expires_at=order.issued_at + timedelta(days=ORDER_LINK_DAYS))


def order_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/portal/orders/{token}"


def _standard_text(hazard: Hazard) -> str:
    try:
        item = checklists.get(hazard.kind, hazard.checklist_version).item(hazard.item_code)
    except KeyError:  # an item from a checklist version no longer shipped: print what the hazard stored
        return ""
    return item.text if item else ""


def _linked(session: Session, order: RectificationOrder) -> LinkedOrder | None:
    if order.linked_order_id is None:
        return None
    other = session.get(RectificationOrder, order.linked_order_id)
    if other is None:
        return None
    parties = {h.party for h in orders.hazards_of(session, other.id or 0)}
    if parties & {Party.LANDLORD, Party.TENANT}:
        role = "landlord" if Party.LANDLORD in parties else "tenant"
    else:
        landlord = session.exec(select(PlantSite.id).where(PlantSite.landlord_id == other.enterprise_id)).first()
        role = "landlord" if landlord is not None else "tenant"
    return LinkedOrder(other.number, _enterprise(session, other.enterprise_id).name, role)


def _order_item(hazard: Hazard, photos: Mapping[int, Photo]) -> OrderItem:
    # once the office has set a major hazard's completion date, the printed date is that, not the plan's
    plan_due = hazard.plan_required and not getattr(hazard, "deadline_set_by_office", False)
    party = hazard.party.value if hazard.party in (Party.LANDLORD, Party.TENANT) else ""
    return OrderItem(
        code=hazard.item_code, description=hazard.description, legal_basis=hazard.legal_basis,
        due_date=local_date(hazard.due_at), major=hazard.level == HazardLevel.MAJOR, standard=_standard_text(hazard),
        photo_codes=_codes(photos, hazard.before_photo_ids), party=party, plan_due=plan_due,
        immediate=hazard.deadline_days == 0,
    )


def load_order_document(session: Session, order_id: int, *, secret: str, base_url: str) -> OrderDocument:
    order = _get_order(session, order_id)
    department = _department(session, order.department_id)
    bodies = appeals.for_district(department.district_short)  # §G.12, from data
    listed = orders.hazards_of(session, order_id)
    notes = orders.void_notes(session, listed)
    hazards = [h for h in listed if h.status != HazardStatus.VOIDED]
    photos = _photos(session, (pid for h in hazards for pid in h.before_photo_ids))
    token = order_token(secret, order)
    department = _department(session, order.department_id)
    instrument = department_orders.for_department(department.code)  # the department's own (REFERENCE §G.3)
    return OrderDocument(
        authority=department.name, number=order.number, title=instrument.title, clause=instrument.clause,
        short_name=instrument.short_name, unverified_note=instrument.footer_note,
        enterprise=_enterprise(session, order.enterprise_id), items=tuple(_order_item(h, photos) for h in hazards),
        inspectors=_inspectors(session, order.inspector_ids), issued_on=local_date(order.issued_at),
        portal_url=order_url(base_url, token), linked=_linked(session, order),
        voided=tuple(note.text for note in notes.values()),
        review_body=bodies.review_body, court=bodies.court,
    )


# --- 现场检查记录 ----------------------------------------------------------------------------------------------

def _item_text(kind: str, version: int | None, code: str) -> str:
    try:
        item = checklists.get(kind, version).item(code)
    except KeyError:
        return code
    return item.text if item else code


def _printed_outcome(result: submissions.ResultView, route: findings.Route | None) -> str:
    if route is None:
        return result.outcome.value
    return "advice" if route.advisory else "referred"


def _record_document(session: Session, visit: Visit, parts: Sequence[Submission],
                     departments: Sequence[Department], *, photo_path: PhotoPath, inspector_ids: Sequence[int],
                     number: str, authority: str, note: str = "") -> VisitDocument:
    """A 现场检查记录 of ``parts`` (current submissions), one section per department in ``departments``."""
    visit_id = visit.id or 0
    submission = parts[-1] if parts else None
    by_part = {part.id: submissions.results_of(session, part.id or 0) for part in parts}
    results = submissions.standing_only([r for part in parts for r in by_part[part.id]])
    photos = _photos(session, [*(p for r in results for p in r.photo_ids + r.after_photo_ids),
                               *([visit.signature_photo_id] if visit.signature_photo_id else [])])

    def refs(ids: Sequence[int], *, after: bool) -> tuple[PhotoRef, ...]:
        return tuple(PhotoRef(photos[i].verify_code, photo_path(photos[i]), photos[i].captured_at, after)
                     for i in ids if i in photos)

    issued = session.exec(select(RectificationOrder).where(RectificationOrder.visit_id == visit_id,
                                                           RectificationOrder.kind == "rectification")
                          .order_by(col(RectificationOrder.id))).all()
    versions = {kind: version for part in parts for kind, version in part.checklists.items()}
    routes = {code: route for part in parts  # 提示项 are advice, other departments' items referred: no hazard
              for code, route in findings.route(session, part, by_part[part.id]).items()}
    advised = [a for part in parts for a in advice.of_part(session, part)]
    sections = []
    for department in departments:
        rows = tuple(
            ResultRow(code=r.item_code, text=_item_text(r.kind, versions.get(r.kind), r.item_code),
                      outcome=_printed_outcome(r, routes.get(r.item_code)), note=r.note,
                      fixed_on_spot=r.fixed_on_spot,
                      photos=refs(r.photo_ids, after=False) + refs(r.after_photo_ids, after=True)
                      if r.outcome == ItemResult.FAIL else ())
            for r in results if r.department_id == department.id)
        numbers = tuple(o.number for o in issued if o.department_id == department.id)
        hints = tuple(AdviceRow(a.item_code, a.text, a.basis, a.note) for a in advised
                      if a.department_id == department.id)
        sections.append(DepartmentSection(department.name, rows, numbers,
                                          department_orders.for_department(department.code).title, hints))
    signature = photos.get(visit.signature_photo_id or 0)
    return VisitDocument(
        authority=authority, visit_id=visit_id, enterprise=_enterprise(session, visit.enterprise_id),
        visited_at=visit.started_at or (submission.captured_at or submission.submitted_at if submission else None),
        inspectors=_inspectors(session, inspector_ids), sections=tuple(sections), source=visit.source.value,
        version=max((part.version for part in parts), default=1),
        signature=photo_path(signature) if signature else None,
        submitted=submission is not None, number=number,
        representative=Representative(visit.representative_name or "", visit.representative_title or "",
                                      visit.representative_phone or ""),
        place=visit.place_inspected or "",
        ended_at=visit.ended_at or visit.submitted_at,
        credentials_shown=visit.credentials_shown, recusal_explained=visit.recusal_explained, note=note,
    )


def _get_visit(session: Session, visit_id: int) -> Visit:
    visit = session.get(Visit, visit_id)
    if visit is None:
        raise NotFound("检查记录不存在 / visit not found")
    return visit


def load_visit_document(session: Session, visit_id: int, *, photo_path: PhotoPath) -> VisitDocument:
    """The visit's 现场检查记录 as one document: a visit numbered once as a whole (``Visit.record_number``), or
    one with no part submitted yet. A visit whose parts have their own records prints those
    (``load_part_document``)."""
    visit = _get_visit(session, visit_id)
    departments = session.exec(
        select(Department).join(VisitDepartment, col(VisitDepartment.department_id) == Department.id)
        .where(VisitDepartment.visit_id == visit_id).order_by(col(Department.priority), col(Department.id))).all()
    return _record_document(
        session, visit, submissions.current_submissions(session, visit_id), departments, photo_path=photo_path,
        inspector_ids=sorted(visit_service.inspector_ids(session, visit_id)), number=visit.record_number or "",
        authority=_department(session, visit.lead_department_id).name)


def get_part(session: Session, part_id: int) -> VisitDepartment:
    part = session.get(VisitDepartment, part_id)
    if part is None or not part.record_number:
        raise NotFound("检查记录不存在 / no such record")
    return part


def load_part_document(session: Session, part_id: int, *, photo_path: PhotoPath) -> VisitDocument:
    """One department's part of a visit as its own 现场检查记录 (REFERENCE §G.7, issue 16): its own number,
    its department as the authority, only its items, results and findings, its own inspectors."""
    part = get_part(session, part_id)
    visit = _get_visit(session, part.visit_id)
    department = _department(session, part.department_id)
    current = submissions.current_submission(session, part.visit_id, part.department_id)
    document = _record_document(
        session, visit, [current] if current is not None else [], [department], photo_path=photo_path,
        inspector_ids=records.part_inspector_ids(session, part), number=part.record_number or "",
        authority=department.name, note=instruments.record_form(department.code).footer_note)
    if document.ended_at is None:  # the visit is not complete yet: this part ended when it was submitted
        document = replace(document, ended_at=part.submitted_at or (current.submitted_at if current else None))
    return document


# --- 整改复查意见书 --------------------------------------------------------------------------------------------

def _outcome(value: Any) -> dict[str, Any]:
    return {"state": value} if isinstance(value, str) else dict(value)


def check_outcomes(hazards: Sequence[Hazard], outcomes: Mapping[Any, Any]) -> dict[int, dict[str, Any]]:
    """Outcomes keyed by hazard id (int or its string, as JSON stores it), each a hazard of the order with a
    known final state and next step. Which items a re-inspection must cover is the workflow's rule
    (``hazard_service.reinspect``: every hazard not yet closed), not the printer's."""
    given = {int(key): _outcome(value) for key, value in outcomes.items()}
    problems: list[dict[str, Any]] = []
    ids = {h.id for h in hazards}
    if not given:
        problems.append({"problem": "no_outcomes", "message": "未填写复查结果"})
    for hazard in hazards:
        outcome = given.get(hazard.id or 0)
        if outcome is None:
            continue
        if outcome.get("state") not in REINSPECTION_STATES:
            problems.append({"hazard_id": hazard.id, "problem": "unknown_state",
                             "message": f"复查结果须为 {'/'.join(REINSPECTION_STATES)}"})
        elif outcome.get("next_step", "") not in ("", *NEXT_STEPS):
            problems.append({"hazard_id": hazard.id, "problem": "unknown_next_step",
                             "message": f"处理须为 {'/'.join(NEXT_STEPS)}"})
    problems += [{"hazard_id": key, "problem": "not_in_order", "message": "该隐患不在原指令书中"}
                 for key in sorted(set(given) - ids)]
    if problems:
        raise InvalidInput("复查结果有误 / invalid re-inspection outcomes", code="invalid_outcomes",
                           details=problems)
    return given


def load_reinspection_document(session: Session, order_id: int, outcomes: Mapping[Any, Any], *, number: str,
                               reinspected_at: datetime, inspector_ids: Sequence[int],
                               department_id: int | None = None) -> ReinspectionDocument:
    """The 整改复查意见书 for the originating order ``order_id``: one row per hazard given an outcome,
    ``{hazard_id: "rectified"}`` or ``{hazard_id: {"state", "next_step", "note", "photo_ids"}}``, in the
    order's sequence. The deadline printed is the hazard's current one (a new one after 未整改)."""
    order = _get_order(session, order_id)
    hazards = orders.hazards_of(session, order_id)
    given = check_outcomes(hazards, outcomes)
    photos = _photos(session, (pid for o in given.values() for pid in o.get("photo_ids", [])))
    items = []
    for hazard in hazards:
        outcome = given.get(hazard.id or 0)
        if outcome is None:
            continue
        items.append(ReinspectionItem(
            code=hazard.item_code, description=hazard.description, due_date=local_date(hazard.due_at),
            state=outcome["state"], next_step=outcome.get("next_step") or DEFAULT_NEXT_STEP[outcome["state"]],
            note=outcome.get("note", ""), photo_codes=_codes(photos, outcome.get("photo_ids", [])),
        ))
    return ReinspectionDocument(
        authority=_department(session, department_id or order.department_id).name, number=number,
        enterprise=_enterprise(session, order.enterprise_id), basis_number=order.number,
        reinspected_on=local_date(reinspected_at), items=tuple(items), inspectors=_inspectors(session, inspector_ids),
    )


def load_reinspection_record(session: Session, reinspection_id: int) -> ReinspectionDocument:
    """A stored 整改复查意见书 (an order row of kind ``reinspection`` whose ``outcomes`` hold the results)."""
    record = _get_order(session, reinspection_id)
    if record.kind != "reinspection" or record.based_on_order_id is None:
        raise NotFound("整改复查意见书不存在 / re-inspection record not found")
    document = load_reinspection_document(
        session, record.based_on_order_id, record.outcomes or {}, number=record.number,
        reinspected_at=record.issued_at, inspector_ids=record.inspector_ids, department_id=record.department_id)
    return replace(document, resumption=resumption_text(record.resumption))


def resumption_text(resumption: Mapping[str, Any] | None) -> str:
    """The 恢复生产 decision as printed on the 复查意见书, naming the 现场处理措施决定书 it concerns."""
    if not resumption:
        return ""
    numbers = "、".join(resumption.get("decisions", []))
    title = instruments.onsite_measures().title
    text = (f"经现场复查审查，本机关同意你单位恢复生产经营和相关设施、设备的使用，{title}（{numbers}）所列措施解除。"
            if resumption.get("approved") else
            f"经现场复查审查，重大事故隐患尚未消除，本机关不同意恢复生产经营和使用，{title}（{numbers}）所列措施继续执行。")
    return text + (f"说明：{resumption['note']}" if resumption.get("note") else "")


# --- 现场处理措施决定书 ----------------------------------------------------------------------------------------

def load_measures_document(session: Session, decision_id: int) -> MeasuresDocument:
    decision = session.get(OnSiteDecision, decision_id)
    if decision is None:
        raise NotFound("现场处理措施决定书不存在 / on-site decision not found")
    hazards = session.exec(select(Hazard).where(col(Hazard.id).in_(decision.hazard_ids))
                           .order_by(col(Hazard.id))).all()
    instrument = instruments.onsite_measures()
    labels = instruments.measure_labels()
    department = _department(session, decision.department_id)
    return MeasuresDocument(
        authority=department.name, number=decision.number,
        enterprise=_enterprise(session, decision.enterprise_id),
        items=tuple(_order_item(h, {}) for h in hazards), measures=tuple(labels[m] for m in decision.measures),
        basis=instrument.basis_text, resume_clause=str(instrument.extra["resume_clause"]),
        appeal=appeals.for_district(department.district_short).notice("决定"),
        inspectors=_inspectors(session, decision.inspector_ids),
        issued_on=local_date(decision.issued_at), note=decision.note, title=instrument.title)


# --- 不予行政处罚决定书 ----------------------------------------------------------------------------------------

def load_exemption_document(session: Session, ruling_id: int) -> ExemptionDocument:
    """The 不予行政处罚决定书 of a ruling that decided not to punish (it has a number)."""
    ruling = session.get(PenaltyRuling, ruling_id)
    if ruling is None or not ruling.number:
        raise NotFound("不予行政处罚决定书不存在 / no such decision")
    hazard = session.get(Hazard, ruling.hazard_id)
    assert hazard is not None
    recommendation = session.exec(select(PenaltyDecision).where(PenaltyDecision.hazard_id == hazard.id)).first()
    rules = leniency.load_list()
    instrument = instruments.exemption()
    closed = f"，已于{local_date(hazard.closed_at).isoformat()}整改完毕" if hazard.closed_at else ""
    facts = (f"{local_date(hazard.found_at).isoformat()}，本机关检查发现你单位{hazard.description}"
             f"（检查项 {hazard.item_code}），责令限期至{local_date(hazard.due_at).isoformat()}前整改{closed}。")
    supersedes = ""
    if ruling.supersedes_id is not None:
        earlier = session.get(PenaltyRuling, ruling.supersedes_id)
        if earlier is not None:
            supersedes = (f"本决定变更本机关{earlier.decided_at.date().isoformat()}作出的决定"
                          f"{f'（{earlier.number}）' if earlier.number else ''}，理由：{ruling.note}")
    department = _department(session, ruling.department_id)
    return ExemptionDocument(
        authority=department.name, number=ruling.number,
        enterprise=_enterprise(session, hazard.enterprise_id), offence=ruling.offence, facts=facts,
        list_name=rules.name, list_source=f"{rules.version}，{rules.valid_from.isoformat()}起施行",
        reasons=tuple(recommendation.reasons if recommendation else ()), basis=instrument.basis_text,
        appeal=appeals.for_district(department.district_short).notice("决定"),
        inspectors=_inspectors(session, ruling.inspector_ids),
        decided_on=local_date(ruling.decided_at), supersedes=supersedes, title=instrument.title)
