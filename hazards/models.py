"""Table models of the hazard loop: hazards and their month tally, orders and decisions, evidence, extensions.

The outbox and webhooks are ``hazards.notify.models``; the loaded calendar years ``hazards.rules.models``."""

from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any, NamedTuple

from sqlalchemy import Column, Index, UniqueConstraint, event, false, inspect, select, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import object_session
from sqlmodel import JSON, Field, SQLModel

from inspection.clock import local_date
from inspection.models import created_column, utc_column
from inspection.types import EnumText
from schemas.enums import HazardLevel, HazardStatus, Party

# The grouping columns of the statistics, in the order of their covering indexes (see ``Hazard``): a GROUP BY
# on a prefix streams. Street first (the monthly report's chart), then the checklist side.
STATS_DIMENSION_COLUMNS = ("street", "department_id", "kind", "item_code", "risk_class", "industry")
STATS_FLAG_COLUMNS = ("status", "level", "fixed_on_spot", "suspected_false_rectification")
# what each statistics index leads with before the dimensions (``hazards.stats.sql`` groups on these)
STATS_FOUND_LEADING = ("found_month", *STATS_FLAG_COLUMNS)
STATS_DAYS_LEADING = ("found_month", "close_days")
STATS_DUE_LEADING = ("due_month",)
NOT_CLOSED_SQL = "status <> 'closed'"  # literally, so SQLite matches a query's condition to the partial index
VOIDED_SQL = "voided"  # likewise, for ``ix_hazard_voided``
NOT_CLOSED_AT_SQL = "closed_at IS NULL"  # likewise, for ``ix_hazard_stats_overdue_open``


class Hazard(SQLModel, table=True):
    """A failed checklist item at one enterprise (隐患), driven to closure.

    ``status`` is written only by ``hazards.loop.states``; overdue is derived from ``due_at``, never stored.
    A hazard found in a plant site and attributed to both landlord and tenant is two linked rows, one per
    enterprise, each in its own order. Street, industry, risk class and the local month are snapshots taken
    when the hazard is found, so statistics group by them without joins.
    """

    __table_args__ = (
        Index(None, "enterprise_id", "item_code"),
        Index(None, "status", "due_at"),
        # Statistics (hazards/stats.py, hazards/stats_sql.py): covering indexes whose leading columns are the
        # GROUP BY of the statements that read them, so SQLite streams the groups instead of sorting the rows
        # (it has no hash aggregate) and each statement is one index-only range scan. Found in a period: month,
        # then the figures' flags, then the dimensions; closed ones by month and days to close; the few repeats
        # apart; due in a period by the deadline's month; overdue-at-a-date two short ranges. See
        # tests/bench/README.md ("Statistics").
        Index("ix_hazard_stats_found", *STATS_FOUND_LEADING, *STATS_DIMENSION_COLUMNS, "due_at", "found_at",
              "enterprise_id"),
        Index("ix_hazard_stats_days", *STATS_DAYS_LEADING, *STATS_DIMENSION_COLUMNS, "found_at", "enterprise_id",
              sqlite_where=text("close_days IS NOT NULL"), postgresql_where=text("close_days IS NOT NULL")),
        Index("ix_hazard_stats_repeat", "found_month", *STATS_DIMENSION_COLUMNS, "found_at", "enterprise_id", "id",
              sqlite_where=text("repeat_of_id IS NOT NULL"), postgresql_where=text("repeat_of_id IS NOT NULL")),
        Index("ix_hazard_stats_due", *STATS_DUE_LEADING, *STATS_DIMENSION_COLUMNS, "due_at", "closed_at",
              "enterprise_id"),
        # hazards not closed, for "overdue open" over the months read from ``HazardTally`` (a few per cent)
        Index("ix_hazard_stats_open", "found_month", *STATS_DIMENSION_COLUMNS[:3], "status", "due_at",
              sqlite_where=text(NOT_CLOSED_SQL), postgresql_where=text(NOT_CLOSED_SQL)),
        # overdue at an instant, two ranges (``stats.lists.overdue_branches``): still open, or closed after it;
        # id and level make the count and the page's ids index-only, in deadline order
        Index("ix_hazard_stats_overdue", "closed_at", "due_at", "id", "level"),
        # the still-open ones apart, in deadline order, so the page stops after its rows: PostgreSQL takes no
        # order from ``closed_at IS NULL`` in the index above, and sorted every overdue hazard for a page
        Index("ix_hazard_stats_overdue_open", "due_at", "id", "level", sqlite_where=text(NOT_CLOSED_AT_SQL),
              postgresql_where=text(NOT_CLOSED_AT_SQL)),
        Index(None, "due_at", "closed_at"),  # the overdue list, in deadline order, a page at a time
        # the voided hazards' ids (0.2 %), read by every statistic to leave them out (``stats.sql.voided_ids``):
        # an index-only scan of a few thousand entries instead of their events' scattered heap rows
        Index("ix_hazard_voided", "id", "voided", sqlite_where=text(VOIDED_SQL), postgresql_where=text(VOIDED_SQL)),
    )

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    visit_id: int | None = Field(default=None, foreign_key="visit.id", index=True)
    submission_id: int | None = Field(default=None, foreign_key="submission.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    kind: str = Field(max_length=8)
    item_code: str = Field(max_length=16)
    checklist_version: int = 1
    level: HazardLevel = Field(sa_type=EnumText(HazardLevel, 8))
    description: str = ""
    legal_basis: str = ""
    party: Party = Field(sa_type=EnumText(Party, 16), default=Party.SELF)
    linked_hazard_id: int | None = Field(default=None, foreign_key="hazard.id")
    status: HazardStatus = Field(sa_type=EnumText(HazardStatus, 16), default=HazardStatus.OPEN)
    deadline_days: int = 0
    working_days: bool = False
    due_at: datetime = utc_column(nullable=False)
    found_at: datetime = created_column()
    closed_at: datetime | None = utc_column()
    fixed_on_spot: bool = False
    plan_required: bool = False  # major hazards: the enterprise must upload a 治理方案
    plan_photo_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    plan_uploaded_at: datetime | None = utc_column()
    deadline_set_by_office: bool = False
    before_photo_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    after_photo_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    repeat_of_id: int | None = Field(default=None, foreign_key="hazard.id")
    suspected_false_rectification: bool = False
    street: str = Field(default="", max_length=64)
    industry: str = Field(default="", max_length=32)
    risk_class: str = Field(default="", max_length=1)
    # kept by ``_keep_derived`` for the statistics' indexes: the local (Asia/Shanghai) months found and due
    # (YYYY-MM), and whole local days from found to closed
    found_month: str = Field(default="", max_length=7)
    due_month: str = Field(default="", max_length=7)
    close_days: int | None = None
    # closed by ``states.Move.VOID`` (a corrected visit removed the failure): left out of every statistic
    voided: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    # major hazards: the department's review of the 治理方案 ('' none yet, submitted, approved, returned)
    plan_status: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})
    plan_reviewed_by: int | None = None  # a user id (no foreign key: the hazard table is not rebuilt for it)
    plan_reviewed_at: datetime | None = utc_column()
    plan_review_note: str = Field(default="", sa_column_kwargs={"server_default": ""})
    # 挂牌督办 (安全生产法 Art.41(3)): the office lists a major hazard under a supervisor with a deadline
    supervised: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    supervisor: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    supervision_due: date | None = None
    supervised_at: datetime | None = utc_column()


