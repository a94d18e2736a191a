"""#18/#20 in the browser: the portal shows an after-photo as soon as it is uploaded (before the evidence is sent),
the after-photos on each hazard, which department came on each visit and in the scan log; and an error the
inspector's app shows is Chinese, never a raw code or pydantic's English."""

import re
import zipfile

from sqlmodel import select

from hazards.documents.data import order_token
from hazards.models import Evidence, RectificationOrder
from inspection.field import qr
from server.settings import get_settings
from tests.factories import PASSWORD
from tests.web.helpers import PHONE_CONTEXT, check_screen, failed_visit, jpeg, login

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z_]{4,}")


def _loaded(locator) -> None:
    """The image is on the page and decoded (the server answered with a picture, not a 404)."""
    locator.wait_for()
    locator.evaluate("img => img.complete && img.naturalWidth > 0 ? true : "
                     "new Promise((ok, fail) => { img.onload = () => ok(true); img.onerror = fail; })")
    assert locator.evaluate("img => img.naturalWidth") > 0


def test_the_qr_link_shows_the_after_photo_as_soon_as_it_is_uploaded(live_server, browser, client, world, session):
    out = failed_visit(client, world, session, {"DUST-12"})
    hazard_id = out["hazard_ids"][0]
    token = order_token(get_settings().secret_key, session.get(RectificationOrder, out["order_ids"][0]))
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai", bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server}/portal/orders/{token}")
    card = page.locator(f"#hazard-{hazard_id}")
    card.get_by_text("剩余 15 天").wait_for()

    card.get_by_label("选择整改后照片（可多张）").set_input_files(jpeg((30, 160, 200)))
    preview = card.locator(f"#ev-photos-{hazard_id}-uploaded img")
    _loaded(preview)  # shown before any evidence names it
    assert preview.get_attribute("alt") == "已上传整改后照片 1"
    card.get_by_text("已上传 1 张").wait_for()
    check_screen(page, "portal-07-after-photo-uploaded", card)
    session.rollback()
    assert session.exec(select(Evidence).where(Evidence.hazard_id == hazard_id)).first() is None

    card.get_by_label("整改说明").fill("已补设泄爆装置")
    card.get_by_role("button", name="提交整改材料").click()
    card.get_by_text("待审核").first.wait_for()
    shown = card.locator(".evidence .after-photos img")
    _loaded(shown.first)
    session.rollback()
    evidence = session.exec(select(Evidence).where(Evidence.hazard_id == hazard_id)).one()
    assert [int(shown.first.get_attribute("data-photo-id"))] == evidence.photo_ids
    check_screen(page, "portal-08-after-photos-on-hazard", card)

    # the link shows its own fresh uploads, not a photo the enterprise's account uploaded and never attached
    photo = jpeg((10, 90, 40))
    upload = client.post("/api/v1/photos", headers=world.headers("enterprise_a"),
                         files={"file": ("other.jpg", photo["buffer"], "image/jpeg")},
                         data={"client_uuid": "6a1f3c1e-8d1b-4c55-9c0e-3f2d1a000002"})
    assert upload.status_code == 201, upload.text
    assert client.get(f"/api/v1/portal/orders/{token}/photos/{upload.json()['id']}").status_code == 404
    context.close()


def test_the_enterprise_sees_after_photos_departments_and_who_scanned(live_server, phone, client, world, session):
    out = failed_visit(client, world, session, {"DUST-14"})
    hazard_id = out["hazard_ids"][0]
    plaque = qr.plaque_token(get_settings().secret_key, qr.PlaqueKind.ENTERPRISE, world.enterprise_a.id)
    scanned = client.get(f"/api/v1/qr/{plaque}", headers=world.headers("fire_inspector"))
    assert scanned.status_code == 200, scanned.text

    page = phone.new_page()
    page.goto(f"{live_server}/portal/")
    login(page, "enterprise_a", PASSWORD)
    page.locator("#orders").get_by_role("link").first.click()
    card = page.locator(f"#hazard-{hazard_id}")
    card.get_by_label("选择整改后照片（可多张）").set_input_files([jpeg((200, 40, 160)), jpeg((20, 60, 220)),
                                                            jpeg((240, 220, 20))])
    card.get_by_text("已上传 3 张").wait_for()
    _loaded(card.locator(f"#ev-photos-{hazard_id}-uploaded img").nth(2))
    card.get_by_role("button", name="移除已上传整改后照片 3").click()  # chosen by mistake
    card.get_by_text("已上传 2 张").wait_for()
    card.get_by_label("整改说明").fill("已清理积尘并建立清扫记录")
    card.get_by_role("button", name="提交整改材料").click()
    card.get_by_text("待审核").first.wait_for()
    after = card.locator(".evidence .after-photos img")
    _loaded(after.nth(0))
    _loaded(after.nth(1))
    assert after.nth(1).get_attribute("alt") == "整改后照片 2" and after.count() == 2
    session.rollback()
    evidence = session.exec(select(Evidence).where(Evidence.hazard_id == hazard_id)).one()
    assert [int(after.nth(i).get_attribute("data-photo-id")) for i in range(2)] == evidence.photo_ids

    page.get_by_role("link", name="检查记录与评价").click()
    visits = page.locator("#visits")
    visits.locator(".visit-departments").first.wait_for()
    assert "检查部门：应急部门" in visits.locator(".visit-departments").first.inner_text()
    scans = page.get_by_role("table")
    scans.get_by_role("cell", name="fire_inspector").wait_for()
    row = scans.get_by_role("row").filter(has_text="fire_inspector")
    assert "消防部门" in row.inner_text()
    check_screen(page, "portal-09-visits-departments-scans")


