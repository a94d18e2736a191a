"""The office's dashboard shows the programs: 审管联动 (lead time, backlog, overdue) and 安责险 coverage."""

from inspection.types import utcnow
from server.demo import programs
from tests.factories import PASSWORD
from tests.web.helpers import check_screen, login


def test_the_dashboard_shows_gas_linkage_and_insurance_coverage(live_server, phone, session, world):
    programs.load(session, now=utcnow())  # on the test world: its 住建 has no inspectors, so nothing is inspected
    session.commit()
    office = phone.new_page()
    office.goto(f"{live_server}/office/")
    login(office, "office", PASSWORD)
    linkage = office.locator("#linkage")
    linkage.locator("#kpi-linkage-events").get_by_text(str(len(programs.EVENTS))).wait_for()
    assert linkage.locator("#kpi-linkage-overdue .value").inner_text() != "0"
    linkage.locator("#linkage-overdue").get_by_text("春江街道烧烤店").wait_for()
    check_screen(office, "office-programs-01-linkage", linkage)
    insurance = office.locator("#insurance")
    insurance.locator("#kpi-insurance-rate").wait_for()
    insurance.get_by_text("未投保的重点企业").wait_for()
    check_screen(office, "office-programs-02-insurance", insurance)
