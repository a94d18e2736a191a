"""All configuration, from environment variables prefixed ``XUNCHA_``."""

import hashlib
from functools import cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="XUNCHA_", env_file=".env", extra="ignore")

    env: str = Field(default="development", description="development | test | production")
    database_url: str = "sqlite:///./var/xuncha.db"
    media_dir: Path = Path("./var/media")
    audit_anchor_file: Path = Path("./var/audit-anchors.jsonl")  # signed audit checkpoints, outside the database
    secret_key: str = DEV_SECRET
    timezone: str = "Asia/Shanghai"
    token_minutes: int = 8 * 60
    public_base_url: str = "http://127.0.0.1:8000"
    max_request_bytes: int = 20 * 1024 * 1024  # whole request body
    max_photo_bytes: int = 15 * 1024 * 1024
    photo_max_pixels: int = 60_000_000
    photo_display_side: int = 2000
    photo_thumb_side: int = 320
    photo_processes: int = 1  # processes per API process that make display copies (0: in the request's thread)
    far_start_meters: float = 500.0
    correction_hours: int = 24
    login_max_failures: int = 5
    login_lock_seconds: int = 300
    scheduler_enabled: bool = True
    # the scheduler (server/scheduler.py): one runner holds the lock, the others wait and retry
    scheduler_lock_key: int = 7_201_516
    scheduler_retry_seconds: float = 30.0
    scheduler_heartbeat_seconds: float = 10.0
    # deadline sweep: reminders 3 and 1 days ahead; general hazards go to the office N days overdue
    remind_days: list[int] = [3, 1]
    escalate_general_after_days: int = 3
    # re-inspection window (复查, REFERENCE §D.1): days after the application or the deadline
    reinspection_days: int = 10
    reinspection_working_days: bool = False
    # 综合查一次: advance notice, planning horizon, routine visits per enterprise per quarter
    visit_notice_days: int = 3
    merge_horizon_days: int = 14
    routine_visits_per_quarter: int = 3
    routine_visits_per_quarter_green: int = 1
    # 双随机: months between inspections by risk class; hazard weights; picks per department and month
    draw_frequency_months: dict[str, int] = {"D": 1, "C": 3, "B": 6, "A": 12}
    draw_open_hazard_weight: float = 0.25
    draw_overdue_hazard_weight: float = 1.0
    draw_capacity: int | None = None
    routine_announced: bool = True
    db_pool_size: int = 10
    worker_threads: int = 0  # threads serving sync routes per process; 0 keeps FastAPI's default of 40
    actor_cache_seconds: float = 5.0  # how long a token's user is remembered (0: read it on every request)

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> "Settings":
        if self.env == "production" and (self.secret_key == DEV_SECRET or len(self.secret_key) < 32):
            raise ValueError("XUNCHA_SECRET_KEY must be set (32+ characters) when XUNCHA_ENV=production")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@cache
def get_settings() -> Settings:
    return Settings()


def audit_anchor_key(settings: Settings) -> bytes:
    """The key that signs audit anchors: derived from the secret key, which the database does not hold."""
    return hashlib.sha256(b"xuncha audit anchor\0" + settings.secret_key.encode()).digest()