def days_to_close(found_at: datetime, closed_at: datetime | None) -> int | None:
    """Local calendar days from the day found to the day closed, 0 for the same day; None while not closed."""
    if closed_at is None:
        return None
    return (local_date(_aware(closed_at)) - local_date(_aware(found_at))).days


def local_month(at: datetime) -> str:
    return f"{local_date(_aware(at)):%Y-%m}"


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)  # stored instants are UTC


@event.listens_for(Hazard, "before_insert")
@event.listens_for(Hazard, "before_update")
def _keep_derived(mapper: Any, connection: Any, hazard: Hazard) -> None:
    """Every ORM write of a hazard keeps its stored months and days to close in step with its instants."""
    hazard.found_month = local_month(hazard.found_at)
    hazard.due_month = local_month(hazard.due_at)
    hazard.close_days = days_to_close(hazard.found_at, hazard.closed_at)


# Month tallies -----


class TallyRow(SQLModel):
    """The columns every month tally shares; each tally adds its own key columns (street, item, industry …)."""

    id: int | None = Field(default=None, primary_key=True)
    cohort: str = Field(max_length=8)
    month: str = Field(max_length=7)
    department_id: int
    kind: str = Field(max_length=8)
    bucket: int
    n: int


class HazardTally(TallyRow, table=True):
    """Hazards counted per local month, street, department and checklist kind, for statistics over whole months
    (``hazards.stats.closure``): the same figures as a scan of ``hazard``, from a few rows a month instead of
    ~17,000. The first of ``TALLIES``; the others count the same way by other keys.

    Append-only: every ORM write of a hazard adds the difference it makes (``n`` = +1 / -1 per row of
    ``tally_rows``) in the same transaction, so concurrent writers never wait on a shared row; readers ``SUM``
    ``n`` per key, and ``hazards.stats.tally.compact`` (a nightly job) folds each key's rows into one. Three cohorts:
    ``found`` by ``found_month`` with ``bucket`` the figures' flags (``TALLY_*`` bits), ``days`` (closed
    hazards) by ``found_month`` with ``bucket`` the days to close, ``due`` by ``due_month`` with ``bucket`` 1 when
    closed on time. Voided hazards are not counted.
    """

    __tablename__ = "hazard_tally"
    __table_args__ = (
        Index("ix_hazard_tally_key", "cohort", "month", "street", "department_id", "kind", "bucket", "n"),
    )

    street: str = Field(default="", max_length=64)


