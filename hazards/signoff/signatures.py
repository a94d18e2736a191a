"""Signatures on instruments as their own capture (REFERENCE §G.7, E.2).

A signature is a photo of kind ``signature`` (``photo.purpose``), uploaded by whoever captured it for this
visit or enterprise — never a photo of the findings. The enterprise signs on the inspector's pad (an inspector
of the instrument captures it) or in the portal (a user of the enterprise); an inspector signs for himself.
Signing again is allowed only with a reason: the earlier signature stays, marked superseded, and both are in
the instrument's audit chain. A refusal to sign is recorded with its reason and a witness and printed instead
of the signature ("当事人拒绝签字").
"""

from datetime import datetime

from sqlmodel import Session, col, select

from hazards.signoff.instruments import InstrumentRef
from hazards.signoff.models import DocumentSignature
from inspection import audit
from inspection.errors import Conflict, InvalidInput, NotPermitted
from inspection.identity.access import Actor
from inspection.models import Photo
from schemas.enums import Role

PARTIES = ("enterprise", "inspector")
SIGNATURE_PURPOSE = "signature"


def current(session: Session, kind: str, document_id: int) -> list[DocumentSignature]:
    """The signatures in force (not superseded), enterprise first, then inspectors in the order they signed."""
    rows = session.exec(select(DocumentSignature).where(
        DocumentSignature.document_kind == kind, DocumentSignature.document_id == document_id,
        col(DocumentSignature.superseded_at).is_(None)).order_by(col(DocumentSignature.id))).all()
    return sorted(rows, key=lambda row: row.party != "enterprise")


def history(session: Session, kind: str, document_id: int) -> list[DocumentSignature]:
    return list(session.exec(select(DocumentSignature).where(
        DocumentSignature.document_kind == kind, DocumentSignature.document_id == document_id)
        .order_by(col(DocumentSignature.id))).all())


def _ensure_may_capture(ref: InstrumentRef, party: str, actor: Actor) -> None:
    if party not in PARTIES:
        raise InvalidInput("签名方须为 enterprise 或 inspector / party must be enterprise or inspector",
                           code="invalid_party")
    on_instrument = actor.role == Role.INSPECTOR and actor.user_id in ref.inspector_ids
    if party == "inspector" and not on_instrument:
        raise NotPermitted("只有本文书的执法人员可以签名 / only the instrument's inspectors sign as inspectors",
                           code="not_on_instrument")
    if party == "enterprise" and not (on_instrument or (actor.role == Role.ENTERPRISE
                                                        and actor.enterprise_id == ref.enterprise_id)):
        raise NotPermitted("只能由本文书的执法人员现场采集或由被检查单位本人签名 / the instrument's inspectors or the"
                           " enterprise itself capture its signature", code="not_on_instrument")


def _signature_photo(session: Session, ref: InstrumentRef, photo_id: int, actor: Actor) -> Photo:
    photo = session.get(Photo, photo_id)
    if (photo is None or photo.purpose != SIGNATURE_PURPOSE or photo.uploaded_by != actor.user_id
            or photo.visit_id not in (None, ref.visit_id) or photo.enterprise_id not in (None, ref.enterprise_id)):
        raise InvalidInput("签名须为本人为本次检查上传的签名图像（purpose=signature）/ a signature is a signature"
                           " capture uploaded by you for this visit", code="not_a_signature",
                           details={"photo_id": photo_id})
    return photo


def _in_force(session: Session, ref: InstrumentRef, party: str, signer_user_id: int | None
              ) -> DocumentSignature | None:
    for row in current(session, ref.kind, ref.id):
        if row.party == party and (party == "enterprise" or row.signer_user_id == signer_user_id):
            return row
    return None


def _replace(session: Session, ref: InstrumentRef, earlier: DocumentSignature | None, reason: str,
             now: datetime) -> None:
    if earlier is None:
        return
    if not reason.strip():
        raise Conflict("已签名；重新签名须说明理由 / already signed: signing again needs a reason",
                       code="already_signed", details={"signature_id": earlier.id})
    earlier.superseded_at = now
    session.add(earlier)


def _audit(session: Session, ref: InstrumentRef, row: DocumentSignature, earlier: DocumentSignature | None,
           actor: Actor, now: datetime) -> None:
    after = {"signature_id": row.id, "party": row.party, "signer": row.signer_name, "photo_id": row.photo_id,
             "refused": row.refused, "refusal_reason": row.refusal_reason, "witness": row.witness}
    action = "document.resign" if earlier is not None else ("document.refuse" if row.refused else "document.sign")
    audit.record(session, entity=ref.kind, entity_id=ref.id, action=action, actor=actor, at=now,
                 before={"signature_id": earlier.id, "photo_id": earlier.photo_id, "refused": earlier.refused}
                 if earlier is not None else None, after=after, reason=row.reason)


def sign(session: Session, ref: InstrumentRef, *, party: str, photo_id: int, signer_name: str = "",
         reason: str = "", actor: Actor, now: datetime) -> DocumentSignature:
    _ensure_may_capture(ref, party, actor)
    photo = _signature_photo(session, ref, photo_id, actor)
    signer_user_id = actor.user_id if party == "inspector" else None
    name = actor.full_name if party == "inspector" else signer_name.strip()
    if party == "enterprise" and not name:
        raise InvalidInput("须填写签名人姓名 / the signer's name is required", code="signer_name_required")
    earlier = _in_force(session, ref, party, signer_user_id)
    _replace(session, ref, earlier, reason, now)
    row = DocumentSignature(document_kind=ref.kind, document_id=ref.id, party=party, signer_user_id=signer_user_id,
                            signer_name=name, photo_id=photo.id, reason=reason.strip(), captured_by=actor.user_id,
                            captured_at=now)
    session.add(row)
    photo.visit_id = photo.visit_id or ref.visit_id
    photo.enterprise_id = photo.enterprise_id or ref.enterprise_id
    session.add(photo)
    session.flush()
    _audit(session, ref, row, earlier, actor, now)
    return row


def refuse(session: Session, ref: InstrumentRef, *, refusal_reason: str, witness: str, signer_name: str = "",
           reason: str = "", actor: Actor, now: datetime) -> DocumentSignature:
    """The enterprise refused to sign: recorded by an inspector of the instrument, with a witness."""
    if actor.role != Role.INSPECTOR or actor.user_id not in ref.inspector_ids:
        raise NotPermitted("拒签由本文书的执法人员记录 / the instrument's inspectors record a refusal",
                           code="not_on_instrument")
    if not refusal_reason.strip() or not witness.strip():
        raise InvalidInput("拒签须记录理由和见证人 / a refusal needs its reason and a witness",
                           code="refusal_incomplete")
    earlier = _in_force(session, ref, "enterprise", None)
    _replace(session, ref, earlier, reason, now)
    row = DocumentSignature(document_kind=ref.kind, document_id=ref.id, party="enterprise", signer_user_id=None,
                            signer_name=signer_name.strip(), refused=True, refusal_reason=refusal_reason.strip(),
                            witness=witness.strip(), reason=reason.strip(), captured_by=actor.user_id,
                            captured_at=now)
    session.add(row)
    session.flush()
    _audit(session, ref, row, earlier, actor, now)
    return row


def refusal_text(row: DocumentSignature) -> str:
    """As printed instead of the signature."""
    return f"当事人拒绝签字（理由：{row.refusal_reason}；见证人：{row.witness}）"
