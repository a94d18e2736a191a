"""Sign-off of a joint visit in the inspector's app (issue 16, REFERENCE §G.7): each department's part has its own
numbered 现场检查记录, and the 应急 inspector signs — for himself, and the representative's signature and then its
refusal with a witness — on HIS department's record only. Read back from the records' PDFs: pdftotext for the
text (the number, the refusal), pypdf for the signature images stamped on every page; 住建's record stays as it was."""

import io

from pypdf import PdfReader
from sqlmodel import col, select

from hazards.signoff.models import DocumentSignature
from inspection.models import Visit, VisitDepartment
from tests.factories import PASSWORD
from tests.server.test_part_records import gas_officers, joint_visit, numbers_of, pdf_pages, submit_both
from tests.web.helpers import check_screen, login

API = "/api/v1"
REFUSAL = "当事人拒绝签字（理由：负责人拒绝在记录上签字；见证人：车间主任李四）"


def _draw(page, canvas, wave: int):
    """A signature on the pad; each ``wave`` another stroke (two equal images would be stamped as one)."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 100)
    page.mouse.down()
    for step in range(1, 25):
        page.mouse.move(box["x"] + 30 + step * 11, box["y"] + 100 - (step % wave) * 14)
    page.mouse.up()


def _record(client, world, visit_id, department_id, tmp_path):
    """(pdftotext's pages, images per page) of one department's record."""
    pdf = client.get(f"{API}/visits/{visit_id}/departments/{department_id}/record.pdf", headers=world.headers("office"))
    assert pdf.status_code == 200, pdf.text
    return pdf_pages(pdf.content, tmp_path), [len(page.images) for page in PdfReader(io.BytesIO(pdf.content)).pages]


def _rows(session, kind, document_id):
    session.rollback()  # a fresh snapshot: the server commits in its own sessions
    return session.exec(select(DocumentSignature).where(DocumentSignature.document_kind == kind,
                                                        DocumentSignature.document_id == document_id)
                        .order_by(col(DocumentSignature.id))).all()


def test_the_safety_inspector_signs_his_own_departments_record_of_a_joint_visit(live_server, phone, client, world,
                                                                                session, tmp_path):
    gas_officers(session, world)
    visit_id = joint_visit(client, session, world, "庚木业食堂综合体")
    fails = submit_both(client, world, session, visit_id)
    parts = numbers_of(client, world, visit_id)
    safety, gas = parts["应急"], parts["住建"]
    safety_before, gas_before = (_record(client, world, visit_id, d.id, tmp_path) for d in (world.safety, world.gas))

    page = phone.new_page()
    page.goto(f"{live_server}/app/")
    login(page, "inspector", PASSWORD)
    page.get_by_role("heading", name="任务清单").wait_for()
    page.goto(f"{live_server}/app/#/result/{visit_id}")
    page.locator("#record-number").get_by_text(f"编号：{safety['record_number']}").wait_for()
    page.wait_for_load_state("networkidle")  # the screen is drawn once its records are fetched
    assert gas["record_number"] not in page.locator("#main").inner_text()
    hazards = page.locator("#hazards").inner_text()  # his department's part: its hazards, not 住建's
    assert fails["inspector"] in hazards and fails["gas_inspector1"] not in hazards
    officers = page.locator("#officer-signatures")
    assert officers.get_by_text("未签名").count() == 2 and "gas_inspector" not in officers.inner_text()

    # the inspector signs for himself
    _draw(page, page.locator("#officer-pad"), 6)
    check_screen(page, "app-25-part-record", show=page.locator("#record"))
    page.get_by_role("button", name="确认本人签名").click()
    page.locator("#officer-signatures li", has_text="inspector").first.get_by_text("已签名").wait_for()
    assert page.locator("#officer-sign-box").count() == 0

    # the representative signs on the pad, then refuses after all (the signature replaced, with a reason)
    page.locator("#signature").wait_for()
    page.wait_for_load_state("networkidle")
    _draw(page, page.locator("#signature"), 4)
    page.get_by_role("button", name="确认签名").click()
    page.locator("#signed").wait_for()
    signed = _rows(session, "visit_part", safety["part_id"])
    assert [(r.party, r.signer_name, r.superseded_at) for r in signed] == [
        ("inspector", world.users["inspector"].full_name, None), ("enterprise", "企业代表", None)]
    pages, images = _record(client, world, visit_id, world.safety.id, tmp_path)
    assert images == [n + 2 for n in safety_before[1]]  # his signature and the representative's, on every page

    refusal = page.locator("#refusal")
    page.wait_for_load_state("networkidle")
    refusal.evaluate("details => { details.open = true; }")
    refusal.get_by_label("拒绝签字的理由").fill("负责人拒绝在记录上签字")
    refusal.get_by_label("见证人姓名（及身份）").fill("车间主任李四")
    refusal.get_by_label("替换已有签名的理由").fill("负责人撤回签名")
    refusal.get_by_role("button", name="记录拒绝签字").click()
    page.locator("#refused").get_by_text("见证人：车间主任李四").wait_for()

    rows = _rows(session, "visit_part", safety["part_id"])
    assert [r.party for r in rows if r.superseded_at is None] == ["inspector", "enterprise"]
    assert rows[-1].refused and rows[-1].witness == "车间主任李四"
    assert _rows(session, "visit_part", gas["part_id"]) == [] and _rows(session, "visit", visit_id) == []

    pages, images = _record(client, world, visit_id, world.safety.id, tmp_path)
    assert pages and all(safety["record_number"] in p and REFUSAL in p for p in pages)
    assert images == [n + 1 for n in safety_before[1]]  # his own signature stays; the refusal replaced the image
    gas_pages, gas_images = _record(client, world, visit_id, world.gas.id, tmp_path)
    assert all(gas["record_number"] in p and "当事人拒绝签字" not in p for p in gas_pages)
    assert (gas_pages, gas_images) == gas_before  # 住建's record: not a mark of his


def test_a_visit_numbered_as_a_whole_is_still_signed_as_a_whole(live_server, phone, client, world, session):
    """A visit numbered once before records were per department: the app signs the whole visit's record (kind
    ``visit``) under its one number, its officers being all the visit's inspectors."""
    gas_officers(session, world)
    visit_id = joint_visit(client, session, world, "辛木业食堂综合体")
    old = "（新北）应急检记〔2025〕0042号"
    session.get(Visit, visit_id).record_number = old
    session.commit()
    submit_both(client, world, session, visit_id)

    page = phone.new_page()
    page.goto(f"{live_server}/app/")
    login(page, "inspector", PASSWORD)
    page.get_by_role("heading", name="任务清单").wait_for()
    page.goto(f"{live_server}/app/#/result/{visit_id}")
    page.locator("#record-number").get_by_text(f"编号：{old}").wait_for()
    page.wait_for_load_state("networkidle")
    assert page.locator("#officer-signatures li").count() == 4  # the record's officers: the whole visit's
    _draw(page, page.locator("#officer-pad"), 6)
    page.get_by_role("button", name="确认本人签名").click()
    page.locator("#officer-signatures li", has_text="inspector").first.get_by_text("已签名").wait_for()
    page.locator("#signature").wait_for()
    page.wait_for_load_state("networkidle")
    _draw(page, page.locator("#signature"), 4)
    page.get_by_role("button", name="确认签名").click()
    page.locator("#signed").wait_for()
    rows = _rows(session, "visit", visit_id)
    assert [r.party for r in rows] == ["inspector", "enterprise"]
    assert session.get(Visit, visit_id).signature_photo_id == rows[-1].photo_id
    parts = session.exec(select(VisitDepartment.id).where(VisitDepartment.visit_id == visit_id)).all()
    assert session.exec(select(DocumentSignature).where(DocumentSignature.document_kind == "visit_part",
                                                        col(DocumentSignature.document_id).in_(parts))).all() == []