class HazardItemTally(TallyRow, table=True):
    """``HazardTally`` by checklist item instead of street: item-level tables and the top items."""

    __tablename__ = "hazard_item_tally"
    __table_args__ = (
        Index("ix_hazard_item_tally_key", "cohort", "month", "item_code", "department_id", "kind", "bucket", "n"),
    )

    item_code: str = Field(max_length=16)


class HazardIndustryTally(TallyRow, table=True):
    """``HazardTally`` by the enterprise's industry and risk class (snapshots taken when found)."""

    __tablename__ = "hazard_industry_tally"
    __table_args__ = (
        Index("ix_hazard_industry_tally_key", "cohort", "month", "industry", "risk_class", "department_id", "kind",
              "bucket", "n"),
    )

    industry: str = Field(default="", max_length=32)
    risk_class: str = Field(default="", max_length=1)


class HazardItemStreetTally(TallyRow, table=True):
    """``HazardTally`` by checklist item and street. Its days histogram compresses least (~100,000 rows a year for
    ~200,000 hazards) but still measured 1.4-2× faster to read than the covering index (tests/bench/README.md,
    "City scale")."""

    __tablename__ = "hazard_item_street_tally"
    __table_args__ = (
        Index("ix_hazard_item_street_tally_key", "cohort", "month", "item_code", "street", "department_id", "kind",
              "bucket", "n"),
    )

    item_code: str = Field(max_length=16)
    street: str = Field(default="", max_length=64)


COHORTS = ("found", "due", "days")


class Tally(NamedTuple):
    """One month tally: its table, the hazard columns it counts by (besides the month) and the cohorts it keeps."""

    table: Any  # the SQLModel class
    key: tuple[str, ...]
    cohorts: tuple[str, ...] = COHORTS

    @property
    def columns(self) -> tuple[str, ...]:
        """A row's key columns, then ``n``."""
        return ("cohort", "month", *self.key, "bucket", "n")


# In the order ``hazards.stats.closure.tallied`` tries them: the first whose key holds every group and filter
# asked is read. See tests/bench/README.md ("City scale").
TALLIES: tuple[Tally, ...] = (
    Tally(HazardTally, ("street", "department_id", "kind")),
    Tally(HazardItemTally, ("item_code", "department_id", "kind")),
    Tally(HazardIndustryTally, ("industry", "risk_class", "department_id", "kind")),
    Tally(HazardItemStreetTally, ("item_code", "street", "department_id", "kind")),
)
TALLY_CLOSED, TALLY_MAJOR, TALLY_ON_SPOT, TALLY_SUSPECTED = 1, 2, 4, 8  # bits of a found row's bucket
TALLY_FIELDS = ("voided", "status", "level", "fixed_on_spot", "suspected_false_rectification", "street",
                "department_id", "kind", "item_code", "industry", "risk_class", "found_month", "due_month",
                "close_days", "due_at", "closed_at")
TallyKey = tuple[Any, ...]  # cohort, month, the tally's key values, bucket
TALLY_COLUMNS = TALLIES[0].columns  # the first tally's: a key, then n


def tally_rows(h: Any, tally: Tally = TALLIES[0]) -> list[TallyKey]:
    """Where one hazard counts in ``tally`` (``h``: a hazard or a row with ``TALLY_FIELDS``). The one
    definition, mirrored in SQL by ``hazards.stats.tally.recount`` (a test holds the two equal)."""
    if h.voided:
        return []
    closed = h.status == "closed"
    flags = ((TALLY_CLOSED if closed else 0) | (TALLY_MAJOR if h.level == "major" else 0)
             | (TALLY_ON_SPOT if h.fixed_on_spot else 0) | (TALLY_SUSPECTED if h.suspected_false_rectification else 0))
    where = tuple(getattr(h, name) for name in tally.key)
    on_time = h.closed_at is not None and _aware(h.closed_at) <= _aware(h.due_at)
    rows: list[TallyKey] = [("found", h.found_month, *where, flags), ("due", h.due_month, *where, int(on_time))]
    if h.close_days is not None:
        rows.append(("days", h.found_month, *where, h.close_days))
    return [row for row in rows if row[0] in tally.cohorts]


