"""Issue 20, "pages people can read": the office's tables at 360 px (stacked cards, nothing sideways) and at
1440 px (no date, level or count broken mid-word, nothing clipped), charts as wide as their card with labels at
their real size, and dates typed and shown as 年-月-日 in a browser whose own locale is American."""

from datetime import timedelta
from typing import Any

from inspection.clock import local_date
from inspection.types import utcnow
from schemas.enums import HazardLevel
from tests.factories import PASSWORD
from tests.hazards.stats_dataset import make_hazard
from tests.web.helpers import SCREENS, login, settle

DESK = {"width": 1440, "height": 900}
PHONE = {"width": 360, "height": 780}

# every cell of every table: its text is not cut off (nothing overflows the cell)
CLIPPED = """() => [...document.querySelectorAll('table td')]
  .filter(td => td.getClientRects().length && td.scrollWidth > td.clientWidth + 1)
  .map(td => td.closest('table').id + ': ' + td.textContent)"""
# short cells (dates, levels, counts, names) whose text was broken over two lines or more: each text node of the
# cell on one line (a cell may hold a link or a button of its own, set lower by its padding: not a break)
BROKEN = """() => [...document.querySelectorAll('table td.short')].filter(td => {
  const walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange(); range.selectNodeContents(node);
    if (new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1) return true;
  }
  return false;
}).map(td => td.closest('table').id + ': ' + td.textContent)"""


def overdue_hazards(session: Any, world: Any) -> None:
    today = local_date(utcnow())
    long_name = "DUST-05"  # an item with a long text
    for days, item, level in ((35, long_name, HazardLevel.GENERAL), (20, "DUST-01", HazardLevel.MAJOR),
                              (12, "GAS-01", HazardLevel.GENERAL)):
        found = today - timedelta(days=days + 10)
        make_hazard(session, world.enterprise_a, world.safety, item, found=f"{found} 10:00",
                    due=str(today - timedelta(days=days)), level=level)
    session.commit()


def open_dashboard(browser: Any, live_server: str, viewport: dict[str, int], locale: str,
                   ready: tuple[str, ...] = ("#overdue-table", "#group-table")) -> tuple[Any, Any]:
    context = browser.new_context(viewport=viewport, locale=locale, timezone_id="Asia/Shanghai")
    context.set_default_timeout(60000)
    page = context.new_page()
    page.goto(f"{live_server}/office/")
    login(page, "office", PASSWORD)
    for selector in ready:
        page.locator(selector).wait_for()
    settle(page)
    return context, page


def test_tables_read_at_1440_px_without_mid_word_breaks_and_charts_fill_their_card(live_server, browser, world,
                                                                                   session):
    overdue_hazards(session, world)
    context, page = open_dashboard(browser, live_server, DESK, "en-US")
    try:
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / "office-10-desk-1440.png"), full_page=True)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= DESK["width"]
        assert page.evaluate(CLIPPED) == []
        assert page.evaluate(BROKEN) == []
        dates = page.locator("#overdue-table td.short").all_inner_texts()
        assert any(text.count("/") == 2 and text.startswith("20") for text in dates), dates  # 2026/11/03, zh-CN
        chart = page.evaluate("""() => { const svg = document.querySelector('svg.chart');
            const card = svg.closest('.card'); const text = svg.querySelector('text');
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            return {chart: svg.getBoundingClientRect().width, card: card.clientWidth,
                    font: parseFloat(getComputedStyle(text).fontSize) * scale}; }""")
        assert chart["chart"] >= 0.9 * (chart["card"] - 32), chart
        assert 12 <= chart["font"] <= 15, chart
        # the period's dates read 年-月-日 although the browser is American
        assert page.locator("#from").get_attribute("type") == "text"
        value = page.locator("#from").input_value()
        assert len(value) == 10 and value[4] == "-" and value[7] == "-", value
    finally:
        context.close()


