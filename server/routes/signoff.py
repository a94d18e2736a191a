"""Sign-off of instruments: signatures as their own capture (re-signing with a reason, refusals with a witness),
the content hash printed on every page, consent to electronic service and the 送达回执 (REFERENCE §G.7, §G.8).

Instruments are named by kind and id: ``visit`` (现场检查记录; the departments' own records printed together),
``visit_part`` (one department's own 现场检查记录), ``order`` (指令书 / 复查意见书),
``onsite_decision`` (现场处理措施决定书), ``exemption`` (不予行政处罚决定书)."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from hazards.documents import render
from hazards.documents import signed as signed_documents
from hazards.signoff import instruments, serving, signatures
from hazards.signoff.models import ServiceReceipt
from inspection.registry import enterprises as enterprise_service
from inspection.types import utcnow
from schemas.common import Id
from schemas.signoff import (
    ConsentIn,
    ConsentPublic,
    DigestPart,
    DigestPublic,
    InstrumentKind,
    InstrumentSignatureIn,
    ReceiptPublic,
    RefusalIn,
    RevokeIn,
    ServiceIn,
    SignaturePublic,
)
from server.auth import CurrentActor
from server.db import SessionDep, WriteSessionDep
from server.media import photo_store
from server.routes.documents import PDF, pdf_response, photo_resolver
from server.settings import get_settings

router = APIRouter(tags=["documents"])

DOCUMENT = "/documents/{kind}/{document_id}"


def receipt_out(receipt: ServiceReceipt) -> ReceiptPublic:
    return ReceiptPublic.model_validate({**receipt.model_dump(),
                                         "pdf_url": f"/api/v1/service-receipts/{receipt.id}.pdf"})


@router.get(f"{DOCUMENT}/signatures", response_model=list[SignaturePublic])
def list_signatures(kind: InstrumentKind, document_id: Id, session: SessionDep, actor: CurrentActor
                    ) -> list[SignaturePublic]:
    """Every signature and refusal on the instrument, superseded ones included (with the reason for re-signing)."""
    ref = instruments.get(session, kind.value, document_id, actor)
    return [SignaturePublic.model_validate(row) for row in signatures.history(session, ref.kind, ref.id)]


@router.post(f"{DOCUMENT}/signatures", response_model=SignaturePublic, status_code=201)
def sign_instrument(kind: InstrumentKind, document_id: Id, body: InstrumentSignatureIn, session: WriteSessionDep,
                    actor: CurrentActor) -> SignaturePublic:
    """Sign with a signature capture (POST /photos with purpose=signature, uploaded by you). The enterprise
    signs on the inspector's pad or in the portal; an inspector for himself. Signing again needs a reason."""
    ref = instruments.get(session, kind.value, document_id, actor)
    row = signatures.sign(session, ref, party=body.party.value, photo_id=body.photo_id, signer_name=body.signer_name,
                          reason=body.reason, actor=actor, now=utcnow())
    out = SignaturePublic.model_validate(row)
    session.commit()
    return out


@router.post(f"{DOCUMENT}/refusal", response_model=SignaturePublic, status_code=201)
def record_refusal(kind: InstrumentKind, document_id: Id, body: RefusalIn, session: WriteSessionDep,
                   actor: CurrentActor) -> SignaturePublic:
    """The enterprise refused to sign: the reason and a witness, printed instead of its signature."""
    ref = instruments.get(session, kind.value, document_id, actor)
    row = signatures.refuse(session, ref, refusal_reason=body.refusal_reason, witness=body.witness,
                            signer_name=body.signer_name, reason=body.reason, actor=actor, now=utcnow())
    out = SignaturePublic.model_validate(row)
    session.commit()
    return out


