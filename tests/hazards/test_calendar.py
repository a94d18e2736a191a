"""The official holiday calendar as data: the bundled notices, their validation, loading a year (REFERENCE §G.6)."""

import json
from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest
from sqlmodel import select
from typer.testing import CliRunner

from hazards.rules import holidays
from hazards.rules.models import HolidayYear
from inspection.errors import InvalidInput
from inspection.models import Event
from server.cli import app as cli

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
GOOD = {"year": 2027, "source": {"title": "测试用通知（非官方）", "number": "测试〔2026〕1号", "date": "2026-11-01"},
        "holidays": [{"name": "元旦", "start": "2027-01-01", "end": "2027-01-03"}], "workdays": ["2027-01-09"]}


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_bundled_notices_agree_with_the_library_day_by_day(year: int) -> None:
    schedule = holidays.bundled()[year]
    day = date(year, 1, 1)
    while day.year == year:
        assert schedule.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_every_bundled_year_names_its_notice() -> None:
    assert {2025, 2026} <= set(holidays.bundled())
    for schedule in holidays.bundled().values():
        assert schedule.source.title.startswith(f"国务院办公厅关于{schedule.year}年部分节假日安排的通知")
        assert schedule.source.url and schedule.source.date


def test_a_year_without_an_official_schedule_is_not_covered() -> None:
    """chinesecalendar 1.11 has no 2027 and the bundled file holds none: never filled in by rule."""
    calendar = holidays.Calendar()
    assert not calendar.covers(2027)
    with pytest.raises(holidays.CalendarMissing):
        calendar.is_working_day(date(2027, 3, 3))
    assert holidays.Calendar([holidays.parse_year(GOOD)]).covers(2027)


@pytest.mark.parametrize(("change", "words"), [
    ({"holidays": [{"name": "元旦", "start": "2026-12-31", "end": "2027-01-01"}]}, "不在该年内"),
    ({"workdays": ["2027-01-02"]}, "既是假日又是上班日"),
    ({"workdays": ["2027-01-05"]}, "不是周末"),
    ({"source": {"title": ""}}, "来源"),
    ({"source": {"title": "某通知"}}, "文号或网址"),
    ({"holidays": [{"name": "春节", "start": "2027-02-10", "end": "2027-02-05"}]}, "结束早于开始"),
    ({"holidays": []}, "没有假日"),
])
def test_a_schedule_is_validated_before_it_is_used(change: dict, words: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        holidays.parse_year({**GOOD, **change})
    assert caught.value.code == "invalid_calendar" and words in caught.value.message


def test_a_loaded_year_is_stored_audited_and_read_back(session) -> None:
    holidays.store(session, [holidays.parse_year(GOOD)], actor=None, now=NOW)
    session.commit()
    calendar = holidays.of(session)
    assert calendar.covers(2027) and not calendar.is_working_day(date(2027, 1, 1))
    assert calendar.is_working_day(date(2027, 1, 9))  # the adjusted Saturday
    assert "测试〔2026〕1号" in calendar.source(2027)
    (event,) = session.exec(select(Event).where(Event.action == "calendar.load")).all()
    assert event.entity_id == 2027 and event.after["source"]["number"] == "测试〔2026〕1号"


def test_the_cli_loads_a_valid_file_and_refuses_an_invalid_one_whole(session, world, tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([GOOD, {**GOOD, "year": 2028}], ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(cli, ["calendar", "load", str(bad), "--as", "office"])
    assert result.exit_code == 1 and "不在该年内" in result.output
    assert session.exec(select(HolidayYear)).all() == []
    good = tmp_path / "good.json"
    good.write_text(json.dumps(GOOD, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(cli, ["calendar", "load", str(good), "--as", "office"])
    assert result.exit_code == 0, result.output
    session.rollback()  # end the test session's read snapshot
    assert [row.year for row in session.exec(select(HolidayYear)).all()] == [2027]
    shown = CliRunner().invoke(cli, ["calendar", "show"])
    assert "2026: 国务院办公厅关于2026年部分节假日安排的通知" in shown.output and "2027: 测试用通知" in shown.output