PENDING = "hazard_tally_pending"  # in ``Session.info``: the appends of the flush under way, per tally


def _tally_changes(connection: Any, session: Any, before: Any, after: Any) -> None:
    """Append to every tally the difference between the hazard as ``before`` and as ``after`` (None: absent).

    Collected for the whole flush and written at its end, one INSERT per tally (``_tally_write``): a flush of ten
    hazards is four statements, not forty (each a round trip on PostgreSQL)."""
    pending: dict[Tally, list[TallyKey]] = session.info.setdefault(PENDING, {}) if session is not None else {}
    for tally in TALLIES:
        old = tally_rows(before, tally) if before is not None else []
        new = tally_rows(after, tally) if after is not None else []
        changes = [(*key, -1) for key in old if key not in new] + [(*key, 1) for key in new if key not in old]
        if changes:
            pending.setdefault(tally, []).extend(changes)
    if session is None:  # not from a session's flush: write now
        _append(connection, pending)


def _append(connection: Any, pending: dict[Tally, list[TallyKey]]) -> None:
    for tally, changes in pending.items():
        connection.execute(tally.table.__table__.insert(),
                           [dict(zip(tally.columns, change, strict=True)) for change in sorted(changes)])


@event.listens_for(OrmSession, "before_flush")
def _tally_begin(session: Any, flush_context: Any, instances: Any) -> None:
    """A flush that failed left its appends behind: they never happened."""
    session.info.pop(PENDING, None)


@event.listens_for(OrmSession, "after_flush")
def _tally_write(session: Any, flush_context: Any) -> None:
    """The flush's appends, in its transaction, one INSERT per tally."""
    pending = session.info.pop(PENDING, None)
    if pending:
        _append(session.connection(), pending)


@event.listens_for(Hazard, "after_insert")
def _tally_insert(mapper: Any, connection: Any, hazard: Hazard) -> None:
    _tally_changes(connection, object_session(hazard), None, hazard)


@event.listens_for(Hazard, "before_update")
def _tally_update(mapper: Any, connection: Any, hazard: Hazard) -> None:
    """Registered after ``_keep_derived``, so the stored months and days are already the new ones.

    The difference is taken from the row as stored, read back and locked (an expired hazard's history has no
    old values, and on PostgreSQL another transaction may have changed the row since it was loaded), to that
    row with the columns this UPDATE sets: exactly the row the UPDATE leaves."""
    state = inspect(hazard)
    changed = {name: getattr(hazard, name) for name in TALLY_FIELDS if state.attrs[name].history.has_changes()}
    if not changed:
        return
    stored = connection.execute(select(*[Hazard.__table__.c[name] for name in TALLY_FIELDS])
                                .where(Hazard.__table__.c.id == hazard.id).with_for_update()).one()
    _tally_changes(connection, object_session(hazard), stored, SimpleNamespace(**{**stored._mapping, **changed}))


@event.listens_for(Hazard, "after_delete")
def _tally_delete(mapper: Any, connection: Any, hazard: Hazard) -> None:
    _tally_changes(connection, object_session(hazard), hazard, None)


