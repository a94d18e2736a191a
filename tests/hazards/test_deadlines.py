"""The deadline rule: calendar vs working days on the official PRC calendar, Shanghai days, stored UTC."""

import logging
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from hazards.loop import deadlines
from hazards.loop.deadlines import DeadlinePolicy, choose_days, days_left, due_at, due_date, is_overdue
from hazards.rules import holidays
from hazards.rules.holidays import CalendarMissing
from inspection.errors import InvalidInput

CST = timezone(timedelta(hours=8))


# --- due_date: calendar days ---------------------------------------------------------------------------


def test_calendar_days_count_from_the_day_after() -> None:
    assert due_date(date(2026, 3, 2), 3, working_days=False) == date(2026, 3, 5)


def test_calendar_days_keep_a_due_day_on_a_holiday() -> None:
    # 2026-02-10 + 7 calendar days = 2026-02-17, inside the Spring Festival holiday: kept, not moved.
    assert due_date(date(2026, 2, 10), 7, working_days=False) == date(2026, 2, 17)


def test_calendar_days_keep_a_due_day_on_a_weekend() -> None:
    # 2026-03-02 (Mon) + 5 = 2026-03-07, a Saturday that is not a working day.
    assert due_date(date(2026, 3, 2), 5, working_days=False) == date(2026, 3, 7)


@pytest.mark.parametrize("working_days", [False, True])
def test_zero_days_is_the_same_day(working_days: bool) -> None:
    assert due_date(date(2026, 2, 17), 0, working_days=working_days) == date(2026, 2, 17)  # even on a holiday


def test_negative_days_are_a_programming_error() -> None:
    with pytest.raises(ValueError):
        due_date(date(2026, 3, 2), -1, working_days=False)


# --- due_date: working days ------------------------------------------------------------------------------


def test_working_days_on_an_ordinary_week() -> None:
    # 2026-03-05 (Thu) + 3 working days: Fri 03-06 (1), [Sat 03-07, Sun 03-08 off], Mon 03-09 (2), Tue 03-10 (3)
    assert due_date(date(2026, 3, 5), 3, working_days=True) == date(2026, 3, 10)


def test_working_days_skip_spring_festival_and_count_the_adjusted_saturday() -> None:
    # Spring Festival 2026: holiday 02-15 .. 02-23; Sat 02-14 and Sat 02-28 are adjusted working days.
    # From Tue 2026-02-10, counting starts Wed 02-11:
    #   02-11 Wed (1), 02-12 Thu (2), 02-13 Fri (3), 02-14 Sat adjusted (4),
    #   02-15 .. 02-23 holiday (skipped), 02-24 Tue (5), 02-25 Wed (6), 02-26 Thu (7)
    assert due_date(date(2026, 2, 10), 7, working_days=True) == date(2026, 2, 26)


def test_working_days_count_the_adjusted_saturday_after_spring_festival() -> None:
    # From Tue 02-24: 02-25 (1), 02-26 (2), 02-27 (3), Sat 02-28 adjusted (4), Sun 03-01 off, Mon 03-02 (5)
    assert due_date(date(2026, 2, 24), 4, working_days=True) == date(2026, 2, 28)
    assert due_date(date(2026, 2, 24), 5, working_days=True) == date(2026, 3, 2)


def test_working_days_across_national_day() -> None:
    # National Day 2026 per chinese_calendar 1.11: holiday 10-01 .. 10-07 (with Mid-autumn 09-25 .. 09-27);
    # adjusted working days Sun 09-20 and Sat 10-10.
    # From Tue 2026-09-29: 09-30 Wed (1), 10-01 .. 10-07 holiday (skipped), 10-08 Thu (2), 10-09 Fri (3),
    #   10-10 Sat adjusted (4), 10-11 Sun off, 10-12 Mon (5)
    assert due_date(date(2026, 9, 29), 5, working_days=True) == date(2026, 10, 12)
    # 5 calendar days from the same day land on 10-04, in the holiday, and stay there.
    assert due_date(date(2026, 9, 29), 5, working_days=False) == date(2026, 10, 4)


def test_working_days_count_the_adjusted_sunday_before_national_day() -> None:
    # From Fri 2026-09-18: Sat 09-19 off, Sun 09-20 adjusted (1), Mon 09-21 (2), Tue 09-22 (3)
    assert due_date(date(2026, 9, 18), 3, working_days=True) == date(2026, 9, 22)


def test_calendar_data_agrees_with_the_worked_examples() -> None:
    """Guard: if the holiday data changes, the hand-computed dates above must be redone."""
    assert deadlines.is_working_day(date(2026, 2, 14))  # Sat, adjusted
    assert deadlines.is_working_day(date(2026, 2, 28))  # Sat, adjusted
    assert not any(deadlines.is_working_day(date(2026, 2, d)) for d in range(15, 24))
    assert deadlines.is_working_day(date(2026, 9, 20))  # Sun, adjusted
    assert deadlines.is_working_day(date(2026, 10, 10))  # Sat, adjusted
    assert not any(deadlines.is_working_day(date(2026, 10, d)) for d in range(1, 8))


