"""一案一档: everything the office holds on one hazard, gathered for its case file.

What goes in: every instrument issued for the hazard (the 现场检查记录 it was found in: each department's own
record of its part, or the visit's one record on visits numbered as a whole; the orders, the 复查意见书,
现场处理措施决定书 and 不予行政处罚决定书) rendered by the existing renderers, the photos (before, after, evidence,
治理方案) as stored originals with their hashes, the evidence and its review decisions, extension decisions, and
the audit events of the visit it was found on, the hazard, its evidence, orders and decisions, each chain
checked. ``casefile_zip`` writes
it; nothing here knows HTTP or where the photos are stored. PDFs are rendered when written, one at a time.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from hazards.documents import data as documents_data
from hazards.documents import render
from hazards.documents import signed as signed_documents
from hazards.loop import majors, records
from hazards.models import Evidence, Extension, Hazard, OrderHazard, PenaltyRuling, RectificationOrder
from hazards.rules import instruments as rule_instruments
from hazards.signoff import instruments as instrument_titles
from hazards.signoff.instruments import InstrumentRef
from hazards.signoff.models import ServiceReceipt
from inspection import audit
from inspection.errors import NotPermitted
from inspection.field import visits as visit_service
from inspection.identity.access import Actor
from inspection.models import Department, Enterprise, Event, Photo, User, Visit
from schemas.enums import Role

ROLE_LABELS = {"before": "检查时照片", "after": "整改后照片", "evidence": "整改材料照片", "plan": "治理方案"}
ENTITY_LABELS = {"visit": "检查", "visit_part": "检查记录", "hazard": "隐患", "evidence": "整改材料", "order": "文书",
                 "onsite_decision": "现场处理措施决定"}


@dataclass(frozen=True)
class CaseDocument:
    """One instrument in the file; ``render`` makes its PDF when the file is written."""

    title: str
    number: str
    issued_at: datetime | None
    file_stem: str
    render: Callable[[], bytes]


@dataclass(frozen=True)
class CasePhoto:
    role: str  # before / after / evidence / plan
    photo: Photo
    uploader: str
    evidence_id: int | None = None


@dataclass(frozen=True)
class ChainCheck:
    entity: str
    entity_id: int
    events: int
    problem: str = ""  # empty: the chain links and every event matches its hash

    @property
    def ok(self) -> bool:
        return not self.problem


@dataclass(frozen=True)
class CaseFile:
    hazard: Hazard
    enterprise: Enterprise
    department: Department
    documents: list[CaseDocument]
    photos: list[CasePhoto]
    evidence: list[Evidence]
    extensions: list[Extension]
    events: list[Event]
    chains: list[ChainCheck]
    names: dict[int, str] = field(default_factory=dict)  # user id -> full name, for the people named

    @property
    def chains_ok(self) -> bool:
        return all(c.ok for c in self.chains)


def ensure_may_export(hazard: Hazard, actor: Actor) -> None:
    """The office, or an inspector of the department the hazard belongs to."""
    if actor.role in (Role.OFFICE, Role.ADMIN):
        return
    if actor.role == Role.INSPECTOR and actor.department_id == hazard.department_id:
        return
    raise NotPermitted("只有安委办或该隐患所属部门的执法人员可以导出案卷 / only the office or the hazard's "
                       "department may export its case file", code="not_your_department")


def check_chain(entity: str, entity_id: int, events: Sequence[Event]) -> ChainCheck:
    """One entity's chain (its events in id order): each links to the one before and matches its hash. An event
    written before per-entity chains links into the old global chain: its content is checked against its own
    ``prev_hash``."""
    head = audit.GENESIS
    for event in events:
        if event.entity_chain and event.prev_hash != head:
            return ChainCheck(entity, entity_id, len(events), f"事件 #{event.id} 与前一事件不衔接（有事件被删除？）")
        if audit.event_hash(event.prev_hash, event) != event.hash:
            return ChainCheck(entity, entity_id, len(events), f"事件 #{event.id} 内容与哈希不符（被改动）")
        head = event.hash
    return ChainCheck(entity, entity_id, len(events))


def _documents(session: Session, hazard: Hazard, *, secret: str, base_url: str,
               photo_path: documents_data.PhotoPath) -> list[CaseDocument]:
    """Every instrument issued for the hazard, printed as the single PDFs are: signatures (or the refusal),
    number and content hash on every page, each department's own title."""
    def ref(kind: str, row_id: int, visit_id: int | None, inspectors: Sequence[int], number: str,
            title: str) -> InstrumentRef:
        return InstrumentRef(kind, row_id, hazard.enterprise_id, visit_id, tuple(inspectors), number, title)

    def document(title: str, number: str, at: datetime, instrument: InstrumentRef) -> CaseDocument:
        return CaseDocument(title, number, at, f"{title}{number}", lambda: signed_documents.printed_instrument(
            session, instrument, photo_path=photo_path, secret=secret, base_url=base_url).pdf)

    found: list[CaseDocument] = []
    if hazard.visit_id is not None and (visit := session.get(Visit, hazard.visit_id)) is not None:
        parts = [] if visit.record_number else records.numbered_parts(session, visit.id or 0)
        for part in parts:  # each department's own record of its part (issue 16)
            number = part.record_number or ""
            found.append(document(render.VISIT_TITLE, number, part.submitted_at or visit.started_at or
                                  visit.created_at, ref("visit_part", part.id or 0, visit.id,
                                                        records.part_inspector_ids(session, part), number,
                                                        render.VISIT_TITLE)))
        if not parts:  # numbered once as a whole (or not numbered: an old visit)
            found.append(document(render.VISIT_TITLE, visit.record_number or "", visit.started_at or visit.created_at,
                                  ref("visit", visit.id or 0, visit.id,
                                      visit_service.inspector_ids(session, visit.id or 0), visit.record_number or "",
                                      render.VISIT_TITLE)))
    orders = session.exec(select(RectificationOrder).join(OrderHazard, col(OrderHazard.order_id) ==
                                                          RectificationOrder.id)
                          .where(OrderHazard.hazard_id == hazard.id).order_by(col(RectificationOrder.id))).all()
    for order in orders:
        title = instrument_titles.order_title(session, order.kind, order.department_id)
        found.append(document(title, order.number, order.issued_at, ref(
            "order", order.id or 0, order.visit_id, order.inspector_ids, order.number, title)))
    for decision in majors.decisions_of(session, hazard.id or 0):
        title = rule_instruments.onsite_measures().title
        found.append(document(title, decision.number, decision.issued_at, ref(
            "onsite_decision", decision.id or 0, decision.visit_id, decision.inspector_ids, decision.number, title)))
    rulings = session.exec(select(PenaltyRuling).where(PenaltyRuling.hazard_id == hazard.id,
                                                       col(PenaltyRuling.number).is_not(None))
                           .order_by(col(PenaltyRuling.id))).all()
    for ruling in rulings:
        title = rule_instruments.exemption().title
        found.append(document(title, ruling.number or "", ruling.decided_at, ref(
            "exemption", ruling.id or 0, hazard.visit_id, ruling.inspector_ids, ruling.number or "", title)))
    found.extend(_receipts(session, found, photo_path=photo_path))
    return found


