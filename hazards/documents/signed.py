"""What the sign-off adds to a printed instrument: the signatures in force (or the refusal) stamped on every
page, the 送达回执 as a document, and the content hash of any instrument by kind and id (to check a printed
copy). Access control stays with the caller (``hazards.signoff.instruments.get``)."""

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from hazards.documents import data as documents_data
from hazards.documents import render
from hazards.documents.content import EnterpriseInfo, ReceiptDocument, SignedBy
from hazards.documents.data import PhotoPath
from hazards.documents.digest import content_digest, printed
from hazards.loop import records
from hazards.rules import service_law
from hazards.signoff import signatures
from hazards.signoff.instruments import InstrumentRef
from hazards.signoff.models import ServiceConsent, ServiceReceipt
from inspection.clock import local
from inspection.errors import NotFound
from inspection.models import Department, Enterprise, Photo, User, Visit, VisitDepartment


def load_signed(session: Session, kind: str, document_id: int, *, photo_path: PhotoPath) -> SignedBy:
    rows = signatures.current(session, kind, document_id)
    enterprise = next((row for row in rows if row.party == "enterprise"), None)
    image = None
    if enterprise is not None and enterprise.photo_id is not None:
        photo = session.get(Photo, enterprise.photo_id)
        image = photo_path(photo) if photo is not None else None
    officers = []
    for row in rows:
        if row.party == "inspector" and row.photo_id is not None:
            photo = session.get(Photo, row.photo_id)
            officers.append((row.signer_name, photo_path(photo) if photo is not None else None))
    refusal = signatures.refusal_text(enterprise) if enterprise is not None and enterprise.refused else ""
    return SignedBy(enterprise=image, refusal=refusal, inspectors=tuple(officers))


def load_part_signed(session: Session, part: VisitDepartment, *, photo_path: PhotoPath) -> SignedBy:
    """The signatures on one department's record: its own (kind ``visit_part``), else those given on the visit's
    record as a whole (the pad signs the records printed together: the enterprise's signature, or its refusal,
    and each inspector's own stand on his department's record)."""
    own = load_signed(session, "visit_part", part.id or 0, photo_path=photo_path)
    whole = load_signed(session, "visit", part.visit_id, photo_path=photo_path)
    enterprise = own if own.enterprise is not None or own.refusal else whole
    officers = dict(whole.inspectors) | dict(own.inspectors)
    return SignedBy(enterprise=enterprise.enterprise, refusal=enterprise.refusal, inspectors=tuple(officers.items()))


@dataclass(frozen=True)
class Printed:
    """An instrument ready to print: its content, the PDF bytes and the file names; ``parts``: the documents
    printed together in it, each with its own number and content hash ((kind, id, number, content))."""

    content: Any
    pdf: bytes
    name: str
    fallback: str
    parts: tuple[tuple[str, int, str, Any], ...] = ()


def _visit_parts(session: Session, visit_id: int, *, photo_path: PhotoPath) -> Printed | None:
    """A visit whose departments' parts have their own records: those records one after the other."""
    visit = session.get(Visit, visit_id)
    parts = records.numbered_parts(session, visit_id) if visit is not None and not visit.record_number else []
    if not parts:
        return None
    documents = [(documents_data.load_part_document(session, part.id or 0, photo_path=photo_path),
                  load_part_signed(session, part, photo_path=photo_path)) for part in parts]
    numbers = "、".join(document.number for document, _ in documents)
    content = documents[0][0] if len(documents) == 1 else tuple(document for document, _ in documents)
    return Printed(content, render.visit_records_pdf(documents),
                   f"{render.VISIT_TITLE}{numbers}", f"visit-{visit_id}.pdf",
                   tuple(("visit_part", part.id or 0, document.number, document)
                         for part, (document, _) in zip(parts, documents, strict=True)))