def test_tables_read_at_360_px_as_cards_with_nothing_sideways(live_server, browser, world, session):
    overdue_hazards(session, world)
    context, page = open_dashboard(browser, live_server, PHONE, "en-US")
    try:
        page.locator("#overdue").scroll_into_view_if_needed()
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / "office-11-phone-360.png"), full_page=True)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
        assert page.evaluate(CLIPPED) == []
        cards = page.evaluate("""() => [...document.querySelectorAll('#overdue-table tbody tr')].map(tr =>
            [getComputedStyle(tr).display, [...tr.children].every(td => td.dataset.label)])""")
        assert cards and all(display == "block" and labelled for display, labelled in cards), cards
        wide = page.evaluate("""() => [...document.querySelectorAll('table')].filter(t =>
            t.getBoundingClientRect().right > window.innerWidth + 1).map(t => t.id)""")
        assert wide == []
    finally:
        context.close()


def test_the_dashboard_shows_the_quarters_inspection_burden(live_server, browser, world, session):
    from tests.server.test_burden import visit

    today = local_date(utcnow())
    b = world.enterprise_b
    visit(session, b, [world.safety, world.fire, world.gas], today)
    visit(session, b, [world.fire], today)
    session.commit()
    context, page = open_dashboard(browser, live_server, DESK, "zh-CN", ready=("#burden-table",))
    try:
        table = page.locator("#burden-table")
        table.get_by_text(b.name).wait_for()
        assert page.locator("#kpi-burden-trips .value").inner_text() == "2"
        assert page.locator("#kpi-burden-saved .value").inner_text() == "2"
        table.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENS / "office-12-burden.png"))
        assert page.evaluate(CLIPPED) == [] and page.evaluate(BROKEN) == []
    finally:
        context.close()


def test_the_dashboard_exports_the_hazard_ledger_and_the_overdue_list(live_server, browser, world, session):
    """Issue 20: the hazard ledger and the overdue list download from the dashboard (the streamed exports)."""
    import io
    from pathlib import Path

    from openpyxl import load_workbook

    overdue_hazards(session, world)
    context, page = open_dashboard(browser, live_server, DESK, "zh-CN")
    try:
        with page.expect_download() as csv:
            page.get_by_role("button", name="导出隐患台账 CSV").click()
        ledger = Path(csv.value.path()).read_text(encoding="utf-8-sig")
        assert ledger.count("\n") >= 4 and "DUST-05" in ledger and world.enterprise_a.name in ledger
        with page.expect_download() as xlsx:
            page.get_by_role("button", name="导出逾期隐患清单 Excel").click()
        book = load_workbook(io.BytesIO(Path(xlsx.value.path()).read_bytes()), read_only=True)
        rows = list(book.worksheets[0].iter_rows(values_only=True))
        assert len(rows) >= 4 and any("DUST-01" in str(cell) for row in rows for cell in row)
    finally:
        context.close()


def test_the_portal_reads_at_360_and_1440_px(live_server, browser, client, world, session):
    """Issue 20: the enterprise's portal (orders, an order with its hazards, visits) at a phone's and a desk's
    width: nothing sideways, nothing clipped; screenshots saved."""
    from tests.web.helpers import failed_visit

    out = failed_visit(client, world, session, {"DUST-14", "DUST-26"})
    for width, viewport in (("360", PHONE), ("1440", DESK)):
        context = browser.new_context(viewport=viewport, locale="en-US", timezone_id="Asia/Shanghai")
        context.set_default_timeout(60000)
        page = context.new_page()
        try:
            page.goto(f"{live_server}/portal/")
            login(page, "enterprise_a", PASSWORD)
            page.locator("#orders").get_by_role("link").first.wait_for()
            settle(page)
            page.screenshot(path=str(SCREENS / f"portal-30-orders-{width}.png"), full_page=True)
            assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
            page.locator("#orders").get_by_role("link").first.click()
            page.locator(f"#hazard-{out['hazard_ids'][0]}").wait_for()
            settle(page)
            page.screenshot(path=str(SCREENS / f"portal-31-order-{width}.png"), full_page=True)
            assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
            assert page.evaluate(CLIPPED) == []
        finally:
            context.close()
