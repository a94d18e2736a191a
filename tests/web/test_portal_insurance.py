"""安责险 in the enterprise portal: the enterprise reads its own policies, the one ending soon highlighted, and
nobody else's."""

from datetime import timedelta

from inspection.clock import local_date
from inspection.types import utcnow
from tests.factories import PASSWORD
from tests.web.helpers import check_screen, login


def policy(client, world, enterprise_id: int, number: str, start: int, end: int, insurer: str) -> None:
    today = local_date(utcnow())
    r = client.post("/api/v1/insurance/policies", headers=world.headers("office"), json={
        "enterprise_id": enterprise_id, "insurer": insurer, "policy_number": number,
        "period_start": str(today + timedelta(days=start)), "period_end": str(today + timedelta(days=end)),
        "insured_amount": 2_000_000, "coverage": "从业人员伤亡、第三者责任"})
    assert r.status_code == 201, r.text


def test_the_enterprise_sees_its_own_policies_and_the_one_expiring(live_server, phone, client, world):
    policy(client, world, world.enterprise_a.id, "AZX-2025-0001", -730, -366, "平安财险常州中心支公司")
    policy(client, world, world.enterprise_a.id, "AZX-2026-0002", -355, 10, "人保财险常州分公司")
    policy(client, world, world.enterprise_b.id, "AZX-2026-9999", -10, 300, "太平洋财险常州分公司")

    page = phone.new_page()
    page.goto(f"{live_server}/portal/")
    login(page, "enterprise_a", PASSWORD)
    page.get_by_role("link", name="安责险保单").click()
    policies = page.locator("#policies")
    policies.get_by_text("AZX-2026-0002", exact=False).wait_for()
    expiring = policies.locator("li", has_text="AZX-2026-0002")
    expiring.get_by_text("即将到期，剩 10 天", exact=False).wait_for()
    expiring.get_by_text("2,000,000 元", exact=False).wait_for()
    expiring.get_by_text("人保财险常州分公司").wait_for()
    policies.locator("li", has_text="AZX-2025-0001").get_by_text("已到期").wait_for()
    assert policies.locator("li").count() == 2
    assert page.get_by_text("AZX-2026-9999", exact=False).count() == 0  # another enterprise's policy
    assert page.get_by_role("button").filter(has_text="保存").count() == 0  # read-only
    check_screen(page, "portal-08-insurance-policies", policies)
