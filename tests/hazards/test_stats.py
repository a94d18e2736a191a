"""Every statistic on a hand-made data set whose answers are worked out in tests/hazards/stats_dataset.py."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import Session

from hazards.stats import closure as stats
from hazards.stats import definitions, inputs
from hazards.stats import export as stats_export
from hazards.stats import lists as stats_lists
from hazards.stats import report as stats_report
from hazards.stats import sql as stats_sql
from inspection.clock import SHANGHAI, end_of_local_day
from inspection.errors import InvalidInput
from inspection.identity.access import Actor
from inspection.identity.accounts import actor_for
from inspection.models import Visit, VisitDepartment
from schemas.enums import Role
from tests.hazards import stats_dataset
from tests.hazards.stats_dataset import NOW, Dataset

JUNE = inputs.Period(date(2026, 6, 1), date(2026, 6, 30))


@pytest.fixture()
def data(session: Session, world) -> Dataset:
    dataset = stats_dataset.build(session, world)
    session.commit()
    return dataset


def actor(data: Dataset, name: str) -> Actor:
    return actor_for(data.world.users[name])


def office(data: Dataset) -> Actor:
    return actor(data, "office")


def closure(session: Session, who: Actor, period: inputs.Period = JUNE, group_by: list[str] | None = None,
            **filters) -> stats.ClosureReport:
    return stats.closure(session, actor=who, period=period, group_by=group_by or [],
                         filters=inputs.Filters(**filters), now=NOW)


def by_key(report: stats.ClosureReport, name: str) -> dict:
    return {row.key[name]: row.figures for row in report.rows}


def test_every_figure_of_june(session, data):
    total = closure(session, office(data)).total
    # found in June: h1 h2 h3 h4 h5 h7 h9 (h8 voided, h6 found in May, h10 found 1 July local time)
    assert total.found == 7
    assert total.closed == 4  # h1 h2 h3 h7
    assert total.closure_rate == pytest.approx(4 / 7, abs=1e-4)
    # due in June and passed: h1 h2 h3 h4 h6 h7 h9; on time: h1 h3 h6
    assert (total.due, total.closed_on_time) == (7, 3)
    assert total.on_time_rate == pytest.approx(3 / 7, abs=1e-4)
    assert total.overdue_open == 2  # h4 h9; h5 is due 10 July
    assert (total.major_found, total.major_open) == (2, 1)  # h1 closed, h5 open
    assert total.fixed_on_spot == 1
    assert total.mean_days_to_close == 6.5  # 3, 9, 0, 14 days
    assert total.median_days_to_close == 6.0
    assert (total.repeat_hazards, total.repeat_enterprises, total.suspected_false_rectification) == (1, 1, 1)


def test_grouped_by_street(session, data):
    streets = by_key(closure(session, office(data), group_by=["street"]), "street")
    assert set(streets) == {"三井街道", "河海街道"}
    sanjing, hehai = streets["三井街道"], streets["河海街道"]
    assert (sanjing.found, sanjing.closed, sanjing.closure_rate) == (5, 4, 0.8)
    assert (sanjing.due, sanjing.closed_on_time, sanjing.overdue_open) == (5, 2, 1)
    assert (sanjing.mean_days_to_close, sanjing.median_days_to_close) == (6.5, 6.0)
    assert (hehai.found, hehai.closed, hehai.closure_rate) == (2, 0, 0.0)
    assert (hehai.due, hehai.closed_on_time, hehai.on_time_rate) == (2, 1, 0.5)  # h4 late, h6 found in May
    assert (hehai.major_found, hehai.major_open, hehai.mean_days_to_close) == (1, 1, None)


def test_grouped_by_street_and_month_counts_due_figures_in_the_deadline_month(session, data):
    report = closure(session, office(data), inputs.Period(date(2026, 5, 1), date(2026, 6, 30)), ["street", "month"])
    rows = {(row.key["street"], row.key["month"]): row.figures for row in report.rows}
    assert set(rows) == {("三井街道", "2026-06"), ("河海街道", "2026-05"), ("河海街道", "2026-06")}
    may = rows[("河海街道", "2026-05")]
    assert (may.found, may.closed, may.due) == (1, 1, 0)  # h6 found in May, due in June
    june = rows[("河海街道", "2026-06")]
    assert (june.found, june.due, june.closed_on_time) == (2, 2, 1)
    assert [row.key for row in report.rows] == sorted([row.key for row in report.rows],
                                                      key=lambda k: (k["street"], k["month"]))
    assert (report.total.found, report.total.closed, report.total.due) == (8, 5, 7)


@pytest.mark.parametrize("group_by", [["street"], ["street", "month"], ["item_code"], ["department", "risk_class"]])
def test_the_total_of_a_grouped_table_is_the_ungrouped_figures(session, data, group_by):
    period = inputs.Period(date(2026, 5, 1), date(2026, 7, 31))
    assert closure(session, office(data), period, group_by).total == closure(session, office(data), period).total


def test_grouped_by_department_kind_item_and_risk_class(session, data):
    report = closure(session, office(data), group_by=["department", "kind"])
    rows = {(row.key["department"], row.key["kind"]): row for row in report.rows}
    safety, fire = data.world.safety.id, data.world.fire.id
    assert {k: r.figures.found for k, r in rows.items()} == {(safety, "DUST"): 4, (safety, "FCZ"): 1, (fire, "GAS"): 2}
    assert rows[(safety, "DUST")].labels["department"] == data.world.safety.name
    items = closure(session, office(data), group_by=["item_code"])
    dust26 = next(row for row in items.rows if row.key["item_code"] == "DUST-26")
    assert (dust26.figures.found, dust26.figures.repeat_hazards) == (2, 1)
    assert dust26.labels["item_code"]  # the checklist's Chinese text
    risk = by_key(closure(session, office(data), group_by=["risk_class", "industry"]), "risk_class")
    assert {k: v.found for k, v in risk.items()} == {"D": 4, "B": 1, "C": 2}


def test_filters_narrow_both_cohorts(session, data):
    report = closure(session, office(data), street=("河海街道",))
    assert (report.total.found, report.total.due) == (2, 2)
    report = closure(session, office(data), department_id=(data.world.safety.id,), kind=("DUST",))
    assert (report.total.found, report.total.closed, report.total.due) == (4, 4, 4)
    report = closure(session, office(data), inputs.Period(date(2026, 5, 1), date(2026, 6, 30)), month=("2026-05",))
    assert (report.total.found, report.total.due) == (1, 0)  # found in May; nothing due in May


def test_voided_hazard_is_left_out_of_everything(session, data):
    items = by_key(closure(session, office(data), group_by=["item_code"]), "item_code")
    assert "DUST-02" not in items  # h8, voided by a correction
    overdue = stats_lists.overdue(session, actor=office(data), at=end_of_local_day(date(2026, 6, 15)))
    assert {i.hazard_id for i in overdue.items} == {data.h["h4"].id, data.h["h9"].id}  # h8 was open then


def test_due_cohort_stops_at_the_query_time(session, data):
    report = closure(session, office(data), inputs.Period(date(2026, 6, 1), date(2026, 7, 31)))
    assert report.total.due == 7  # h5 (10 July) and h10 (16 July) are not due yet
    assert report.total.found == 8  # h10 was found on 1 July
    july = closure(session, office(data), inputs.Period(date(2026, 7, 1), date(2026, 7, 31)))
    assert (july.total.found, july.total.due, july.total.on_time_rate, july.total.closure_rate) == (1, 0, None, 0.0)


def test_local_dates_decide_the_period(session, data):
    # h9 was found 2026-06-01 00:30 in Shanghai (31 May in UTC); h10 on 1 July 07:00 (30 June in UTC)
    may = closure(session, office(data), inputs.Period(date(2026, 5, 1), date(2026, 5, 31)))
    assert may.total.found == 1  # h6 only
    june = by_key(closure(session, office(data), group_by=["month"]), "month")
    assert set(june) == {"2026-06"}


def test_a_period_that_cuts_months_counts_by_the_local_instant(session, data):
    # 3 to 10 June: h2 and h3 on the 3rd, h4 on the 10th (h1 on the 2nd and h9 on the 1st are outside)
    inside = closure(session, office(data), inputs.Period(date(2026, 6, 3), date(2026, 6, 10))).total
    assert (inside.found, inside.closed, inside.mean_days_to_close, inside.median_days_to_close) == (3, 2, 4.5, 4.5)
    # 20 May to 1 June: h6 on 20 May, and h9 at 00:30 on 1 June local time (still 31 May in UTC)
    across = closure(session, office(data), inputs.Period(date(2026, 5, 20), date(2026, 6, 1)), ["month"])
    assert {row.key["month"]: row.figures.found for row in across.rows} == {"2026-05": 1, "2026-06": 1}
    # 21 May to 31 May leaves h6 (found the 20th) out
    assert closure(session, office(data), inputs.Period(date(2026, 5, 21), date(2026, 5, 31))).total.found == 0


@pytest.mark.parametrize("group_by", [["street"], ["department", "kind"], ["month", "street"], ["item_code"],
                                      ["item_code", "street"]])
def test_streamed_and_sorted_groupings_agree(session, data, group_by, monkeypatch):
    """Groups within ``STREAM_DEPTH`` are counted on the index prefix and folded; with no streaming at all the
    statement groups on the keys themselves. The figures must not depend on which. (Every month counted from the
    hazards here: the month tally would answer for the whole months; and the streamed statements on PostgreSQL
    too, which would hash its groups otherwise.)"""
    monkeypatch.setattr(stats, "tallied", lambda *args, **kwargs: None)
    statements = stats.closure_statements
    monkeypatch.setattr(stats, "closure_statements",
                        lambda *args, **kwargs: statements(*args, **{**kwargs, "dialect": "sqlite"}))
    period = inputs.Period(date(2025, 1, 1), date(2026, 7, 31))
    streamed = closure(session, office(data), period, group_by)
    monkeypatch.setattr(stats_sql, "STREAM_DEPTH", 0)
    monkeypatch.setattr(stats_sql, "DAYS_STREAM_DEPTH", 0)
    assert stats_sql.streamed([stats_sql.H.found_month], [stats_sql.H.street]) is None
    sorted_ = closure(session, office(data), period, group_by)
    assert [(row.key, row.figures) for row in streamed.rows] == [(row.key, row.figures) for row in sorted_.rows]
    assert streamed.total == sorted_.total


def test_days_to_close_are_stored_in_local_days(session, data):
    h = data.h
    assert [h[name].close_days for name in ("h1", "h2", "h3", "h4", "h7")] == [3, 9, 0, None, 14]
    # reopening clears it, closing again sets it from the new instant (22:30 UTC is the next local day)
    h["h4"].closed_at = datetime(2026, 6, 11, 22, 30, tzinfo=UTC)
    session.add(h["h4"])
    session.flush()
    assert h["h4"].close_days == 2
    h["h4"].closed_at = None
    session.add(h["h4"])
    session.flush()
    assert h["h4"].close_days is None


def test_role_scoping(session, data):
    inspector = closure(session, actor(data, "inspector")).total  # safety department
    assert (inspector.found, inspector.closed, inspector.due) == (5, 4, 5)
    fire = closure(session, actor(data, "fire_inspector")).total
    assert (fire.found, fire.due, fire.closed_on_time) == (2, 2, 1)
    enterprise_a = closure(session, actor(data, "enterprise_a")).total
    assert (enterprise_a.found, enterprise_a.closed, enterprise_a.closure_rate) == (4, 4, 1.0)
    enterprise_b = closure(session, actor(data, "enterprise_b"), group_by=["street"])
    assert [row.key["street"] for row in enterprise_b.rows] == ["河海街道"]
    admin = closure(session, actor(data, "admin")).total
    assert admin.found == 7
    # an inspector asking for another department gets nothing, not that department's figures
    other = closure(session, actor(data, "inspector"), department_id=(data.world.fire.id,)).total
    assert other.found == 0
    nobody = Actor(user_id=0, username="x", full_name="x", role=Role.INSPECTOR)
    assert closure(session, nobody).total.found == 0


def test_visits_saved_by_joint_inspections(session, data):
    world = data.world
    visit = Visit(enterprise_id=world.enterprise_a.id, lead_department_id=world.safety.id,
                  planned_date=date(2026, 6, 10), status="submitted")
    session.add(visit)
    session.flush()
    for department in (world.safety, world.fire, world.gas):  # three departments made one trip
        session.add(VisitDepartment(visit_id=visit.id, department_id=department.id, kinds=["DUST"],
                                    submitted_at=datetime(2026, 6, 10, 3, tzinfo=UTC)))
    session.commit()
    assert closure(session, office(data)).visits_saved == 2
    assert closure(session, office(data), inputs.Period(date(2026, 7, 1), date(2026, 7, 31))).visits_saved == 0
    assert closure(session, actor(data, "enterprise_a")).visits_saved is None


def test_top_items_per_kind_with_text_and_legal_basis(session, data):
    items = stats_lists.top_items(session, actor=office(data), period=JUNE)
    dust = [i for i in items if i.kind == "DUST"]
    assert [(i.item_code, i.found, i.rank) for i in dust] == [("DUST-26", 2, 1), ("DUST-01", 1, 2), ("DUST-17", 1, 3)]
    assert dust[0].text and dust[0].legal_basis
    assert {i.kind for i in items} == {"DUST", "FCZ", "GAS"}
    two = stats_lists.top_items(session, actor=office(data), period=JUNE, kind="DUST", limit=2)
    assert [i.item_code for i in two] == ["DUST-26", "DUST-01"]
    assert stats_lists.top_items(session, actor=actor(data, "enterprise_b"), period=JUNE, kind="DUST") == []


def test_overdue_now_and_at_a_past_date(session, data):
    now = stats_lists.overdue(session, actor=office(data), at=NOW)
    assert (now.count, now.major) == (2, 0)
    assert [i.hazard_id for i in now.items] == [data.h["h9"].id, data.h["h4"].id]  # most overdue first
    assert [i.days_overdue for i in now.items] == [23, 18]
    assert now.items[0].enterprise_name == data.world.tenants[0].name
    # at the end of 11 June: h2 (due 10 June, closed 12 June) and h9 were overdue; h8 (due 11 June) was not yet
    then = stats_lists.overdue(session, actor=office(data), at=inputs.parse_at("2026-06-11", NOW))
    assert {i.hazard_id for i in then.items} == {data.h["h2"].id, data.h["h9"].id}
    assert stats_lists.overdue(session, actor=actor(data, "enterprise_a"), at=NOW).count == 0
    assert stats_lists.overdue(session, actor=actor(data, "fire_inspector"), at=NOW).count == 1


def test_overdue_pages_merge_the_open_and_the_closed_later_in_deadline_order(session, data):
    """At 11 June one overdue hazard is still open (h9) and one was closed later (h2): two branches, one order."""
    at = inputs.parse_at("2026-06-11", NOW)
    whole = stats_lists.overdue(session, actor=office(data), at=at)
    assert [i.due_at for i in whole.items] == sorted(i.due_at for i in whole.items)
    pages = [stats_lists.overdue(session, actor=office(data), at=at, limit=1, offset=k) for k in range(whole.count)]
    assert [p.items[0].hazard_id for p in pages] == [i.hazard_id for i in whole.items]
    assert all(p.count == whole.count for p in pages)


def test_voided_ids_are_the_hazards_voided_by_the_move(session, data):
    assert set(session.scalars(stats_sql.voided_ids())) == {data.h["h8"].id}


def test_parse_group_by_names_the_unknown_values():
    assert definitions.parse_group_by("street, month,street") == ["street", "month"]
    assert definitions.parse_group_by("department_id") == ["department"]
    with pytest.raises(InvalidInput) as caught:
        definitions.parse_group_by("street,colour")
    assert caught.value.code == "invalid_group_by"
    assert caught.value.details["unknown"] == ["colour"]
    assert "colour" in caught.value.message


def test_parse_inputs():
    assert inputs.parse_at("2026-06-11", NOW) == end_of_local_day(date(2026, 6, 11))
    assert inputs.parse_at("2026-06-11T08:00", NOW) == datetime(2026, 6, 11, 8, tzinfo=SHANGHAI)
    assert inputs.parse_at(None, NOW) == NOW
    with pytest.raises(InvalidInput):
        inputs.parse_at("yesterday", NOW)
    with pytest.raises(InvalidInput):
        inputs.Period(date(2026, 6, 2), date(2026, 6, 1))
    assert inputs.Period.month("2026-12") == inputs.Period(date(2026, 12, 1), date(2026, 12, 31))
    with pytest.raises(InvalidInput):
        inputs.Period.month("2026-13")
    assert stats_report.months_back("2026-02", 3) == ["2025-12", "2026-01", "2026-02"]


def test_definitions_cover_every_figure():
    fields = {d.field for d in definitions.DEFINITIONS if d.field}
    assert set(stats.FIGURE_FIELDS) <= fields
    assert all(d.name_zh and d.name_en and d.formula for d in definitions.DEFINITIONS)
    assert "visits_saved" in fields


def test_csv_has_a_bom_chinese_headers_and_the_same_numbers(session, data):
    report = closure(session, office(data), group_by=["street"])
    body = stats_export.to_csv(report)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:4] == ["街道", "发现隐患数", "已闭环数", "整改闭环率"]
    table = {row[0]: row for row in rows[1:]}
    assert table["三井街道"][1:4] == ["5", "4", "0.8"]
    assert table["合计"][1:4] == ["7", "4", "0.5714"]


def test_xlsx_carries_the_same_numbers_and_the_definitions(session, data):
    report = closure(session, office(data), group_by=["department", "item_code"])
    book = load_workbook(io.BytesIO(stats_export.to_xlsx(report)))
    assert book.sheetnames == ["统计", "指标口径"]
    sheet = book["统计"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:4] == ["部门", "检查项", "检查项内容", "发现隐患数"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    by_item = {row[1]: dict(zip(headers, row, strict=True)) for row in rows}
    assert by_item["DUST-26"]["部门"] == data.world.safety.name
    assert by_item["DUST-26"]["发现隐患数"] == 2
    total = dict(zip(headers, rows[-1], strict=True))
    assert total["部门"] == "合计"
    assert (total["发现隐患数"], total["已闭环数"], total["到期隐患数"], total["按期闭环数"]) == (7, 4, 7, 3)
    assert total["整改闭环率"] == pytest.approx(0.5714)
    assert total["整改天数中位数"] == 6.0
    definitions = [row[0].value for row in book["指标口径"].iter_rows(min_row=2) if row[0].value]
    assert "整改闭环率" in definitions and "作废隐患" in definitions


def test_monthly_pdf_has_the_figures(session, data):
    monthly = stats_report.monthly(session, actor=office(data), month="2026-06", now=NOW)
    assert [m for m, _ in monthly.trend][-2:] == ["2026-05", "2026-06"]
    assert (monthly.overdue_at_end, monthly.total.found) == (2, 7)  # h4 and h9 at the end of June
    text = PdfReader(io.BytesIO(stats_report.render_pdf(monthly))).pages[0].extract_text()
    for expected in ("隐患排查治理月报", "2026年6月", "发现隐患：7", "已闭环：4", "整改闭环率：57.1%",
                     "按期整改率：42.9%", "月末逾期未改：2", "整改天数中位数：6 天", "DUST-26"):
        assert expected in text, expected


def test_monthly_pdf_prints_whole_item_texts_with_their_legal_basis(session, data):
    """Issue 20: the top items are printed whole (wrapped, never cut off) with the article each one rests on."""
    monthly = stats_report.monthly(session, actor=office(data), month="2026-06", now=NOW)
    assert monthly.top, "the June data has failed items"
    reader = PdfReader(io.BytesIO(stats_report.render_pdf(monthly)))
    text = "".join("".join(page.extract_text().split()) for page in reader.pages)
    for item in monthly.top:
        assert "".join(item.text.split()) in text, item.item_code
        assert "".join(f"依据：{item.legal_basis}".split())[:30] in text, item.item_code
    assert "…" not in text


def test_monthly_pdf_without_a_cjk_font_uses_codes_and_says_so(session, data):
    monthly = stats_report.monthly(session, actor=office(data), month="2026-06", now=NOW)
    reader = PdfReader(io.BytesIO(stats_report.render_pdf(monthly, font_path=None)))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "S1=三井街道" in text and "未找到中文字体" in text
    assert "发现隐患：7" in text


def test_monthly_pdf_survives_a_broken_chart(session, data, monkeypatch):
    monthly = stats_report.monthly(session, actor=office(data), month="2026-06", now=NOW)

    def broken(*args, **kwargs):
        raise RuntimeError("no plotting today")

    monkeypatch.setattr(stats_report, "street_chart", broken)
    text = PdfReader(io.BytesIO(stats_report.render_pdf(monthly))).pages[0].extract_text()
    assert "chart unavailable" in text and "发现隐患：7" in text


def test_mean_and_median_come_off_the_days_histogram():
    from collections import Counter

    assert stats.mean_and_median(Counter()) == (None, None)
    assert stats.mean_and_median(Counter({3: 1})) == (3.0, 3.0)
    assert stats.mean_and_median(Counter({1: 1, 2: 1, 10: 1})) == (4.33, 2.0)  # odd: the middle one
    assert stats.mean_and_median(Counter({1: 2, 5: 1, 9: 1})) == (4.0, 3.0)  # even: between 1 and 5
    assert stats.mean_and_median(Counter({0: 3, 7: 1})) == (1.75, 0.0)


@pytest.mark.parametrize("who", ["office", "inspector"])
def test_statements_built_once_answer_each_call_with_its_own_values(session, data, who, monkeypatch):
    """A shape's statements are built on its first call and reused with the next call's values: each period,
    filter and actor gets the figures of a statement built for it with its values written in."""
    calls = [(inputs.Period(date(2026, 5, 1), date(2026, 5, 31)), {}),
             (JUNE, {}),
             (inputs.Period(date(2026, 5, 15), date(2026, 6, 20)), {}),
             (inputs.Period(date(2026, 5, 10), date(2026, 6, 25)), {}),
             (JUNE, {"street": ("三井街道",)}),
             (JUNE, {"street": ("河海街道", "三井街道")})]
    groupings = [["street"], ["department"], ["item_code"], ["month"]]
    stats._BUILT.clear()
    reused = [closure(session, actor(data, who), period, group_by, **filters)
              for group_by in groupings for period, filters in calls]
    assert len(stats._BUILT) < len(reused)  # some shapes were reused
    monkeypatch.setattr(stats, "built_once", lambda *args: (args[-1](None), {}))  # values written in
    fresh = [closure(session, actor(data, who), period, group_by, **filters)
             for group_by in groupings for period, filters in calls]
    assert [([(r.key, r.figures) for r in a.rows], a.total) for a in reused] == \
        [([(r.key, r.figures) for r in b.rows], b.total) for b in fresh]