class RectificationOrder(SQLModel, table=True):
    """责令限期整改指令书 (kind ``rectification``) or 整改复查意见书 (kind ``reinspection``)."""

    __tablename__ = "rectification_order"
    __table_args__ = (UniqueConstraint("department_id", "doc_code", "year", "serial"),)

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=64, unique=True)
    kind: str = Field(default="rectification", max_length=16)
    doc_code: str = Field(max_length=8)  # 责改, 复查
    department_id: int = Field(foreign_key="department.id", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    visit_id: int | None = Field(default=None, foreign_key="visit.id", index=True)
    submission_id: int | None = Field(default=None, foreign_key="submission.id")
    year: int
    serial: int
    issued_at: datetime = created_column()
    inspector_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    linked_order_id: int | None = Field(default=None, foreign_key="rectification_order.id")
    based_on_order_id: int | None = Field(default=None, foreign_key="rectification_order.id")
    outcomes: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # 整改复查意见书 of a major hazard whose production had stopped: the 恢复生产 decision (approved, reason,
    # the 现场处理措施决定书 it ends)
    resumption: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class OnSiteDecision(SQLModel, table=True):
    """现场处理措施决定书 (安全生产法 Art.65(1)(3)): withdrawal of people, suspension or stopping equipment for major
    hazards that cannot be made safe, a document of its own (REFERENCE §G.4), numbered in the orders' sequence
    (doc code ``现决``). ``resumed_at`` / ``resumption_record_id``: the 复查意见书 that approved 恢复生产."""

    __tablename__ = "onsite_decision"
    __table_args__ = (UniqueConstraint("department_id", "year", "serial"),)

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=64, unique=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    visit_id: int | None = Field(default=None, foreign_key="visit.id")
    year: int
    serial: int
    issued_at: datetime = created_column()
    inspector_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    hazard_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    measures: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    note: str = ""
    production_stopped: bool = False
    resumed_at: datetime | None = utc_column()
    resumption_record_id: int | None = Field(default=None, foreign_key="rectification_order.id")


class PenaltyRuling(SQLModel, table=True):
    """One decision on a hazard's 首违免罚 recommendation. Never edited: a later decision is a new row with a reason
    that names the one it replaces (``supersedes_id``); all stay visible. A confirmed exemption is a
    不予行政处罚决定书 with its own number."""

    __tablename__ = "penalty_ruling"

    id: int | None = Field(default=None, primary_key=True)
    hazard_id: int = Field(foreign_key="hazard.id", index=True)
    exempt: bool
    decision: str = Field(max_length=16)  # confirmed / overridden
    note: str = ""
    supersedes_id: int | None = Field(default=None, foreign_key="penalty_ruling.id")
    number: str | None = Field(default=None, max_length=64, unique=True)
    department_id: int = Field(foreign_key="department.id")
    inspector_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    offence: str = ""
    list_version: str = ""
    decided_by: int = Field(foreign_key="app_user.id")
    decided_at: datetime = created_column()


class OrderHazard(SQLModel, table=True):
    __tablename__ = "order_hazard"
    __table_args__ = (UniqueConstraint("order_id", "hazard_id"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="rectification_order.id", index=True)
    hazard_id: int = Field(foreign_key="hazard.id", index=True)


class OrderCounter(SQLModel, table=True):
    """The last serial issued per department, document code and year: locked while numbering."""

    __tablename__ = "order_counter"

    department_id: int = Field(foreign_key="department.id", primary_key=True)
    doc_code: str = Field(max_length=8, primary_key=True)
    year: int = Field(primary_key=True)
    last_serial: int = 0


class Evidence(SQLModel, table=True):
    """Rectification evidence an enterprise submits for one hazard, and its review."""

    id: int | None = Field(default=None, primary_key=True)
    hazard_id: int = Field(foreign_key="hazard.id", index=True)
    submitted_by: int = Field(foreign_key="app_user.id")
    note: str = ""
    photo_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    plan_photo_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    submitted_at: datetime = created_column()
    reviewed_by: int | None = Field(default=None, foreign_key="app_user.id")
    reviewed_at: datetime | None = utc_column()
    accepted: bool | None = None
    review_reason: str = ""
    # what the reviewer should look at (``hazards.loop.forgery``): near matches with earlier photos, capture times
    # before the finding or in the future; each a dict with ``kind``, ``photo_id`` and a message
    flags: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False,
                                                                                server_default="[]"))


class Extension(SQLModel, table=True):
    """延期申请: asked by the enterprise before the deadline, decided by the issuing department."""

    id: int | None = Field(default=None, primary_key=True)
    hazard_id: int = Field(foreign_key="hazard.id", index=True)
    requested_by: int = Field(foreign_key="app_user.id")
    reason: str
    requested_due_date: date
    plan_photo_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    interim_measures: str = ""
    status: str = Field(default="pending", max_length=16)
    decided_by: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime | None = utc_column()
    decision_note: str = ""
    previous_due_at: datetime | None = utc_column()
    new_due_at: datetime | None = utc_column()
    requested_at: datetime = created_column()


class PenaltyDecision(SQLModel, table=True):
    """首违免罚 recommendation and the inspector's confirmation or override, with reasons."""

    __tablename__ = "penalty_decision"

    id: int | None = Field(default=None, primary_key=True)
    hazard_id: int = Field(foreign_key="hazard.id", unique=True)
    recommended_exempt: bool
    enforcement_review: bool = False  # 立案审查
    reasons: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    list_version: str = ""
    offence: str = Field(default="", sa_column_kwargs={"server_default": ""})  # the verified listed offence, if any
    decision: str = Field(default="pending", max_length=16)  # pending / confirmed / overridden (the latest ruling)
    decided_by: int | None = Field(default=None, foreign_key="app_user.id")
    decided_at: datetime | None = utc_column()
    note: str = ""
    created_at: datetime = created_column()


