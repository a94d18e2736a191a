"""先验后批 in the browser: the lessor sees its application in the portal, the office on the dashboard; both say
the program is a local practice, not a licence."""

from datetime import timedelta

from sqlmodel import select

from inspection.clock import local_date
from inspection.models import User
from inspection.types import utcnow
from schemas.enums import Role
from tests import factories
from tests.factories import PASSWORD
from tests.web.helpers import check_screen, login


def test_the_lessor_and_the_office_see_the_lease_application(live_server, phone, client, world, session):
    factories.make_user(session, "landlord_user", Role.ENTERPRISE, enterprise_id=world.landlord.id)
    tenant = factories.make_enterprise(session, name="新来电子有限公司")
    session.commit()
    world.users["landlord_user"] = session.exec(select(User).where(User.username == "landlord_user")).one()
    today = local_date(utcnow())
    filed = client.post("/api/v1/lease-applications", headers=world.headers("landlord_user"), json={
        "site_id": world.site.id, "tenant_credit_code": tenant.credit_code, "unit": "2号楼3层", "area_m2": 600,
        "intended_use": "电子元件组装", "term_start": str(today), "term_end": str(today + timedelta(days=730))})
    assert filed.status_code == 201, filed.text

    page = phone.new_page()
    page.goto(f"{live_server}/portal/")
    login(page, "landlord_user", PASSWORD)
    page.get_by_role("link", name="厂房出租申请").click()
    leases = page.locator("#leases")
    leases.get_by_text("新来电子有限公司", exact=False).wait_for()
    leases.get_by_text("审批中").wait_for()
    page.get_by_text("不是行政许可", exact=False).wait_for()
    check_screen(page, "portal-07-lease-applications", leases)

    office = phone.new_page()
    office.goto(f"{live_server}/office/")
    login(office, "office", PASSWORD)
    office.locator("#leases").get_by_text("电子元件组装").wait_for()
    check_screen(office, "office-06-lease-applications", office.locator("#leases"))
