"""Service (送达) of instruments (REFERENCE §G.8).

Electronic service (the portal, e-mail, SMS) is valid only where the enterprise agreed in writing: the
电子送达确认书 (送达地址确认书) is recorded first — who signed, when, the channel and address. Every served
instrument gets a 送达回执: the method (直接送达 / 留置送达 / 电子送达 / 邮寄送达), the recipient, the time and
the recipient's signature, or for 留置送达 the reason and the witnesses. The methods' rules are data
(``hazards.rules.service_law``).
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from hazards.rules import service_law
from hazards.signoff.instruments import InstrumentRef
from hazards.signoff.models import ServiceConsent, ServiceReceipt
from hazards.signoff.signatures import SIGNATURE_PURPOSE
from inspection import audit
from inspection.errors import InvalidInput, NotFound, NotPermitted
from inspection.identity.access import Actor
from inspection.models import Photo
from schemas.enums import Role

CLOCK_SKEW = timedelta(minutes=10)


def _ensure_staff(actor: Actor) -> None:
    if actor.role not in (Role.INSPECTOR, Role.OFFICE, Role.ADMIN):
        raise NotPermitted("只有执法人员或安委办可以记录送达 / only staff record service", code="staff_only")


def _ensure_may_consent(actor: Actor, enterprise_id: int) -> None:
    """Staff record a signed 确认书; the enterprise itself agrees (or withdraws) in the portal."""
    if actor.is_staff or (actor.role == Role.ENTERPRISE and actor.enterprise_id == enterprise_id):
        return
    raise NotPermitted("只有执法人员、安委办或企业本身可以签署或撤回电子送达确认书 / staff or the enterprise itself",
                       code="not_permitted")


# --- 电子送达确认书 ---------------------------------------------------------------------------------------------

def active_consent(session: Session, enterprise_id: int, at: datetime) -> ServiceConsent | None:
    """The latest consent in force at ``at`` (agreed before, not revoked by then)."""
    rows = session.exec(select(ServiceConsent).where(ServiceConsent.enterprise_id == enterprise_id,
                                                     col(ServiceConsent.agreed_at) <= at)
                        .order_by(col(ServiceConsent.agreed_at).desc(), col(ServiceConsent.id).desc())).all()
    return next((row for row in rows if row.revoked_at is None or row.revoked_at > at), None)


def consents_of(session: Session, enterprise_id: int) -> list[ServiceConsent]:
    return list(session.exec(select(ServiceConsent).where(ServiceConsent.enterprise_id == enterprise_id)
                             .order_by(col(ServiceConsent.id))).all())


def record_consent(session: Session, enterprise_id: int, *, signer_name: str, channel: str, address: str,
                   agreed_at: datetime, document_photo_id: int | None, actor: Actor, now: datetime) -> ServiceConsent:
    _ensure_may_consent(actor, enterprise_id)
    channels = service_law.consent_channels()
    problems = []
    if channel not in channels:
        problems.append({"field": "channel", "message": f"送达方式须为 {'/'.join(channels)}"})
    if not signer_name.strip():
        problems.append({"field": "signer_name", "message": "须填写签署人"})
    if not address.strip():
        problems.append({"field": "address", "message": "须填写送达地址（账号、邮箱或手机号）"})
    if agreed_at > now + CLOCK_SKEW:
        problems.append({"field": "agreed_at", "message": "签署时间不能晚于现在"})
    if document_photo_id is not None:
        photo = session.get(Photo, document_photo_id)
        if photo is None or photo.enterprise_id not in (None, enterprise_id):
            problems.append({"field": "document_photo_id", "message": "确认书扫描件不存在"})
    if problems:
        raise InvalidInput("电子送达确认书有误 / invalid consent", code="invalid_consent", details=problems)
    consent = ServiceConsent(enterprise_id=enterprise_id, signer_name=signer_name.strip(), channel=channel,
                             address=address.strip(), agreed_at=agreed_at, document_photo_id=document_photo_id,
                             recorded_by=actor.user_id, created_at=now)
    session.add(consent)
    session.flush()
    audit.record(session, entity="enterprise", entity_id=enterprise_id, action="service.consent", actor=actor,
                 at=now, after=audit.snapshot(consent, ["id", "signer_name", "channel", "address", "agreed_at"]))
    return consent


def revoke_consent(session: Session, consent_id: int, *, reason: str, actor: Actor, now: datetime) -> ServiceConsent:
    consent = session.get(ServiceConsent, consent_id)
    if consent is None or not (actor.is_staff or actor.enterprise_id == consent.enterprise_id):
        raise NotFound("电子送达确认书不存在 / consent not found")
    if not reason.strip():
        raise InvalidInput("撤回须说明理由 / a reason is required", code="reason_required")
    _ensure_may_consent(actor, consent.enterprise_id)
    consent.revoked_at = consent.revoked_at or now
    session.add(consent)
    session.flush()
    audit.record(session, entity="enterprise", entity_id=consent.enterprise_id, action="service.consent_revoked",
                 actor=actor, at=now, after={"consent_id": consent.id}, reason=reason.strip())
    return consent


# --- 送达回执 ---------------------------------------------------------------------------------------------------

def receipts_of(session: Session, kind: str, document_id: int) -> list[ServiceReceipt]:
    return list(session.exec(select(ServiceReceipt).where(ServiceReceipt.document_kind == kind,
                                                          ServiceReceipt.document_id == document_id)
                             .order_by(col(ServiceReceipt.id))).all())


def first_served(session: Session, kind: str, document_ids: Sequence[int]) -> dict[int, ServiceReceipt]:
    """The earliest receipt of each instrument (its service), for many at once."""
    if not document_ids:
        return {}
    rows = session.exec(select(ServiceReceipt).where(ServiceReceipt.document_kind == kind,
                                                     col(ServiceReceipt.document_id).in_(list(document_ids)))
                        .order_by(col(ServiceReceipt.served_at), col(ServiceReceipt.id))).all()
    out: dict[int, ServiceReceipt] = {}
    for row in rows:
        out.setdefault(row.document_id, row)
    return out


def _check(session: Session, ref: InstrumentRef, method: service_law.Method, *, recipient_name: str,
           served_at: datetime, place: str, signature_photo_id: int | None, left_reason: str,
           witnesses: list[str], address: str, actor: Actor, now: datetime) -> list[dict[str, str]]:
    problems = []
    if served_at > now + CLOCK_SKEW:
        problems.append({"field": "served_at", "message": "送达时间不能晚于现在"})
    if method.key in ("direct", "left") and not recipient_name.strip():
        problems.append({"field": "recipient_name", "message": "须填写受送达人"})
    if method.key == "direct":
        photo = session.get(Photo, signature_photo_id) if signature_photo_id is not None else None
        if (photo is None or photo.purpose != SIGNATURE_PURPOSE or photo.uploaded_by != actor.user_id
                or photo.enterprise_id not in (None, ref.enterprise_id)):
            problems.append({"field": "signature_photo_id",
                             "message": "直接送达须有受送达人的签名（本人采集的签名图像，purpose=signature）"})
    if method.key == "left":
        if not left_reason.strip():
            problems.append({"field": "left_reason", "message": "留置送达须记明拒收事由"})
        if len([w for w in witnesses if w.strip()]) < method.min_witnesses:
            problems.append({"field": "witnesses", "message": f"留置送达须有至少{method.min_witnesses}名见证人"})
        if not place.strip():
            problems.append({"field": "place", "message": "留置送达须记明留置地点"})
    if method.key == "mail" and not address.strip():
        problems.append({"field": "address", "message": "邮寄送达须填写邮件号"})
    return problems


def serve(session: Session, ref: InstrumentRef, *, method: str, recipient_name: str = "", served_at: datetime,
          place: str = "", signature_photo_id: int | None = None, left_reason: str = "",
          witnesses: Sequence[str] = (), address: str = "", actor: Actor, now: datetime) -> ServiceReceipt:
    """Record the 送达回执 of one instrument. 电子送达 only under a consent in force at ``served_at``."""
    _ensure_staff(actor)
    methods = service_law.methods()
    chosen = methods.get(method)
    if chosen is None:
        raise InvalidInput(f"送达方式须为 {'/'.join(methods)} / unknown method", code="invalid_service_method")
    if not ref.number:
        raise InvalidInput("文书尚未编号，不能送达 / the instrument has no number yet", code="instrument_unnumbered")
    names = [w.strip() for w in witnesses if w.strip()]
    problems = _check(session, ref, chosen, recipient_name=recipient_name, served_at=served_at, place=place,
                      signature_photo_id=signature_photo_id, left_reason=left_reason, witnesses=names,
                      address=address, actor=actor, now=now)
    consent = None
    if chosen.needs_consent:
        consent = active_consent(session, ref.enterprise_id, served_at)
        if consent is None:
            raise InvalidInput("被送达单位未签署电子送达确认书，不能电子送达 / no consent to electronic service",
                               code="no_service_consent", details={"enterprise_id": ref.enterprise_id})
        recipient_name = recipient_name.strip() or consent.signer_name
        address = consent.address
    if problems:
        raise InvalidInput("送达回执有误 / invalid service record", code="invalid_service", details=problems)
    receipt = ServiceReceipt(
        document_kind=ref.kind, document_id=ref.id, document_number=ref.number, document_title=ref.title,
        enterprise_id=ref.enterprise_id, method=chosen.key, recipient_name=recipient_name.strip(),
        served_at=served_at, place=place.strip(), signature_photo_id=signature_photo_id if chosen.key == "direct"
        else None, left_reason=left_reason.strip(), witnesses=names, consent_id=consent.id if consent else None,
        address=address.strip(), recorded_by=actor.user_id, created_at=now)
    session.add(receipt)
    session.flush()
    audit.record(session, entity=ref.kind, entity_id=ref.id, action="document.served", actor=actor, at=now,
                 after=audit.snapshot(receipt, ["id", "method", "recipient_name", "served_at", "witnesses",
                                                "consent_id"]))
    return receipt


def get_receipt(session: Session, receipt_id: int, actor: Actor) -> ServiceReceipt:
    receipt = session.get(ServiceReceipt, receipt_id)
    if receipt is None or (not actor.is_staff and receipt.enterprise_id != actor.enterprise_id):
        raise NotFound("送达回执不存在 / service receipt not found")
    return receipt
