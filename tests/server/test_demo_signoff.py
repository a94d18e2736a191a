"""The demo history's sign-off: numbered 现场检查记录 with the §G.7 fields, consent before electronic service, a
refusal with a witness served by 留置送达 (REFERENCE §G.7, §G.8)."""

from sqlmodel import col, select

from hazards.signoff.models import DocumentSignature, ServiceConsent, ServiceReceipt
from inspection import audit
from inspection.models import Visit, VisitDepartment
from inspection.photos.storage import FileSystemStore
from inspection.types import utcnow
from server.demo import history as demo_history
from server.demo import seed as demo


def test_the_demo_history_is_signed_and_served_by_the_rules(session, media_dir):
    demo.load(session, fast_hash=True)
    session.commit()
    enterprise_id = demo.demo_enterprise_id(session)
    demo_history.load(session, store=FileSystemStore(media_dir / "photos"), now=utcnow(),
                      demo_enterprise_id=enterprise_id)
    session.commit()
    submitted = session.exec(select(Visit).where(col(Visit.submitted_at).is_not(None))).all()
    parts = session.exec(select(VisitDepartment).where(col(VisitDepartment.visit_id).in_([v.id for v in submitted]),
                                                       col(VisitDepartment.submitted_at).is_not(None))).all()
    assert {p.visit_id for p in parts} == {v.id for v in submitted}  # each department's part has its own record
    assert all(p.record_number and "检记〔" in p.record_number for p in parts)
    assert all(v.place_inspected and v.credentials_shown and v.recusal_explained and v.ended_at for v in submitted)
    assert len({p.record_number for p in parts}) == len(parts)
    consent = session.exec(select(ServiceConsent).where(ServiceConsent.enterprise_id == enterprise_id)).one()
    receipts = session.exec(select(ServiceReceipt)).all()
    electronic = [r for r in receipts if r.method == "electronic"]
    assert electronic and all(r.enterprise_id == enterprise_id and r.consent_id == consent.id
                              and r.served_at >= consent.agreed_at for r in electronic)
    left = [r for r in receipts if r.method == "left"]
    assert len(left) == 1 and left[0].witnesses and left[0].left_reason
    refusals = session.exec(select(DocumentSignature).where(col(DocumentSignature.refused).is_(True))).all()
    assert len(refusals) == 1 and refusals[0].witness
    assert audit.verify_chain(session).ok
