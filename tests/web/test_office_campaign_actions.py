"""The office adds a campaign's targets from a CSV list (a bad list refused, its rows named) and closes the
campaign on the dashboard, in Chromium."""

from datetime import timedelta

from inspection.clock import local_date
from inspection.types import utcnow
from tests.factories import PASSWORD
from tests.web.helpers import check_screen, login

API = "/api/v1"


def test_the_office_uploads_a_target_list_and_closes_the_campaign(live_server, phone, client, world, tmp_path):
    today = local_date(utcnow())
    r = client.post(f"{API}/campaigns", headers=world.headers("office"), json={
        "name": "除患治违专项行动", "kinds": ["DUST"], "target_filter": {"dust_involved": True},
        "start_date": str(today - timedelta(days=5)), "end_date": str(today + timedelta(days=20))})
    assert r.status_code == 201, r.text
    campaign_id = r.json()["id"]
    bad = tmp_path / "名单-有误.csv"
    bad.write_text(f"统一社会信用代码\n{world.enterprise_b.credit_code}\n91320411MA1XXXXXXX\n", encoding="utf-8")
    good = tmp_path / "名单.csv"
    good.write_text(f"统一社会信用代码\n{world.enterprise_b.credit_code}\n{world.landlord.credit_code}\n",
                    encoding="utf-8")

    page = phone.new_page()
    page.goto(f"{live_server}/office/")
    login(page, "office", PASSWORD)
    card = page.locator(f'[data-campaign="{campaign_id}"]')
    card.get_by_text("除患治违专项行动").wait_for()
    card.get_by_label("追加检查对象名单", exact=False).set_input_files(str(bad))
    card.get_by_role("button", name="上传名单").click()
    card.get_by_text("第 3 行（91320411MA1XXXXXXX）", exact=False).wait_for()
    card.get_by_role("alert").get_by_text("未添加任何企业", exact=False).wait_for()
    check_screen(page, "office-campaign-list-refused", show=card)
    assert client.get(f"{API}/campaigns/{campaign_id}", headers=world.headers("office")).json()["targets"] == 1

    card.get_by_label("追加检查对象名单", exact=False).set_input_files(str(good))
    card.get_by_role("button", name="上传名单").click()
    page.locator(f'[data-campaign="{campaign_id}"] .kpi').first.get_by_text("3").wait_for()
    assert client.get(f"{API}/campaigns/{campaign_id}", headers=world.headers("office")).json()["targets"] == 3

    card = page.locator(f'[data-campaign="{campaign_id}"]')
    card.get_by_label("结束说明").fill("整治期满")
    card.get_by_role("button", name="结束专项行动").click()
    page.locator(f'[data-campaign="{campaign_id}"] .closed-note').get_by_text("整治期满", exact=False).wait_for()
    check_screen(page, "office-campaign-closed", show=page.locator(f'[data-campaign="{campaign_id}"]'))
    body = client.get(f"{API}/campaigns/{campaign_id}", headers=world.headers("office")).json()
    assert body["status"] == "closed" and body["close_note"] == "整治期满"
