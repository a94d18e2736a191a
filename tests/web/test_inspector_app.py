"""The inspector's phone app in Chromium: log in, open the visit, fail an item with a photo, lose the signal,
submit, get the signal back, and the submission lands exactly once; then the representative signs. The app's
own camera reads the enterprise's plaque and opens the visit."""

import io

from PIL import Image
from sqlmodel import col, select

from hazards.models import Hazard, RectificationOrder
from hazards.signoff.models import DocumentSignature
from inspection.clock import local_date
from inspection.models import Photo, ScanLog, Submission, VisitDepartment
from inspection.types import utcnow
from tests.factories import PASSWORD
from tests.web.helpers import PHONE_CONTEXT, camera_video, check_screen, jpeg, login

API = "/api/v1"
FAILED = "DUST-13"  # general, 15 days, a photo is required when it fails


def _plan_visit(client, world):
    body = {"enterprise_id": world.enterprise_a.id, "planned_date": str(local_date(utcnow())),
            "inspector_ids": [world.users["inspector2"].id]}
    response = client.post(f"{API}/visits", json=body, headers=world.headers("inspector"))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _submissions(session, visit_id):
    session.rollback()  # a fresh snapshot: the server commits in its own sessions
    return session.exec(select(Submission).where(Submission.visit_id == visit_id)).all()


def _representative_signature(session, visit_id):
    """The representative's signature in force on the visit's (one department's) own 现场检查记录, or None."""
    session.rollback()
    [part] = session.exec(select(VisitDepartment).where(VisitDepartment.visit_id == visit_id)).all()
    row = session.exec(select(DocumentSignature).where(
        DocumentSignature.document_kind == "visit_part", DocumentSignature.document_id == part.id,
        DocumentSignature.party == "enterprise", col(DocumentSignature.superseded_at).is_(None))).first()
    return session.get(Photo, row.photo_id) if row is not None else None


def test_offline_submission_lands_exactly_once(live_server, phone, client, world, session):
    visit_id = _plan_visit(client, world)
    page = phone.new_page()
    page.goto(f"{live_server}/app/")
    check_screen(page, "app-01-login")
    login(page, "inspector", PASSWORD)
    page.locator("#work-list").get_by_text("甲铝业有限公司").wait_for()
    page.evaluate("() => navigator.serviceWorker.ready")
    check_screen(page, "app-02-worklist")

    # open the visit by typing the enterprise's name
    page.get_by_label("输入企业名称搜索").fill("甲铝")
    page.get_by_role("button", name="搜索", exact=True).click()
    page.get_by_role("button", name="进入 甲铝业有限公司").click()
    page.wait_for_url(f"**/app/#/visit/{visit_id}")
    item = page.locator(f"#item-{FAILED}")
    item.wait_for()
    check_screen(page, "app-03-checklist")

    for button in page.get_by_role("button", name="本节未填项全部合格").all():
        button.click()
    item = page.locator(f"#item-{FAILED}")
    item.get_by_text("不合格", exact=True).click()
    item.get_by_label("问题描述").fill("未开展粉尘爆炸风险辨识，现场无警示标识")
    # a failed item that needs a photo does not submit without one
    page.get_by_role("button", name="提交检查结果").click()
    problems = page.locator("#problems")
    problems.get_by_text(f"{FAILED}：不合格须拍照").wait_for()
    check_screen(page, "app-04-photo-required", problems)

    page.locator(f"#photo-{FAILED}").set_input_files(jpeg())
    item.get_by_role("img", name=f"{FAILED} 照片 1").wait_for()

    # nothing is lost on reload: the draft and the photo live in IndexedDB
    page.reload()
    item = page.locator(f"#item-{FAILED}")
    item.get_by_role("img", name=f"{FAILED} 照片 1").wait_for()
    assert item.get_by_label("不合格").is_checked()
    assert item.get_by_label("问题描述").input_value() == "未开展粉尘爆炸风险辨识，现场无警示标识"
    check_screen(page, "app-05-failed-with-photo", item)

    # the signal goes; the submission waits on the phone, even across a reload
    phone.set_offline(True)
    page.get_by_role("button", name="提交检查结果").click()
    page.wait_for_url(f"**/app/#/result/{visit_id}")
    page.locator("#result-status").get_by_text("检查结果已保存在手机上").wait_for()
    page.locator("#queue-count").get_by_text("待上传 1 项").wait_for()
    check_screen(page, "app-06-queued-offline")
    page.reload()  # offline: the service worker serves the app shell
    page.locator("#queue-count").get_by_text("待上传 1 项").wait_for()
    page.get_by_role("link", name="查看").click()
    page.locator("#queue-items").get_by_text("等待网络").wait_for()
    check_screen(page, "app-07-queue")
    assert _submissions(session, visit_id) == []

    # the signal returns: photos first, then the submission, once
    phone.set_offline(False)
    page.goto(f"{live_server}/app/#/result/{visit_id}")
    page.locator("#result-status").get_by_text("检查结果已提交").wait_for(timeout=90000)
    page.locator("#hazards").get_by_text(FAILED).wait_for()
    page.locator("#orders").get_by_text("应急责改").wait_for()
    check_screen(page, "app-08-result")

    rows = _submissions(session, visit_id)
    assert len(rows) == 1
    hazards = session.exec(select(Hazard).where(Hazard.visit_id == visit_id)).all()
    assert [h.item_code for h in hazards] == [FAILED]
    photo = session.get(Photo, hazards[0].before_photo_ids[0])
    assert photo.visit_id == visit_id and photo.width == 1200
    assert len(session.exec(select(RectificationOrder).where(RectificationOrder.visit_id == visit_id)).all()) == 1

    # sending again (another flush, another load) changes nothing
    page.goto(f"{live_server}/app/#/queue")
    page.get_by_role("button", name="立即同步").click()
    page.locator("#queue-items").get_by_text("已提交").wait_for()
    assert len(_submissions(session, visit_id)) == 1
    assert session.exec(select(Hazard).where(col(Hazard.visit_id) == visit_id)).all() == hazards

    # the enterprise representative signs on the screen
    page.goto(f"{live_server}/app/#/result/{visit_id}")
    canvas = page.locator("#signature")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 120)
    page.mouse.down()
    for step in range(1, 25):
        page.mouse.move(box["x"] + 30 + step * 11, box["y"] + 120 - (step % 6) * 14)
    page.mouse.up()
    check_screen(page, "app-09-signature")
    page.get_by_role("button", name="确认签名").click()
    page.locator("#signed").wait_for()
    signature = _representative_signature(session, visit_id)  # on the part's own record (its department's number)
    assert signature is not None and signature.content_type == "image/png"