def _receipts(session: Session, documents: Sequence[CaseDocument], *, photo_path: documents_data.PhotoPath
              ) -> list[CaseDocument]:
    """The 送达回执 of the case's instruments (how, to whom and when each was served)."""
    numbers = {d.number for d in documents if d.number}
    if not numbers:
        return []
    rows = session.exec(select(ServiceReceipt).where(col(ServiceReceipt.document_number).in_(sorted(numbers)))
                        .order_by(col(ServiceReceipt.id))).all()

    def pdf(receipt: ServiceReceipt) -> bytes:
        data = signed_documents.load_receipt_document(session, receipt)
        return render.receipt_pdf(data, signed_documents.receipt_signature(session, receipt, photo_path))

    return [CaseDocument(f"送达回执（{r.document_title}）", r.document_number, r.served_at,
                         f"送达回执-{r.document_title}{r.document_number}", lambda r=r: pdf(r)) for r in rows]


def _photos(session: Session, hazard: Hazard, evidence: Sequence[Evidence]) -> list[CasePhoto]:
    wanted: list[tuple[str, int, int | None]] = [("before", i, None) for i in hazard.before_photo_ids]
    sent = {i for ev in evidence for i in ev.photo_ids}
    wanted += [("after", i, None) for i in hazard.after_photo_ids if i not in sent]
    for ev in evidence:
        wanted += [("evidence", i, ev.id) for i in ev.photo_ids] + [("plan", i, ev.id) for i in ev.plan_photo_ids]
    planned = {i for ev in evidence for i in ev.plan_photo_ids}
    wanted += [("plan", i, None) for i in hazard.plan_photo_ids if i not in planned]
    ids = {i for _, i, _ in wanted}
    rows = {p.id: p for p in session.exec(select(Photo).where(col(Photo.id).in_(ids))).all()} if ids else {}
    people = _names(session, {p.uploaded_by for p in rows.values()})
    return [CasePhoto(role, rows[i], people.get(rows[i].uploaded_by, ""), ev) for role, i, ev in wanted if i in rows]


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {u.id or 0: u.full_name for u in session.exec(select(User).where(col(User.id).in_(ids))).all()}


