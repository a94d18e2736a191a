"""The grid worker in the phone app (a check of a venue, its failed item referred, never an order) and a running
campaign on the office dashboard, in Chromium."""

from datetime import timedelta

from sqlmodel import select

from hazards.models import RectificationOrder
from inspection.clock import local_date
from inspection.models import Referral
from inspection.types import utcnow
from tests.factories import PASSWORD
from tests.web.helpers import check_screen, login

API = "/api/v1"


def test_a_grid_worker_checks_a_venue_in_the_app(live_server, phone, client, world, session):
    r = client.post(f"{API}/grid/workers", headers=world.headers("office"), json={
        "username": "wangge1", "full_name": "网格员 周敏", "password": PASSWORD, "street": "河海街道"})
    assert r.status_code == 201, r.text
    page = phone.new_page()
    page.goto(f"{live_server}/app/")
    login(page, "wangge1", PASSWORD)
    page.locator("#venues").get_by_text("乙餐饮店").wait_for()
    check_screen(page, "grid-01-venues")
    page.locator("#venues").get_by_text("乙餐饮店").click()
    item = page.locator('[data-code="VENUE-01"]')
    item.wait_for()
    item.get_by_text("不合格", exact=True).click()
    item.get_by_label("VENUE-01 不合格情况").fill("灭火器过期")
    check_screen(page, "grid-02-check", show=item)
    page.get_by_role("button", name="提交巡查并移送").click()
    page.locator("#grid-done").get_by_text("已移送执法部门 1 项").wait_for()
    session.rollback()
    (referral,) = session.exec(select(Referral)).all()
    assert (referral.item_code, referral.to_department_id) == ("VENUE-01", world.fire.id)
    assert session.exec(select(RectificationOrder)).all() == []

    office = phone.new_page()
    office.goto(f"{live_server}/office/")
    login(office, "office", PASSWORD)
    office.locator("#grid-table").get_by_text("河海街道").wait_for()
    check_screen(office, "office-grid", show=office.locator("#grid-table"))


def test_the_office_dashboard_shows_a_running_campaign(live_server, phone, client, world):
    today = local_date(utcnow())
    r = client.post(f"{API}/campaigns", headers=world.headers("office"), json={
        "name": "粉尘涉爆专项整治", "kinds": ["DUST"], "target_filter": {"dust_involved": True},
        "start_date": str(today - timedelta(days=5)), "end_date": str(today + timedelta(days=20))})
    assert r.status_code == 201, r.text
    page = phone.new_page()
    page.goto(f"{live_server}/office/")
    login(page, "office", PASSWORD)
    campaign = page.locator("#campaigns .campaign")
    campaign.get_by_text("粉尘涉爆专项整治").wait_for()
    campaign.get_by_text("三井街道").wait_for()
    page.locator("#grid-stats").get_by_text("统计期内没有网格巡查").wait_for()
    check_screen(page, "office-campaign", show=campaign)