# --- years without holiday data -----------------------------------------------------------------------------


def test_year_without_data_refuses_working_days() -> None:
    """2027 has no official schedule (chinesecalendar 1.11 neither): never guessed, a 422 naming the year."""
    with pytest.raises(CalendarMissing) as caught:
        due_date(date(2026, 12, 31), 3, working_days=True)
    assert isinstance(caught.value, InvalidInput) and caught.value.code == "calendar_missing"
    assert "2027年" in caught.value.message and caught.value.details == {"year": 2027}
    with pytest.raises(CalendarMissing):
        deadlines.is_working_day(date(2027, 1, 1))


def test_a_loaded_year_counts_like_a_published_one() -> None:
    """A year the office loaded (here a made-up schedule) is used as it stands, 调休 included."""
    loaded = holidays.parse_year({
        "year": 2027, "source": {"title": "测试通知", "number": "测试〔2026〕1号"},
        "holidays": [{"name": "元旦", "start": "2027-01-01", "end": "2027-01-03"}],
        "workdays": ["2027-01-09"]})
    calendar = holidays.Calendar([loaded])
    # From Thu 2026-12-31: [01-01 .. 01-03 holiday], Mon 01-04 (1) .. Fri 01-08 (5), Sat 01-09 adjusted (6)
    assert due_date(date(2026, 12, 31), 6, working_days=True, calendar=calendar) == date(2027, 1, 9)


def test_calendar_days_need_no_holiday_data(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    assert due_date(date(2027, 6, 1), 10, working_days=False) == date(2027, 6, 11)
    assert not caplog.records


def test_a_working_day_department_never_sets_a_deadline_on_a_rest_day() -> None:
    calendar = holidays.Calendar()
    deadlines.check_due_day(date(2026, 2, 14), working_days=True, calendar=calendar)  # adjusted Saturday
    deadlines.check_due_day(date(2026, 2, 15), working_days=False, calendar=calendar)  # calendar days: as written
    with pytest.raises(InvalidInput) as caught:
        deadlines.check_due_day(date(2026, 10, 1), working_days=True, calendar=calendar)
    assert caught.value.code == "deadline_on_rest_day"
    assert caught.value.details == {"date": "2026-10-01", "next_working_day": "2026-10-08"}
    with pytest.raises(CalendarMissing):
        deadlines.check_due_day(date(2027, 1, 1), working_days=True, calendar=calendar)


# --- due_at: Shanghai days, UTC storage ---------------------------------------------------------------------


def test_due_at_is_end_of_shanghai_day_in_utc() -> None:
    found = datetime(2026, 3, 2, 10, 0, tzinfo=CST)
    result = due_at(found, 3, working_days=False)
    assert result == datetime(2026, 3, 5, 15, 59, 59, tzinfo=UTC)  # 23:59:59 +08 = 15:59:59 UTC
    assert result.utcoffset() == timedelta(0)


def test_found_late_evening_counts_from_the_shanghai_date() -> None:
    found = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)  # 2026-03-01 23:30 Shanghai, still March 1st there
    assert due_at(found, 1, working_days=False) == datetime(2026, 3, 2, 15, 59, 59, tzinfo=UTC)
    assert due_at(found, 0, working_days=False) == datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC)


def test_found_after_midnight_shanghai_is_the_next_day() -> None:
    found = datetime(2026, 3, 1, 16, 30, tzinfo=UTC)  # 2026-03-02 00:30 Shanghai
    assert due_at(found, 0, working_days=False) == datetime(2026, 3, 2, 15, 59, 59, tzinfo=UTC)


def test_zero_days_is_the_same_local_day() -> None:
    found = datetime(2026, 5, 20, 1, 0, tzinfo=UTC)  # 09:00 Shanghai
    assert due_at(found, 0, working_days=True) == datetime(2026, 5, 20, 15, 59, 59, tzinfo=UTC)


def test_due_at_working_days_use_the_holiday_calendar() -> None:
    found = datetime(2026, 2, 10, 2, 0, tzinfo=UTC)  # 10:00 Shanghai on 02-10
    assert due_at(found, 7, working_days=True) == datetime(2026, 2, 26, 15, 59, 59, tzinfo=UTC)


def test_due_at_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        due_at(datetime(2026, 3, 1, 12, 0), 1, working_days=False)


def test_reinspection_window_is_ten_calendar_days_after_the_deadline() -> None:
    deadline = datetime(2026, 3, 9, 15, 59, 59, tzinfo=UTC)  # end of Mon 03-09 Shanghai
    assert deadlines.reinspection_due(deadline) == datetime(2026, 3, 19, 15, 59, 59, tzinfo=UTC)
    # From 02-10 with 10 working days: 02-11..02-14 (4), holiday, 02-24..02-28 (9), Mon 03-02 (10)
    applied = datetime(2026, 2, 10, 2, 0, tzinfo=UTC)
    assert deadlines.reinspection_due(applied, working_days=True) == datetime(2026, 3, 2, 15, 59, 59, tzinfo=UTC)


