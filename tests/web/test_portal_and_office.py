"""The hazard loop in the browser: the enterprise opens its order from the printed QR link and uploads
evidence, an inspector accepts it, and the office dashboard's closure rate moves; the enterprise's own login,
extension requests and visit ratings; a plaque scanned with the phone's camera opens the visit."""

import uuid
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from hazards.documents.data import order_token
from hazards.models import Extension, Hazard, RectificationOrder
from inspection.clock import local_date
from inspection.field import qr
from inspection.models import ScanLog, VisitRating
from inspection.types import utcnow
from server.settings import get_settings
from tests import scenes
from tests.factories import PASSWORD
from tests.server import test_forgery as forged
from tests.web.helpers import check_screen, failed_visit, jpeg, login


def test_evidence_from_the_qr_link_accepted_moves_the_closure_rate(live_server, browser, phone, client, world,
                                                                    session):
    out = failed_visit(client, world, session, {"DUST-12"})
    hazard_id = out["hazard_ids"][0]
    token = order_token(get_settings().secret_key, session.get(RectificationOrder, out["order_ids"][0]))

    office = phone.new_page()
    office.goto(f"{live_server}/office/")
    check_screen(office, "office-01-login")
    login(office, "office", PASSWORD)
    office.locator("#kpi-closure").get_by_text("0.0%").wait_for()
    office.locator("#overdue").get_by_text("目前没有逾期隐患").wait_for()
    check_screen(office, "office-02-dashboard-before")

    enterprise = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                     has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai", bypass_csp=True)
    page = enterprise.new_page()
    page.goto(f"{live_server}/portal/orders/{token}")
    card = page.locator(f"#hazard-{hazard_id}")
    card.get_by_text("剩余 15 天").wait_for()
    check_screen(page, "portal-01-order-from-qr")
    with page.expect_download() as pdf:
        page.get_by_role("button", name="下载整改指令书 PDF").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    card.get_by_label("整改说明").fill("已修订粉尘防爆安全管理制度并组织学习")
    card.get_by_label("选择整改后照片（可多张）").set_input_files(jpeg((60, 140, 90)))
    card.get_by_role("button", name="提交整改材料").click()
    card.get_by_text("待审核").first.wait_for()
    check_screen(page, "portal-02-evidence-submitted", card)
    enterprise.close()

    inspector = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                    has_touch=True, locale="zh-CN", timezone_id="Asia/Shanghai", bypass_csp=True)
    app = inspector.new_page()
    app.goto(f"{live_server}/app/")
    login(app, "inspector2", PASSWORD)
    app.get_by_role("link", name="整改审核").click()
    item = app.locator(f"#review-{hazard_id}")
    item.get_by_role("img", name="整改后照片 1").wait_for()
    item.get_by_text("已修订粉尘防爆安全管理制度").wait_for()
    check_screen(app, "app-10-review")
    item.get_by_label("审核意见（退回时必填）").fill("核查属实")
    item.get_by_role("button", name="通过，销号").click()
    app.get_by_text("没有待审核的整改材料").wait_for()
    inspector.close()
    session.rollback()
    assert session.get(Hazard, hazard_id).status == "closed"

    office.reload()
    office.locator("#kpi-closure").get_by_text("100.0%").wait_for()
    office.locator("#group-table").get_by_text("三井街道").wait_for()
    check_screen(office, "office-03-dashboard-after")
    office.get_by_role("button", name="按部门").click()
    office.locator("#group-table").get_by_text("应急").wait_for()
    check_screen(office, "office-04-by-department", office.locator("#group-table"))
    with office.expect_download() as csv:
        office.get_by_role("button", name="导出闭环统计 CSV").click()
    assert "应急部门" in Path(csv.value.path()).read_text(encoding="utf-8-sig")