def test_an_error_in_the_app_is_chinese(live_server, phone, client, world, session):
    out = failed_visit(client, world, session, {"DUST-12"})
    hazard_id = out["hazard_ids"][0]
    photo = jpeg((90, 200, 60))
    upload = client.post("/api/v1/photos", headers=world.headers("enterprise_a"),
                         files={"file": ("after.jpg", photo["buffer"], "image/jpeg")},
                         data={"client_uuid": "6a1f3c1e-8d1b-4c55-9c0e-3f2d1a000001"})
    assert upload.status_code == 201, upload.text
    sent = client.post(f"/api/v1/hazards/{hazard_id}/evidence", headers=world.headers("enterprise_a"),
                       json={"note": "已整改", "photo_ids": [upload.json()["id"]]})
    assert sent.status_code == 201, sent.text

    page = phone.new_page()
    page.goto(f"{live_server}/app/")
    login(page, "inspector2", PASSWORD)
    page.get_by_role("link", name="整改审核").click()
    item = page.locator(f"#review-{hazard_id}")
    item.get_by_role("button", name="退回重改").click()  # no reason: the server's validation refuses it
    alert = item.get_by_role("alert")
    alert.wait_for()
    text = alert.inner_text()
    assert text == "请求数据不合法（理由：至少 2 个字符）", text
    assert CJK.search(text) and not LATIN_WORD.search(text), text
    check_screen(page, "app-11-error-in-chinese", item)

    # a problem the server names by code is still read in Chinese (the old screen said "results：unknown_photo")
    said = page.evaluate("""async () => {
        const { ApiError, describe } = await import("/static/api.js");
        return [
          describe(new ApiError(422, "invalid_submission", "提交内容有1处问题 / 1 problem(s) in the submission",
                                [{ loc: ["results"], photo_id: 7, problem: "unknown_photo" }])),
          describe(new ApiError(404, "not_found", "Not Found")),
          describe(new ApiError(422, "invalid", "invalid request",
                                [{ loc: ["body", "shiny_new_field"], type: "something_new", message: "Bad" }])),
        ];
    }""")
    assert said[0] == "提交内容有1处问题（检查结果：照片不存在或不属于本次检查）"
    assert said[1] == "未找到"
    assert said[2] == "提交的数据不合法（取值不合法）"
    for text in said:
        assert not LATIN_WORD.search(text), said


def test_the_inspector_downloads_the_case_file_from_the_result_page(live_server, browser, phone, client, world,
                                                                    session):
    out = failed_visit(client, world, session, {"DUST-12"})
    page = phone.new_page()
    page.goto(f"{live_server}/app/")
    login(page, "inspector", PASSWORD)
    page.locator("#work-list").wait_for()
    page.goto(f"{live_server}/app/#/result/{out['visit_id']}")
    with page.expect_download() as download:
        page.get_by_role("button", name="下载案卷（一案一档）").click()
    archive = zipfile.ZipFile(download.value.path())
    assert {"00_卷内目录.pdf", "00_卷内目录.csv", "04_审计事件.csv"} <= set(archive.namelist())
    assert any(n.startswith("01_文书/") and "责令限期整改指令书" in n for n in archive.namelist())

    other = browser.new_context(**PHONE_CONTEXT)  # another department's inspector is not offered it
    fire = other.new_page()
    fire.goto(f"{live_server}/app/")
    login(fire, "fire_inspector", PASSWORD)
    fire.locator("#list-title").wait_for()
    fire.goto(f"{live_server}/app/#/result/{out['visit_id']}")
    fire.locator("#hazards").wait_for()
    assert fire.get_by_role("button", name="下载案卷（一案一档）").count() == 0
    other.close()
