"""Local time for people, UTC in storage."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(at: datetime) -> datetime:
    return at.astimezone(SHANGHAI)


def local_date(at: datetime) -> date:
    return at.astimezone(SHANGHAI).date()


def end_of_local_day(day: date) -> datetime:
    """23:59:59 Asia/Shanghai on ``day``, as UTC."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI).astimezone(UTC)


def start_of_local_day(day: date) -> datetime:
    return datetime.combine(day, time(0, 0, 0), tzinfo=SHANGHAI).astimezone(UTC)