def test_an_answer_lost_mid_upload_is_sent_again_and_lands_once(live_server, phone, client, world, session):
    """The server stores the submission but the phone never hears back (the signal drops mid-request): the
    phone keeps it queued, sends it again, and the server answers with the original."""
    visit_id = _plan_visit(client, world)
    lost = []

    def drop_first_answer(route):
        if not lost:
            lost.append(route.fetch())  # the server gets it and answers...
            route.abort("internetdisconnected")  # ...but the answer never reaches the phone
        else:
            route.continue_()

    page = phone.new_page()
    page.goto(f"{live_server}/app/")
    login(page, "inspector", PASSWORD)
    page.goto(f"{live_server}/app/#/visit/{visit_id}")
    page.locator(f"#item-{FAILED}").wait_for()
    phone.route("**/api/v1/sync", drop_first_answer)
    for button in page.get_by_role("button", name="本节未填项全部合格").all():
        button.click()
    page.get_by_role("button", name="提交检查结果").click()
    page.wait_for_url(f"**/app/#/result/{visit_id}")
    page.wait_for_function("() => document.body.innerText.includes('等待网络')")
    assert len(lost) == 1 and lost[0].status == 200 and len(_submissions(session, visit_id)) == 1
    page.goto(f"{live_server}/app/#/queue")
    page.get_by_role("button", name="立即同步").click()
    page.locator("#queue-items").get_by_text("已提交").wait_for()
    assert len(_submissions(session, visit_id)) == 1


