"""Sign-off and service in the inspector's app: the representative refuses to sign (reason and witness), signs
again with a reason; the order is served — 电子送达 refused with the server's words while the enterprise has not
agreed, then 直接送达 with the recipient's signature, or 留置送达 with reason, place and witnesses."""

from sqlmodel import col, select

from hazards.signoff.models import DocumentSignature, ServiceReceipt
from inspection.models import VisitDepartment
from tests.factories import PASSWORD
from tests.web.helpers import check_screen, failed_visit, login


def _draw(page, canvas):
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 100)
    page.mouse.down()
    for step in range(1, 25):
        page.mouse.move(box["x"] + 30 + step * 11, box["y"] + 100 - (step % 6) * 14)
    page.mouse.up()


def _signatures(session, visit_id):
    """The signatures on the visit's (one department's) own record: the app signs the inspector's part record."""
    session.rollback()  # a fresh snapshot: the server commits in its own sessions
    [part] = session.exec(select(VisitDepartment).where(VisitDepartment.visit_id == visit_id)).all()
    assert part.record_number
    return session.exec(select(DocumentSignature).where(DocumentSignature.document_kind == "visit_part",
                                                        DocumentSignature.document_id == part.id)
                        .order_by(col(DocumentSignature.id))).all()


def test_refusal_resigning_and_direct_service(live_server, phone, client, world, session):
    out = failed_visit(client, world, session, {"DUST-14"})
    visit_id, order_id = out["visit_id"], out["order_ids"][0]
    page = phone.new_page()
    page.goto(f"{live_server}/app/")
    login(page, "inspector", PASSWORD)
    page.goto(f"{live_server}/app/#/result/{visit_id}")
    page.locator("#signature").wait_for()
    refusal = page.locator("#refusal")
    refusal.wait_for()
    page.wait_for_load_state("networkidle")  # the screen is drawn once its records are fetched
    refusal.evaluate("details => { details.open = true; }")  # open, whatever a redraw did to a click
    refusal.get_by_label("拒绝签字的理由").fill("对检查结论有异议")
    refusal.get_by_label("见证人姓名（及身份）").fill("李见证（街道安监员）")
    check_screen(page, "app-20-refusal", show=refusal)
    refusal.get_by_role("button", name="记录拒绝签字").click()
    page.locator("#refused").get_by_text("见证人：李见证（街道安监员）").wait_for()
    [refused] = _signatures(session, visit_id)
    assert refused.refused and refused.refusal_reason == "对检查结论有异议"

    resign = page.locator("#resign")
    resign.get_by_text("重新签名").first.click()
    resign.get_by_label("重新签名的理由").fill("当事人经解释后同意签字")
    resign.get_by_label("签名人姓名").fill("王建国")
    _draw(page, page.locator("#resign-pad"))
    check_screen(page, "app-21-resign", show=resign)
    resign.get_by_role("button", name="确认重新签名").click()
    page.locator("#signed").get_by_text("企业代表已签名：王建国").wait_for()
    page.locator("#signature-history").get_by_text("拒绝签字").wait_for()
    first, second = _signatures(session, visit_id)
    assert first.superseded_at is not None and second.signer_name == "王建国"
    assert second.reason == "当事人经解释后同意签字" and second.photo_id is not None

    service = page.locator(f"#service-{order_id}")
    service.get_by_label("电子送达").check()
    service.get_by_role("button", name="记录送达").click()
    service.get_by_role("alert").get_by_text("未签署电子送达确认书").wait_for()
    check_screen(page, "app-22-service-refused", show=service)
    service.get_by_label("直接送达").check()
    service.get_by_label("受送达人", exact=True).fill("王建国")
    _draw(page, page.locator(f"#service-pad-{order_id}"))
    service.get_by_role("button", name="记录送达").click()
    page.locator(f"#service-{order_id} .badge").get_by_text("直接送达").wait_for()
    check_screen(page, "app-23-served", show=page.locator(f"#service-{order_id}"))
    session.rollback()
    [receipt] = session.exec(select(ServiceReceipt).where(ServiceReceipt.document_id == order_id)).all()
    assert receipt.method == "direct" and receipt.recipient_name == "王建国" and receipt.signature_photo_id


def test_left_service_with_reason_place_and_witnesses(live_server, phone, client, world, session):
    out = failed_visit(client, world, session, {"DUST-14"})
    visit_id, order_id = out["visit_id"], out["order_ids"][0]
    page = phone.new_page()
    page.goto(f"{live_server}/app/")
    login(page, "inspector", PASSWORD)
    page.goto(f"{live_server}/app/#/result/{visit_id}")
    service = page.locator(f"#service-{order_id}")
    service.get_by_label("留置送达").check()
    service.get_by_label("受送达人", exact=True).fill("王建国")
    service.get_by_label("拒收事由").fill("拒绝签收")
    service.get_by_label("见证人一").fill("李见证")
    service.get_by_label("见证人二").fill("张见证")
    service.get_by_role("button", name="记录送达").click()
    service.get_by_role("alert").get_by_text("留置送达须记明留置地点").wait_for()
    service.get_by_label("留置地点").fill("企业办公室")
    check_screen(page, "app-24-left-service", show=service)
    service.get_by_role("button", name="记录送达").click()
    page.locator(f"#service-{order_id} .badge").get_by_text("留置送达").wait_for()
    session.rollback()
    [receipt] = session.exec(select(ServiceReceipt).where(ServiceReceipt.document_id == order_id)).all()
    assert receipt.method == "left" and receipt.witnesses == ["李见证", "张见证"] and receipt.place == "企业办公室"
