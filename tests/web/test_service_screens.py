"""Service (送达) on the screens: the enterprise agrees to electronic service in the portal and withdraws it
with a reason; an order served electronically shows how and when, with its 送达回执 PDF."""

from pathlib import Path

from sqlmodel import select

from hazards.signoff.models import ServiceConsent
from inspection import audit
from inspection.types import utcnow
from tests.factories import PASSWORD
from tests.web.helpers import check_screen, failed_visit, login

API = "/api/v1"


def test_the_enterprise_consents_sees_the_order_served_and_withdraws(live_server, phone, client, world, session):
    out = failed_visit(client, world, session, {"DUST-14"})
    order_id = out["order_ids"][0]
    page = phone.new_page()
    page.goto(f"{live_server}/portal/")
    login(page, "enterprise_a", PASSWORD)
    page.locator("#orders").get_by_text("尚未记录送达").wait_for()
    page.get_by_role("link", name="电子送达").click()
    form = page.locator("#consent-form")
    form.get_by_text("未同意").wait_for()
    assert form.get_by_label("送达地址（账号或手机号）").input_value() == "enterprise_a"
    check_screen(page, "portal-20-service-consent-form")
    form.get_by_label("送达方式").select_option("sms")
    form.get_by_label("送达地址（账号或手机号）").fill("1381234")
    form.get_by_label("本企业同意以上述地址接收电子送达的执法文书").check()
    form.get_by_role("button", name="同意电子送达").click()
    form.get_by_text("请填写 11 位手机号").wait_for()
    form.get_by_label("送达地址（账号或手机号）").fill("13812345678")
    form.get_by_role("button", name="同意电子送达").click()
    page.locator("#consent").get_by_text("手机短信 13812345678").wait_for()
    check_screen(page, "portal-21-service-consented")
    consent = session.exec(select(ServiceConsent).where(ServiceConsent.enterprise_id == world.enterprise_a.id)).one()
    assert consent.channel == "sms" and consent.revoked_at is None

    served = client.post(f"{API}/documents/order/{order_id}/service",
                         json={"method": "electronic", "served_at": utcnow().isoformat()},
                         headers=world.headers("inspector"))
    assert served.status_code == 201, served.text
    page.goto(f"{live_server}/portal/#/")
    page.locator("#orders").get_by_text("已电子送达").wait_for()
    page.goto(f"{live_server}/portal/#/order/{order_id}")
    box = page.locator("#order-service")
    box.get_by_text("电子送达").wait_for()
    check_screen(page, "portal-22-order-served", show=box)
    with page.expect_download() as pdf:
        box.get_by_role("button", name="下载送达回执 PDF").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")

    page.goto(f"{live_server}/portal/#/service")
    consent_box = page.locator("#consent")
    consent_box.get_by_text("撤回同意").first.click()
    consent_box.get_by_label("撤回理由").fill("手机号已停用")
    consent_box.get_by_role("button", name="撤回同意").click()
    page.locator("#revoked-consents").get_by_text("撤回").wait_for()
    page.locator("#consent-form").wait_for()
    session.rollback()  # a fresh snapshot: the server commits in its own sessions
    assert session.get(ServiceConsent, consent.id).revoked_at is not None
    assert audit.history(session, "enterprise", world.enterprise_a.id)[-1].reason == "手机号已停用"