def test_enterprise_login_orders_extension_and_rating(live_server, phone, client, world, session):
    out = failed_visit(client, world, session, {"DUST-14"})
    hazard_id, visit_id = out["hazard_ids"][0], out["visit_id"]
    page = phone.new_page()
    page.goto(f"{live_server}/portal/")
    check_screen(page, "portal-03-login")
    login(page, "enterprise_a", PASSWORD)
    orders = page.locator("#orders")
    orders.get_by_text("应急责改").wait_for()
    check_screen(page, "portal-04-orders")
    orders.get_by_role("link").first.click()
    card = page.locator(f"#hazard-{hazard_id}")
    card.get_by_text("剩余 15 天").wait_for()

    wanted = local_date(utcnow() + timedelta(days=45))
    card.get_by_text("申请延期").click()
    card.get_by_label("延期理由").fill("培训机构排期在下月")
    card.get_by_label("申请延至").fill(str(wanted))
    card.get_by_role("button", name="提交延期申请").click()
    card.get_by_text("待审批").wait_for()
    check_screen(page, "portal-05-order-extension", card)
    session.rollback()
    assert session.exec(select(Extension).where(Extension.hazard_id == hazard_id)).one().requested_due_date == wanted

    page.get_by_role("link", name="检查记录与评价").click()
    visits = page.locator("#visits")
    visits.get_by_text("评价本次检查").first.click()
    visits.get_by_label("5 分").check()
    visits.get_by_label("意见（可选）").fill("检查人员讲解清楚")
    visits.get_by_role("button", name="提交评价").click()
    page.locator("#visits").get_by_text("已评价 5 分").wait_for()
    check_screen(page, "portal-06-visits-rated")
    session.rollback()
    rating = session.exec(select(VisitRating).where(VisitRating.visit_id == visit_id)).one()
    assert rating.score == 5 and rating.comment == "检查人员讲解清楚"

    office = phone.new_page()
    office.goto(f"{live_server}/office/")
    login(office, "office", PASSWORD)
    ratings = office.locator("#ratings-list")
    ratings.get_by_text("检查人员讲解清楚").wait_for()
    check_screen(office, "office-05-ratings", ratings)


def test_a_plaque_scanned_with_the_phone_camera_opens_the_visit(live_server, phone, client, world, session):
    body = {"enterprise_id": world.enterprise_a.id, "planned_date": str(local_date(utcnow())),
            "inspector_ids": [world.users["inspector2"].id]}
    visit = client.post("/api/v1/visits", json=body, headers=world.headers("inspector")).json()
    token = qr.plaque_token(get_settings().secret_key, qr.PlaqueKind.ENTERPRISE, world.enterprise_a.id)
    page = phone.new_page()
    page.goto(f"{live_server}/app/")
    login(page, "inspector", PASSWORD)
    page.locator("#work-list").wait_for()
    page.goto(f"{live_server}/q/{token}")  # what the phone's camera app opens
    page.wait_for_url(f"**/app/#/visit/{visit['id']}")
    page.locator("#item-DUST-13").wait_for()
    session.rollback()
    scan = session.exec(select(ScanLog)).one()
    assert scan.enterprise_id == world.enterprise_a.id and scan.latitude is not None


def test_the_planner_shows_the_merged_visit_and_the_visits_saved(live_server, phone, client, world):
    today = local_date(utcnow())
    window = {"window_start": str(today + timedelta(days=4)), "window_end": str(today + timedelta(days=12))}
    for who in ("inspector", "fire_inspector"):
        planned = client.post("/api/v1/tasks", headers=world.headers(who),
                              json={"enterprise_id": world.enterprise_b.id, "kinds": ["GAS"], **window})
        assert planned.status_code == 201, planned.text
    assert client.post("/api/v1/admin/jobs/inspect_once/run", headers=world.headers("office")).json()["ok"]
    page = phone.new_page()
    page.goto(f"{live_server}/office/")
    login(page, "office", PASSWORD)
    merges = page.locator("#merges")
    merges.get_by_text("乙餐饮店").wait_for()
    merges.get_by_text("应急部门").wait_for()
    assert page.locator("#kpi-saved .value").inner_text() == "0"  # none made yet (inspection.planning.saved)
    assert page.locator("#kpi-saved-planned .value").inner_text() == "1"  # the joint visit will save one trip
    check_screen(page, "office-06-planner", page.locator("#tasks-table"))


def test_inspector_decides_extension_requests_and_sends_evidence_back_with_a_new_deadline(
        live_server, phone, client, world, session):
    out = failed_visit(client, world, session, {"DUST-12", "DUST-14"})
    extended, sent_back = out["hazard_ids"]
    wanted = local_date(utcnow() + timedelta(days=45))
    granted = local_date(utcnow() + timedelta(days=30))
    request = client.post(f"/api/v1/hazards/{extended}/extensions",
                          json={"reason": "防爆电气设备订货周期长", "requested_due_date": str(wanted),
                                "interim_measures": "停用该区域打磨工位"}, headers=world.headers("enterprise_a"))
    assert request.status_code == 201, request.text
    photo = client.post("/api/v1/photos", files={"file": ("after.jpg", jpeg((90, 90, 160))["buffer"], "image/jpeg")},
                        data={"client_uuid": str(uuid.uuid4())}, headers=world.headers("enterprise_a")).json()
    assert client.post(f"/api/v1/hazards/{sent_back}/evidence", json={"note": "已整改", "photo_ids": [photo["id"]]},
                       headers=world.headers("enterprise_a")).status_code == 201

    app = phone.new_page()
    app.goto(f"{live_server}/app/")
    login(app, "inspector2", PASSWORD)
    app.get_by_role("link", name="整改审核").click()
    card = app.locator(f"#extension-{request.json()['id']}")
    card.get_by_text("防爆电气设备订货周期长").wait_for()
    card.get_by_text("临时安全措施：停用该区域打磨工位").wait_for()
    check_screen(app, "app-11-extension-request", card)
    card.get_by_label("批准延至").fill(str(granted))
    card.get_by_label("审批意见").fill("同意延期，但须在30天内完成")
    card.get_by_role("button", name="批准延期").click()
    app.get_by_text("没有待审批的延期申请").wait_for()

    review = app.locator(f"#review-{sent_back}")
    review.get_by_label("审核意见（退回时必填）").fill("照片未反映整改部位")
    review.get_by_label("退回后的整改期限（不填则沿用原期限）").fill(str(local_date(utcnow() + timedelta(days=5))))
    review.get_by_role("button", name="退回重改").click()
    app.get_by_text("没有待审核的整改材料").wait_for()

    session.rollback()
    extension = session.get(Extension, request.json()["id"])
    assert extension.status == "approved" and extension.decision_note == "同意延期，但须在30天内完成"
    assert local_date(session.get(Hazard, extended).due_at) == granted  # the date granted, not the one asked
    back = session.get(Hazard, sent_back)
    assert back.status == "open" and local_date(back.due_at) == local_date(utcnow() + timedelta(days=5))


