"""The enterprise sees in its portal the advice (提示项) its visits gave, with the basis and what the inspector
noted, and each department's own record number (issue 16)."""

from pathlib import Path

from tests.factories import PASSWORD
from tests.server.test_part_records import advisory_visit, gas_officers
from tests.web.helpers import check_screen, login


def test_the_portal_shows_a_visits_advice_and_its_record(live_server, phone, client, world, session):
    gas_officers(session, world)
    advised = advisory_visit(client, world, session)
    visit = client.get(f"/api/v1/visits/{advised['visit_id']}", headers=world.headers("office")).json()
    number = visit["departments"][0]["record_number"]
    assert "住建燃检记〔" in number

    page = phone.new_page()
    page.goto(f"{live_server}/portal/")
    login(page, "enterprise_b", PASSWORD)
    page.get_by_role("link", name="检查记录与评价").click()
    card = page.locator(f"#visit-{advised['visit_id']}")
    advice = card.get_by_role("region", name="提示事项（建议改进，不作为隐患）")
    advice.wait_for()
    text = advice.inner_text()
    assert advised["code"] in text and advised["item"]["text"] in text
    assert f"依据：{advised['item']['legal_basis']}" in text
    assert f"现场情况：{advised['code']} 不合格" in text and f"提出部门：{world.gas.name}" in text
    assert f"现场检查记录：{world.gas.name} {number}" in card.inner_text()
    check_screen(page, "portal-10-visit-advice", card)
    with page.expect_download() as pdf:
        card.get_by_role("button", name="现场检查记录 PDF").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