def test_a_statutory_period_ending_on_a_rest_day_runs_to_the_next_working_day() -> None:
    """REFERENCE §G.6: the 10-day window is a statutory period, not an enterprise deadline."""
    # Thu 03-05 + 10 = Sun 03-15 -> Mon 03-16
    window = deadlines.reinspection_window(datetime(2026, 3, 5, 15, 59, 59, tzinfo=UTC))
    assert (window.nominal_day, window.last_day) == (date(2026, 3, 15), date(2026, 3, 16))
    assert window.due_at == datetime(2026, 3, 16, 15, 59, 59, tzinfo=UTC)
    assert "顺延至 2026-03-16" in window.note
    # Thu 09-24 + 10 = Sun 10-04, National Day 10-01..10-07 -> Thu 10-08
    assert deadlines.reinspection_window(datetime(2026, 9, 24, 15, 59, 59, tzinfo=UTC)).last_day == date(2026, 10, 8)
    # Fri 02-04 + 10 = Sat 02-14, an adjusted working Saturday (调休上班): it stays
    assert deadlines.reinspection_window(datetime(2026, 2, 4, 15, 59, 59, tzinfo=UTC)).last_day == date(2026, 2, 14)


def test_a_window_into_a_year_without_data_warns_loudly(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    # Tue 12-22 + 10 = Fri 2027-01-01: no schedule for 2027, so only weekends could be skipped: said on the task
    window = deadlines.reinspection_window(datetime(2026, 12, 22, 15, 59, 59, tzinfo=UTC))
    assert window.missing_year == 2027 and window.last_day == date(2027, 1, 1)
    assert "2027年法定节假日安排未载入" in window.note
    assert any("2027" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


@pytest.mark.parametrize(("day", "number"), [(date(2026, 1, 31), "原国家安全生产监督管理总局令第15号"),
                                             (date(2026, 2, 1), "应急管理部令第18号")])
def test_the_window_cites_the_procedure_rules_in_force_marked_unverified(day: date, number: str) -> None:
    """REFERENCE §G.5: 令第18号 from 2026-02-01, 令第15号 before; article numbers unread, so said unverified."""
    start = datetime(day.year, day.month, day.day, 15, 59, 59, tzinfo=UTC)
    basis = deadlines.reinspection_window(start).basis
    assert basis.number == number and not basis.verified and basis.source
    assert basis.text == f"《安全生产违法行为行政处罚办法》（{number}）（条款未核实）"


# --- overdue and days left ----------------------------------------------------------------------------------


DUE = datetime(2026, 3, 5, 15, 59, 59, tzinfo=UTC)  # 2026-03-05 23:59:59 Shanghai


def test_is_overdue() -> None:
    assert not is_overdue(DUE, DUE, closed=False)  # the last second still counts
    assert is_overdue(DUE, DUE + timedelta(seconds=1), closed=False)
    assert not is_overdue(DUE, DUE + timedelta(days=30), closed=True)


def test_days_left_in_local_days() -> None:
    assert days_left(DUE, datetime(2026, 3, 2, 16, 30, tzinfo=UTC)) == 2  # 03-03 00:30 Shanghai
    assert days_left(DUE, datetime(2026, 3, 5, 0, 0, tzinfo=UTC)) == 0  # the due day itself
    assert days_left(DUE, datetime(2026, 3, 5, 16, 0, tzinfo=UTC)) == -1  # 03-06 00:00 Shanghai
    assert days_left(DUE, datetime(2026, 3, 8, 3, 0, tzinfo=UTC)) == -3


# --- choosing the number of days ----------------------------------------------------------------------------


def test_choose_days_defaults_when_nothing_requested() -> None:
    assert choose_days(15, None, DeadlinePolicy()) == 15


@pytest.mark.parametrize("requested", [0, 1, 30, 90])
def test_choose_days_accepts_choices_within_bounds(requested: int) -> None:
    assert choose_days(15, requested, DeadlinePolicy()) == requested


@pytest.mark.parametrize(("requested", "policy"), [(-1, DeadlinePolicy()), (91, DeadlinePolicy()),
                                                    (2, DeadlinePolicy(min_days=3, max_days=30)),
                                                    (31, DeadlinePolicy(min_days=3, max_days=30))])
def test_choose_days_refuses_choices_out_of_bounds(requested: int, policy: DeadlinePolicy) -> None:
    with pytest.raises(InvalidInput) as caught:
        choose_days(15, requested, policy)
    error = caught.value
    assert error.code == "deadline_out_of_bounds"
    assert error.details == {"requested": requested, "min_days": policy.min_days, "max_days": policy.max_days}
    assert "整改期限" in error.message and "deadline must be between" in error.message