@router.get(f"{DOCUMENT}/digest", response_model=DigestPublic)
def instrument_digest(kind: InstrumentKind, document_id: Id, session: SessionDep, actor: CurrentActor,
                      code: Annotated[str | None, Query(pattern="^[0-9a-f]{1,64}$")] = None) -> DigestPublic:
    """The content hash of the instrument as it prints today; ``code``: the 校验码 read off a printed page."""
    ref = instruments.get(session, kind.value, document_id, actor)
    settings = get_settings()
    whole, parts = signed_documents.digests_of(session, ref, secret=settings.secret_key,
                                               base_url=settings.public_base_url)

    def matches(digest: signed_documents.Digest) -> bool:
        return code is not None and digest.sha256.startswith(code) and len(code) >= len(digest.printed)

    return DigestPublic(kind=kind, id=document_id, number=ref.number, sha256=whole.sha256, printed=whole.printed,
                        matches=None if code is None else any(matches(d) for d in (whole, *parts)),
                        parts=[DigestPart(kind=InstrumentKind(d.kind), id=d.id, number=d.number, sha256=d.sha256,
                                          printed=d.printed, matches=None if code is None else matches(d))
                               for d in parts])


@router.get(f"{DOCUMENT}/service", response_model=list[ReceiptPublic])
def list_service(kind: InstrumentKind, document_id: Id, session: SessionDep, actor: CurrentActor
                 ) -> list[ReceiptPublic]:
    ref = instruments.get(session, kind.value, document_id, actor)
    return [receipt_out(r) for r in serving.receipts_of(session, ref.kind, ref.id)]


@router.post(f"{DOCUMENT}/service", response_model=ReceiptPublic, status_code=201)
def serve_instrument(kind: InstrumentKind, document_id: Id, body: ServiceIn, session: WriteSessionDep,
                     actor: CurrentActor) -> ReceiptPublic:
    """Record the 送达回执: 直接送达 (with the recipient's signature capture), 留置送达 (reason, witnesses,
    place), 电子送达 (only under the enterprise's 电子送达确认书) or 邮寄送达 (tracking number)."""
    ref = instruments.get(session, kind.value, document_id, actor)
    receipt = serving.serve(session, ref, method=body.method.value, recipient_name=body.recipient_name,
                            served_at=body.served_at, place=body.place, signature_photo_id=body.signature_photo_id,
                            left_reason=body.left_reason, witnesses=body.witnesses, address=body.address,
                            actor=actor, now=utcnow())
    out = receipt_out(receipt)
    session.commit()
    return out


@router.get("/service-receipts/{receipt_id:int}.pdf", response_class=Response, responses=PDF)
def receipt_document(receipt_id: Id, session: SessionDep, actor: CurrentActor) -> Response:
    receipt = serving.get_receipt(session, receipt_id, actor)
    data = signed_documents.load_receipt_document(session, receipt)
    signature = signed_documents.receipt_signature(session, receipt, photo_resolver(photo_store()))
    return pdf_response(render.receipt_pdf(data, signature), f"{data.title}{data.document_number}",
                        f"service-receipt-{receipt_id}.pdf")


@router.get("/enterprises/{enterprise_id}/service-consents", response_model=list[ConsentPublic])
def list_consents(enterprise_id: Id, session: SessionDep, actor: CurrentActor) -> list[ConsentPublic]:
    enterprise_service.get_visible(session, enterprise_id, actor)
    return [ConsentPublic.model_validate(c) for c in serving.consents_of(session, enterprise_id)]


@router.post("/enterprises/{enterprise_id}/service-consents", response_model=ConsentPublic, status_code=201)
def record_consent(enterprise_id: Id, body: ConsentIn, session: WriteSessionDep, actor: CurrentActor
                   ) -> ConsentPublic:
    """电子送达确认书: who agreed, when, to which address (portal account, e-mail, mobile)."""
    enterprise_service.get_visible(session, enterprise_id, actor)
    consent = serving.record_consent(session, enterprise_id, signer_name=body.signer_name, channel=body.channel.value,
                                     address=body.address, agreed_at=body.agreed_at,
                                     document_photo_id=body.document_photo_id, actor=actor, now=utcnow())
    out = ConsentPublic.model_validate(consent)
    session.commit()
    return out


@router.post("/service-consents/{consent_id}/revoke", response_model=ConsentPublic)
def revoke_consent(consent_id: Id, body: RevokeIn, session: WriteSessionDep, actor: CurrentActor) -> ConsentPublic:
    consent = serving.revoke_consent(session, consent_id, reason=body.reason, actor=actor, now=utcnow())
    out = ConsentPublic.model_validate(consent)
    session.commit()
    return out