def load_case(session: Session, hazard: Hazard, *, secret: str, base_url: str,
              photo_path: documents_data.PhotoPath) -> CaseFile:
    """The case file of ``hazard`` (the caller checked ``ensure_may_export``)."""
    hazard_id = hazard.id or 0
    evidence = list(session.exec(select(Evidence).where(Evidence.hazard_id == hazard_id)
                                 .order_by(col(Evidence.id))).all())
    extensions = list(session.exec(select(Extension).where(Extension.hazard_id == hazard_id)
                                   .order_by(col(Extension.id))).all())
    documents = _documents(session, hazard, secret=secret, base_url=base_url, photo_path=photo_path)
    keys: list[tuple[str, int]] = [("visit", hazard.visit_id)] if hazard.visit_id is not None else []
    if hazard.visit_id is not None:  # the departments' own records (their signatures are audited on them)
        keys += [("visit_part", p.id or 0) for p in records.numbered_parts(session, hazard.visit_id)]
    keys += [("hazard", hazard_id)] + [("evidence", e.id or 0) for e in evidence]
    order_ids = session.exec(select(OrderHazard.order_id).where(OrderHazard.hazard_id == hazard_id)
                             .order_by(col(OrderHazard.order_id))).all()
    keys += [("order", i) for i in order_ids]
    keys += [("onsite_decision", d.id or 0) for d in majors.decisions_of(session, hazard_id)]
    events: list[Event] = []
    chains: list[ChainCheck] = []
    for entity, entity_id in keys:
        history = audit.history(session, entity, entity_id)
        events += history
        chains.append(check_chain(entity, entity_id, history))
    events.sort(key=lambda e: e.id or 0)
    enterprise = session.get(Enterprise, hazard.enterprise_id)
    department = session.get(Department, hazard.department_id)
    assert enterprise is not None and department is not None
    people: set[int] = {e.actor_id for e in events if e.actor_id is not None}
    people |= {e.submitted_by for e in evidence} | {e.reviewed_by for e in evidence if e.reviewed_by}
    people |= {x.requested_by for x in extensions} | {x.decided_by for x in extensions if x.decided_by}
    return CaseFile(hazard=hazard, enterprise=enterprise, department=department, documents=documents,
                    photos=_photos(session, hazard, evidence), evidence=evidence, extensions=extensions,
                    events=events, chains=chains, names=_names(session, people))


def event_row(event: Event, names: dict[int, str]) -> dict[str, Any]:
    return {"id": event.id, "entity": event.entity, "entity_id": event.entity_id, "action": event.action,
            "actor": names.get(event.actor_id or 0, "系统") if event.actor_id else "系统", "at": event.at,
            "before": event.before, "after": event.after, "reason": event.reason, "prev_hash": event.prev_hash,
            "hash": event.hash}