def test_a_login_that_runs_out_returns_each_page_to_its_login_form(live_server, phone, world, session):
    from inspection.models import User
    from server import auth

    def run_out(username: str) -> None:  # what an expired or withdrawn login looks like to the pages: a 401
        user = session.get(User, world.users[username].id)
        user.is_active = False
        session.add(user)
        session.commit()
        auth.actors.clear()

    app = phone.new_page()
    app.goto(f"{live_server}/app/")
    login(app, "inspector", PASSWORD)
    app.get_by_text("今天没有安排的检查").wait_for()
    run_out("inspector")
    app.reload()
    app.get_by_text("登录已过期，请重新登录（手机上未上传的内容会保留）").wait_for()
    app.get_by_label("用户名").wait_for()

    office = phone.new_page()
    office.goto(f"{live_server}/office/")
    login(office, "office", PASSWORD)
    office.locator("#kpi-closure").wait_for()
    run_out("office")
    office.reload()
    office.get_by_role("heading", name="安委办登录").wait_for()
    office.get_by_label("用户名").wait_for()


def test_the_review_screen_shows_a_near_match_side_by_side_and_the_portal_the_flags(live_server, browser, phone,
                                                                                   client, world, session):
    wall = scenes.extinguisher_wall(1)
    out = failed_visit(client, world, session, {"DUST-12"}, picture=forged.jpeg(wall))
    hazard_id = out["hazard_ids"][0]
    before = client.get(f"/api/v1/hazards/{hazard_id}", headers=world.headers("inspector")).json()
    after = client.post("/api/v1/photos", files={"file": ("after.jpg", forged.jpeg(
        scenes.blended(wall, scenes.extinguisher_wall(101)), taken="2020:05:01 09:30:00"), "image/jpeg")},
        data={"client_uuid": str(uuid.uuid4())}, headers=world.headers("enterprise_a")).json()
    evidence = client.post(f"/api/v1/hazards/{hazard_id}/evidence", json={"note": "已更换", "photo_ids": [after["id"]]},
                           headers=world.headers("enterprise_a"))
    assert evidence.status_code == 201, evidence.text
    assert {f["kind"] for f in evidence.json()["flags"]} == {"near_match", "captured_before_finding"}

    app = phone.new_page()
    app.goto(f"{live_server}/app/")
    login(app, "inspector2", PASSWORD)
    app.get_by_role("link", name="整改审核").click()
    item = app.locator(f"#review-{hazard_id}")
    near = item.locator(".review-flag[data-kind=near_match]")
    near.get_by_text("⚠ 疑似重复使用照片").wait_for()
    near.get_by_role("img", name=f"整改照片 #{after['id']}").wait_for()
    near.get_by_role("img", name=f"隐患照片 #{before['before_photo_ids'][0]}").wait_for()
    item.locator(".review-flag[data-kind=captured_before_finding]").get_by_text("⚠ 拍摄时间早于隐患发现时间").wait_for()
    check_screen(app, "app-12-review-flagged", near)

    token = order_token(get_settings().secret_key, session.get(RectificationOrder, out["order_ids"][0]))
    portal = phone.new_page()
    portal.goto(f"{live_server}/portal/orders/{token}")
    card = portal.locator(f"#hazard-{hazard_id}")
    card.locator(".evidence-flag[data-kind=near_match]").get_by_text("十分相似").wait_for()
    check_screen(portal, "portal-03-evidence-flagged", card)