def test_a_signature_taken_without_signal_is_sent_when_it_returns(live_server, phone, client, world, session):
    from tests.web.helpers import failed_visit

    visit_id = failed_visit(client, world, session, {FAILED})["visit_id"]
    page = phone.new_page()
    page.goto(f"{live_server}/app/")
    login(page, "inspector", PASSWORD)
    page.get_by_role("heading", name="任务清单").wait_for()  # the home screen has drawn: no render races the next
    page.goto(f"{live_server}/app/#/result/{visit_id}")
    page.locator("#result-status").get_by_text("检查结果已提交").wait_for()
    canvas = page.locator("#signature")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()

    phone.set_offline(True)  # the representative signs in the basement
    page.mouse.move(box["x"] + 30, box["y"] + 100)
    page.mouse.down()
    for step in range(1, 20):
        page.mouse.move(box["x"] + 30 + step * 12, box["y"] + 100 - (step % 5) * 12)
    page.mouse.up()
    page.get_by_role("button", name="确认签名").click()
    page.get_by_text("签名已保存在手机上，联网后自动上传。").wait_for()
    page.locator("#queue-count").get_by_text("待上传 1 项").wait_for()
    page.goto(f"{live_server}/app/#/queue")
    queued = page.locator("#queue-items li", has_text="企业代表签名")  # the phone may list earlier work too
    queued.get_by_text("等待网络").wait_for()
    assert _representative_signature(session, visit_id) is None

    phone.set_offline(False)
    page.goto(f"{live_server}/app/#/queue")
    queued.get_by_text("已提交").wait_for(timeout=90000)
    signature = _representative_signature(session, visit_id)
    assert signature is not None and signature.content_type == "image/png" and signature.visit_id == visit_id
    page.goto(f"{live_server}/app/#/result/{visit_id}")
    page.locator("#signed").wait_for()


def test_the_apps_camera_reads_the_plaque_and_opens_the_visit(live_server, phone_filming, client, world, session,
                                                              tmp_path):
    visit_id = _plan_visit(client, world)
    plaque = client.get(f"{API}/enterprises/{world.enterprise_a.id}/qrcode.png", headers=world.headers("inspector"))
    assert plaque.status_code == 200, plaque.text
    page = phone_filming(camera_video(plaque.content, tmp_path / "plaque.y4m")).new_page()
    page.goto(f"{live_server}/app/")
    login(page, "inspector", PASSWORD)
    page.locator("#work-list").wait_for()
    page.get_by_role("button", name="扫码入企").click()
    page.wait_for_url(f"**/app/#/visit/{visit_id}")
    page.locator(f"#item-{FAILED}").wait_for()
    if not page.evaluate("'BarcodeDetector' in window"):  # Chromium on Linux has none, like Safari on iPhone
        assert page.evaluate("typeof window.jsQR") == "function"  # so the vendored reader read the plaque
    assert page.evaluate("document.querySelector('video') === null")  # the camera was let go
    session.rollback()
    scan = session.exec(select(ScanLog)).one()
    assert scan.enterprise_id == world.enterprise_a.id and scan.latitude is not None


def test_a_camera_that_sees_no_plaque_keeps_looking_until_the_inspector_cancels(live_server, phone_filming, world,
                                                                                 tmp_path):
    wall = io.BytesIO()
    Image.new("RGB", (400, 400), (118, 120, 116)).save(wall, "PNG")
    page = phone_filming(camera_video(wall.getvalue(), tmp_path / "wall.y4m"), checked=True).new_page()
    page.goto(f"{live_server}/app/")
    login(page, "inspector", PASSWORD)
    page.get_by_role("button", name="扫码入企").click()
    viewfinder = page.get_by_label("扫码取景")
    viewfinder.wait_for()
    page.wait_for_function("document.querySelector('video').readyState >= 2")  # frames are arriving
    page.wait_for_timeout(1200)  # four reads of the frame: nothing found, nowhere to go
    assert page.url.endswith("/app/") or page.url.endswith("/app/#/")
    check_screen(page, "app-12-scanning", viewfinder)
    page.get_by_role("button", name="取消扫码").click()
    viewfinder.wait_for(state="detached")
    assert page.evaluate("document.querySelector('video') === null")


def test_without_the_qr_reader_the_scan_button_says_so_and_offers_the_search(live_server, browser, world):
    # the service worker would fetch the reader itself, past the page's routes: this phone has none
    context = browser.new_context(**PHONE_CONTEXT, permissions=["geolocation"], service_workers="block")
    context.set_default_timeout(60000)
    try:
        page = context.new_page()
        page.route("**/app/vendor/jsQR.min.js", lambda route: route.abort("internetdisconnected"))  # signal lost
        page.goto(f"{live_server}/app/")
        login(page, "inspector", PASSWORD)
        page.get_by_role("button", name="扫码入企").click()  # nothing planned today: the list is empty
        page.get_by_text("扫码组件未能加载").wait_for()
        assert page.evaluate("document.activeElement.type") == "search"
        assert page.evaluate("document.querySelector('video') === null")
    finally:
        context.close()
