"""Demo sign-off (REFERENCE §G.7, §G.8): every demo visit's 现场检查记录 states who received the inspectors, the
place, the end time, credentials shown and recusal explained; the demo enterprise agreed to electronic service
and its orders are signed and served; another enterprise refused to sign one order (留置送达 with witnesses).
Made by the same services as the API, once, after the history."""

import tempfile
import uuid
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw
from sqlmodel import Session, col, select

from hazards.models import RectificationOrder
from hazards.signoff import instruments, serving, signatures
from inspection.field import visits
from inspection.identity.accounts import actor_for
from inspection.models import Enterprise, User, Visit, VisitInspector
from inspection.photos import service as photo_service
from inspection.photos.storage import PhotoStore
from schemas.visits import VisitRecordIn


def _ink(scratch: Path, name: str) -> Path:
    picture = Image.new("RGB", (600, 200), (255, 255, 255))
    draw = ImageDraw.Draw(picture)
    for step in range(0, 480, 6):
        draw.line((60 + step, 110 + (step % 50) - 25, 66 + step, 110 + ((step + 6) % 50) - 25), fill=(20, 20, 90),
                  width=4)
    path = scratch / f"{name}.png"
    picture.save(path, "PNG")
    return path


def _capture(session: Session, store: PhotoStore, scratch: Path, who: User, enterprise: Enterprise,
             visit_id: int | None, at: datetime) -> int:
    photo, _ = photo_service.store_upload(
        session, tmp_path=_ink(scratch, f"sign-{uuid.uuid4().hex[:8]}"), client_uuid=str(uuid.uuid4()),
        actor=actor_for(who), now=at, store=store, enterprise_name=enterprise.name, visit_id=visit_id,
        purpose=signatures.SIGNATURE_PURPOSE)
    return photo.id or 0


def _fill_records(session: Session) -> None:
    rows = session.exec(select(Visit, Enterprise).join(Enterprise, col(Enterprise.id) == Visit.enterprise_id)
                        .where(col(Visit.submitted_at).is_not(None), col(Visit.place_inspected).is_(None))).all()
    for visit, enterprise in rows:
        inspector = session.get(User, visit.started_by or visit.created_by)
        if inspector is None:
            continue
        record = VisitRecordIn(representative_name=enterprise.contact_name or "（未到场）",
                               representative_title="主要负责人", representative_phone=enterprise.contact_phone or None,
                               place_inspected=enterprise.address or enterprise.name, credentials_shown=True,
                               recusal_explained=True)
        at = visit.submitted_at or visit.created_at
        visits.record_details(session, visit.id or 0, record, ended_at=at, actor=actor_for(inspector), now=at)


def load(session: Session, *, store: PhotoStore, now: datetime, demo_enterprise_id: int) -> None:
    _fill_records(session)
    orders = session.exec(select(RectificationOrder).where(RectificationOrder.kind == "rectification")
                          .order_by(col(RectificationOrder.issued_at).desc())).all()
    if not orders:
        return
    with tempfile.TemporaryDirectory(prefix="xuncha-sign-") as scratch_dir:
        scratch = Path(scratch_dir)
        own = [o for o in orders if o.enterprise_id == demo_enterprise_id]
        demo = session.get(Enterprise, demo_enterprise_id)
        assert demo is not None
        first_at = min((o.issued_at for o in own), default=now) - timedelta(days=1)
        recorder = session.exec(select(User).where(User.username == "office")).first()
        if recorder is not None:
            serving.record_consent(session, demo_enterprise_id, signer_name=demo.contact_name or "企业负责人",
                                   channel="portal", address="enterprise", agreed_at=first_at, document_photo_id=None,
                                   actor=actor_for(recorder), now=first_at)
        for order in own:
            inspector = session.get(User, order.inspector_ids[0])
            if inspector is None:
                continue
            ref = instruments.get(session, "order", order.id or 0, actor_for(inspector))
            at = order.issued_at + timedelta(minutes=5)
            photo = _capture(session, store, scratch, inspector, demo, order.visit_id, at)
            signatures.sign(session, ref, party="enterprise", photo_id=photo, signer_name=demo.contact_name or "负责人",
                            actor=actor_for(inspector), now=at)
            serving.serve(session, ref, method="electronic", served_at=at + timedelta(minutes=1),
                          actor=actor_for(inspector), now=at + timedelta(minutes=1))
        other = next((o for o in orders if o.enterprise_id != demo_enterprise_id and o.inspector_ids), None)
        if other is None:
            return
        inspector = session.get(User, other.inspector_ids[0])
        enterprise = session.get(Enterprise, other.enterprise_id)
        if inspector is None or enterprise is None:
            return
        on_visit = session.exec(select(VisitInspector.user_id).where(VisitInspector.visit_id == other.visit_id)).all()
        witness = session.get(User, next((uid for uid in on_visit if uid != inspector.id), inspector.id))
        ref = instruments.get(session, "order", other.id or 0, actor_for(inspector))
        at = other.issued_at + timedelta(minutes=5)
        signatures.refuse(session, ref, refusal_reason="对检查结论有异议", witness="街道安监员 周敏",
                          signer_name=enterprise.contact_name, actor=actor_for(inspector), now=at)
        serving.serve(session, ref, method="left", recipient_name=enterprise.contact_name or "企业负责人",
                      served_at=at + timedelta(minutes=2), place=enterprise.address or enterprise.name,
                      left_reason="拒绝签收", witnesses=["街道安监员 周敏", witness.full_name if witness else ""],
                      actor=actor_for(inspector), now=at + timedelta(minutes=2))
