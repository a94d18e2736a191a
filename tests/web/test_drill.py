"""The office dashboard from figure to list: a KPI and a grouped cell open the hazards behind them (paged), the
top failed items show their legal basis, the repeat offenders their items and dates."""

import re

from tests.factories import PASSWORD
from tests.hazards import stats_dataset
from tests.web.helpers import check_screen, login


def test_dashboard_figures_open_their_hazards(live_server, phone, client, world, session):
    stats_dataset.build(session, world)
    session.commit()
    total = client.get("/api/v1/stats/closure", params={"from": "2026-01-01"},
                       headers=world.headers("office")).json()["total"]

    office = phone.new_page()
    office.goto(f"{live_server}/office/")
    login(office, "office", PASSWORD)
    office.locator("#kpi-found").get_by_role("button").click()
    office.locator("#drill-title").get_by_text(f"发现隐患（共 {total['found']} 项）").wait_for()
    assert office.locator("#drill-table tbody tr").count() == total["found"]
    check_screen(office, "office-20-drill-found", office.locator("#drill"))
    office.locator("#group-table").get_by_role("button", name="查看河海街道 · 逾期未改清单").click()
    office.locator("#drill-title").get_by_text(re.compile(r"^河海街道 · 逾期未改（共 [12] 项）$")).wait_for()
    office.locator("#drill-table").get_by_text("乙餐饮店").first.wait_for()
    office.get_by_role("button", name="关闭清单").click()
    office.locator("#drill-table").wait_for(state="detached")
    top = office.locator("#top-items")
    top.get_by_text("DUST-26").wait_for()
    assert "《" in top.inner_text()  # the legal basis is shown
    offenders = office.locator("#repeat-offenders")
    offenders.get_by_text("甲铝业有限公司").wait_for()
    offenders.get_by_text("再次发现").wait_for()
    check_screen(office, "office-21-top-items-and-repeat-offenders", offenders)
