"""All configuration, from environment variables prefixed ``XUNCHA_``."""

import contextlib
import hashlib
import ipaddress
import os
import secrets
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from hazards.leasing.program import ApprovingBody

MIN_SECRET_LENGTH = 32  # HS256 wants a key of at least 32 bytes (RFC 7518 §3.2)


class LinkageSource(BaseModel):
    """One approving-side source of registration events (燃气审管联动) and the secret it signs with."""

    name: str = ""
    secret: str = Field(min_length=16)
    webhook_id: int | None = None  # a webhook registered with POST /webhooks: where outcomes go back


WORKER_THREADS = 4


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="XUNCHA_", env_file=".env", extra="ignore")

    env: str = Field(default="development", description="development | test | production")
    database_url: str = "sqlite:///./var/xuncha.db"
    media_dir: Path = Path("./var/media")
    # photos in an S3-compatible bucket: s3://bucket[/prefix]?endpoint=http://host:port (empty: under media_dir)
    media_url: str = ""
    media_cache_max_bytes: int = Field(default=5 * 1024**3, ge=0)  # this node's cached variants (object store)
    audit_anchor_file: Path = Path("./var/audit-anchors.jsonl")  # signed audit checkpoints, outside the database
    secret_key: str = ""  # empty: development makes a random one in secret_key_file; production refuses to start
    secret_key_file: Path = Path("./var/secret_key")
    timezone: str = "Asia/Shanghai"
    token_minutes: int = 8 * 60
    public_base_url: str = "http://127.0.0.1:8000"
    max_request_bytes: int = 20 * 1024 * 1024  # whole request body
    max_photo_bytes: int = 15 * 1024 * 1024
    # a partial upload file this old (and at least max_request_bytes at 10 kB/s) is a crash's leftover
    partial_file_max_age_seconds: int = 3600
    photo_max_pixels: int = 60_000_000
    photo_display_side: int = 2000
    photo_thumb_side: int = 320
    photo_processes: int = 1  # processes per API process that make display copies (0: in the request's thread)
    far_start_meters: float = 500.0
    correction_hours: int = 24
    login_max_failures: int = 5  # failed logins for one username from one client address before a lock
    login_max_failures_per_user: int = 50  # ... and for one username from all clients together
    login_lock_seconds: int = 300
    trusted_proxies: list[str] = []  # reverse proxies whose X-Forwarded-For names the client (CIDRs)
    scheduler_enabled: bool = True
    # the scheduler (server/scheduler.py): one runner holds the lock, the others wait and retry
    scheduler_lock_key: int = 7_201_516
    scheduler_retry_seconds: float = 30.0
    scheduler_heartbeat_seconds: float = 10.0
    # deadline sweep: reminders 3 and 1 days ahead; general hazards go to the office N days overdue
    remind_days: list[int] = [3, 1]
    escalate_general_after_days: int = 3  # used only when the escalation ladder has no office step
    escalation_file: str = ""  # the escalation ladder (JSON); empty: hazards/rules/data/escalation.json
    escalation_leaders: list[str] = []  # usernames of the district's leaders (the ladder's last step)
    # SMS: posted to this HTTP gateway (empty: written to the log), with this bearer token
    sms_gateway_url: str = ""
    sms_gateway_token: str = ""
    # re-inspection window (复查, REFERENCE §D.1): days after the application or the deadline
    reinspection_days: int = 10
    reinspection_working_days: bool = False
    # 综合查一次: advance notice, planning horizon, routine visits per enterprise per quarter
    visit_notice_days: int = 3
    merge_horizon_days: int = 14
    routine_visits_per_quarter: int = 3
    routine_visits_per_quarter_green: int = 1
    # a department's yearly cap on visits per enterprise, where the office sets one: {"消防": 2}
    annual_visit_caps: dict[str, int] = {}
    # 双随机: months between inspections by risk class; hazard weights; picks per department and month
    draw_frequency_months: dict[str, int] = {"D": 1, "C": 3, "B": 6, "A": 12}
    draw_open_hazard_weight: float = 0.25
    draw_overdue_hazard_weight: float = 1.0
    draw_capacity: int | None = None
    db_pool_size: int = 10
    # threads serving sync routes per process (0: FastAPI's default of 40); unset: 4 on either database. SQLite:
    # few threads, the other requests waiting their turn in order, served the mixed load of 50 phones with a lower
    # p99 than 40 threads fighting for the GIL and the write slot. PostgreSQL: 2 or 4 stalled the mixed load for
    # ~20 s until a sync route gave back its connection at its return; since then 4 answered 127 requests/s with
    # writes' p99 under 0.8 s against 91 and up to 3.9 s with 40, back to back on a quiet machine
    # (tests/bench/README.md, "Threads per process", "PostgreSQL's round trips", "The morning mix, session 9")
    worker_threads: int | None = None
    # webhooks may reach these non-public networks (CIDRs) or hosts (names, "*.example.gov.cn"): a JSON list
    webhook_allowed_networks: list[str] = []
    actor_cache_seconds: float = 5.0  # how long a token's user is remembered (0: read it on every request)
    # 先验后批: who decides lease applications, a JSON object {"kind": "park"|"street"|"department", "name": ...,
    # "department_code": "应急" (a department) or "credit_code": its registry record (a park or street)}
    lease_approver: dict[str, str] = {"kind": "department", "name": "区应急管理局", "department_code": "应急"}
    # 燃气审管联动: the approving side's sources ({"code": {"name", "secret", "webhook_id"}}), the working days a
    # registration's gas inspection is due in, and how far a signature's timestamp may be from now
    linkage_sources: dict[str, "LinkageSource"] = {}
    linkage_due_working_days: int = Field(default=10, ge=0, le=60)
    linkage_signature_window_seconds: int = Field(default=300, ge=10, le=3600)
    # 安责险: reminders this many days before a policy ends (JSON list)
    insurance_remind_days: list[int] = [30, 7]

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_parse(cls, entries: list[str]) -> list[str]:
        for entry in entries:
            ipaddress.ip_network(entry.strip(), strict=False)
        return entries

    @field_validator("media_url")
    @classmethod
    def _media_url_parses(cls, url: str) -> str:
        if url.strip():
            from inspection.photos.objectstore import S3Location

            S3Location.parse(url.strip())
        return url.strip()

    @field_validator("webhook_allowed_networks")
    @classmethod
    def _networks_parse(cls, entries: list[str]) -> list[str]:
        from hazards.notify.targets import TargetPolicy

        TargetPolicy.parse(entries)  # a typo fails at start-up, not at the first delivery
        return entries

    @field_validator("lease_approver")
    @classmethod
    def _approver_parse(cls, value: dict[str, str]) -> dict[str, str]:
        from hazards.leasing.program import ApprovingBody

        try:  # kind park / street / department (never the office), with what it needs
            ApprovingBody(**value)  # type: ignore[arg-type]
        except TypeError as exc:
            raise ValueError(f"XUNCHA_LEASE_APPROVER: {exc}") from exc
        return value

    def threads_per_process(self) -> int:
        """Threads serving sync routes in each process (0: FastAPI's default of 40)."""
        if self.worker_threads is not None:
            return self.worker_threads
        return WORKER_THREADS

    def approving_body(self) -> "ApprovingBody":
        from hazards.leasing.program import ApprovingBody

        return ApprovingBody(**self.lease_approver)  # type: ignore[arg-type]

    @model_validator(mode="after")
    def _secret(self) -> "Settings":
        """Production needs a configured key (several nodes must share it); development keeps a random one of
        its own under var/; a test run without one gets a random one for the process. Never a short key."""
        if not self.secret_key:
            if self.env == "production":
                raise ValueError(f"XUNCHA_SECRET_KEY must be set ({MIN_SECRET_LENGTH}+ characters) "
                                 "when XUNCHA_ENV=production")
            self.secret_key = (local_secret(self.secret_key_file) if self.env == "development"
                               else secrets.token_urlsafe(48))
        if len(self.secret_key) < MIN_SECRET_LENGTH:
            raise ValueError(f"XUNCHA_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters")
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


def local_secret(path: Path) -> str:
    """The key kept in ``path`` (mode 0600), made on first use. Processes starting together agree: the file
    appears whole (written aside, then hard-linked into place) and the first one to place it wins."""
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    key = secrets.token_urlsafe(48)
    _write_private(aside, key)
    try:
        with contextlib.suppress(FileExistsError):  # another process placed its key first: use that one
            os.link(aside, path)
    except OSError:  # a file system without hard links: create the file itself, exclusively
        with contextlib.suppress(FileExistsError):
            _write_private(path, key)
    finally:
        aside.unlink(missing_ok=True)
    return _read_secret(path)


def _write_private(path: Path, key: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key + "\n")
        out.flush()
        os.fsync(out.fileno())


def _read_secret(path: Path) -> str:
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)  # readable by others: the key signs every login and order link
    key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_SECRET_LENGTH:
        raise ValueError(f"{path}: the secret key there is shorter than {MIN_SECRET_LENGTH} characters")
    return key