def printed_instrument(session: Session, ref: InstrumentRef, *, photo_path: PhotoPath, secret: str,
                       base_url: str) -> Printed:
    """Load and render the instrument ``ref`` with its signatures."""
    if ref.kind == "visit_part":
        part = documents_data.get_part(session, ref.id)
        record = documents_data.load_part_document(session, ref.id, photo_path=photo_path)
        return Printed(record, render.visit_record_pdf(record, load_part_signed(session, part, photo_path=photo_path)),
                       f"{render.VISIT_TITLE}{record.number}", f"visit-{part.visit_id}-part-{ref.id}.pdf")
    if ref.kind == "visit" and (together := _visit_parts(session, ref.id, photo_path=photo_path)) is not None:
        return together
    signed = load_signed(session, ref.kind, ref.id, photo_path=photo_path)
    if ref.kind == "visit":
        visit = documents_data.load_visit_document(session, ref.id, photo_path=photo_path)
        return Printed(visit, render.visit_record_pdf(visit, signed), f"{render.VISIT_TITLE}{visit.number}",
                       f"visit-{ref.id}.pdf")
    if ref.kind == "order" and ref.title == render.REINSPECTION_TITLE:
        record = documents_data.load_reinspection_record(session, ref.id)
        return Printed(record, render.reinspection_pdf(record, signed), f"{ref.title}{ref.number}",
                       f"reinspection-{ref.id}.pdf")
    if ref.kind == "order":
        order = documents_data.load_order_document(session, ref.id, secret=secret, base_url=base_url)
        return Printed(order, render.order_pdf(order, signed), f"{ref.title}{ref.number}", f"order-{ref.id}.pdf")
    if ref.kind == "onsite_decision":
        measures = documents_data.load_measures_document(session, ref.id)
        return Printed(measures, render.measures_pdf(measures, signed), f"{ref.title}{ref.number}",
                       f"onsite-decision-{ref.id}.pdf")
    exemption = documents_data.load_exemption_document(session, ref.id)
    return Printed(exemption, render.exemption_pdf(exemption, signed), f"{ref.title}{ref.number}",
                   f"exemption-{ref.id}.pdf")


@dataclass(frozen=True)
class Digest:
    kind: str
    id: int
    number: str
    sha256: str
    printed: str


def digests_of(session: Session, ref: InstrumentRef, *, secret: str, base_url: str) -> tuple[Digest, list[Digest]]:
    """The instrument's content hash as it prints today, and for records printed together (a visit's departments'
    records) each one's, as printed on its own pages."""
    done = printed_instrument(session, ref, photo_path=lambda _photo: None, secret=secret, base_url=base_url)
    whole = content_digest(done.content)
    parts = [Digest(kind, part_id, number, (full := content_digest(content)), printed(full))
             for kind, part_id, number, content in done.parts]
    return Digest(ref.kind, ref.id, ref.number, whole, printed(whole)), parts


def digest_of(session: Session, ref: InstrumentRef, *, secret: str, base_url: str) -> tuple[str, str]:
    """(full SHA-256, printed prefix) of the instrument's canonical content as it prints today."""
    whole, _ = digests_of(session, ref, secret=secret, base_url=base_url)
    return whole.sha256, whole.printed


def load_receipt_document(session: Session, receipt: ServiceReceipt) -> ReceiptDocument:
    enterprise = session.get(Enterprise, receipt.enterprise_id)
    recorder = session.get(User, receipt.recorded_by)
    department = session.get(Department, recorder.department_id) if recorder and recorder.department_id else None
    method = service_law.methods()[receipt.method]
    consent = ""
    if receipt.consent_id is not None:
        row = session.get(ServiceConsent, receipt.consent_id)
        if row is not None:
            consent = (f"{row.signer_name}于{local(row.agreed_at):%Y年%m月%d日}签署{service_law.consent_title()}，"
                       f"同意以{service_law.consent_channels().get(row.channel, row.channel)}接收文书")
    if enterprise is None:
        raise NotFound("送达回执不存在 / service receipt not found")
    return ReceiptDocument(
        authority=department.name if department else "", enterprise=EnterpriseInfo(
            enterprise.name, enterprise.credit_code, enterprise.address),
        document_title=receipt.document_title, document_number=receipt.document_number, method=method.label,
        basis=method.basis.printed, recipient=receipt.recipient_name, served_at=receipt.served_at,
        server=recorder.full_name if recorder else "", place=receipt.place, address=receipt.address,
        consent=consent, left_reason=receipt.left_reason, witnesses=tuple(receipt.witnesses))


def receipt_signature(session: Session, receipt: ServiceReceipt, photo_path: PhotoPath) -> Any:
    if receipt.signature_photo_id is None:
        return None
    photo = session.get(Photo, receipt.signature_photo_id)
    return photo_path(photo) if photo is not None else None
