"""The inbox in the browser: the enterprise sees its order in the portal's messages and marks it read; the
inspectors see the evidence awaiting their review in the app and follow it to the review list."""

from tests.factories import PASSWORD
from tests.web.helpers import check_screen, failed_visit, jpeg, login


def test_portal_and_app_inboxes(live_server, phone, client, world, session):
    out = failed_visit(client, world, session, {"DUST-12"})
    hazard_id, order_id = out["hazard_ids"][0], out["order_ids"][0]

    portal = phone.new_page()
    portal.goto(f"{live_server}/portal/")
    login(portal, "enterprise_a", PASSWORD)
    unread = portal.locator("#inbox-unread")
    unread.get_by_text("1").wait_for()
    portal.locator("#inbox-link").click()
    item = portal.locator("#inbox li").first
    item.get_by_text("收到责令限期整改指令书").wait_for()
    item.get_by_text("未读").wait_for()
    check_screen(portal, "portal-20-inbox")
    item.get_by_role("button", name="标为已读").click()
    item.get_by_text("已读").wait_for()
    unread.wait_for(state="hidden")
    item.get_by_role("button", name="查看").click()
    portal.wait_for_url(f"**/portal/#/order/{order_id}")
    card = portal.locator(f"#hazard-{hazard_id}")
    card.get_by_label("选择整改后照片（可多张）").set_input_files(jpeg((30, 160, 70)))
    card.get_by_role("button", name="提交整改材料").click()
    card.get_by_text("待审核").first.wait_for()

    app = phone.new_page()
    app.goto(f"{live_server}/app/")
    login(app, "inspector2", PASSWORD)
    app.locator("#inbox-unread").get_by_text("1").wait_for()
    app.locator("#inbox-link").click()
    awaiting = app.locator("#inbox li").first
    awaiting.get_by_text("整改材料待审核").wait_for()
    check_screen(app, "app-20-inbox")
    app.get_by_role("button", name="全部标为已读").click()
    app.locator("#inbox-count").get_by_text("未读 0 条").wait_for()
    app.locator("#inbox li").first.get_by_role("button", name="查看").click()
    app.locator(f"#review-{hazard_id}").wait_for()
