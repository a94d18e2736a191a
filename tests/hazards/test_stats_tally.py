"""The statistics' month tallies (hazards.models.TALLIES: by street, by item, by industry and risk class, by item
and street): kept in step by every hazard write, equal to a recount, folded by the nightly job, and giving the
same figures as counting the hazards row by row."""

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects import sqlite
from sqlmodel import Session

from hazards.loop import states
from hazards.models import TALLIES, Hazard, HazardTally, tally_rows
from hazards.stats import closure as stats
from hazards.stats import inputs, lists, tally
from inspection.identity.accounts import actor_for
from schemas.enums import HazardLevel
from tests.hazards import stats_dataset
from tests.hazards.stats_dataset import NOW, Dataset, at, make_hazard

T = HazardTally.__table__.c
JUNE = inputs.Period(date(2026, 6, 1), date(2026, 6, 30))
PERIODS = {
    "June": JUNE,
    "May to 1 July (July cut, still running)": inputs.Period(date(2026, 5, 1), date(2026, 7, 1)),
    "March 2025 to June 2026": inputs.Period(date(2025, 3, 1), date(2026, 6, 30)),
    "mid-May to June (May cut)": inputs.Period(date(2026, 5, 15), date(2026, 6, 30)),
    "within June (no whole month)": inputs.Period(date(2026, 6, 10), date(2026, 6, 20)),
}
GROUPINGS = [[], ["street"], ["department", "kind"], ["month"], ["month", "street"], ["item_code"],
             ["item_code", "street"], ["kind", "item_code", "department"], ["item_code", "month"], ["industry"],
             ["risk_class"], ["industry", "risk_class"], ["month", "risk_class", "kind"],
             ["street", "industry"]]  # the last: no tally keeps both, read from the hazards
# group_by -> filters, each on another dimension: the tally chosen must keep the filter too
FILTERED = [(["month"], {"street": ("三井街道",)}), (["month"], {"kind": ("DUST", "GAS")}),
            (["month"], {"month": ("2026-06",)}), (["month"], {"department_id": "fire"}),
            (["month"], {"industry": ("catering",)}), (["month"], {"item_code": ("DUST-26", "GAS-01")}),
            (["month"], {"risk_class": ("C",)}), (["item_code"], {"street": ("三井街道",)}),
            (["item_code"], {"industry": ("catering",)}), (["industry"], {"item_code": ("DUST-26",)}),
            (["risk_class"], {"industry": ("machinery", "catering"), "kind": ("DUST",)}),
            (["street"], {"item_code": ("DUST-26",)}), (["department"], {"risk_class": ("D",)})]


@pytest.fixture()
def data(session: Session, world) -> Dataset:
    dataset = stats_dataset.build(session, world)
    session.commit()
    return dataset


kept = tally.kept


def recounted_in_python(session: Session) -> dict[tuple, int]:
    counts: Counter[tuple] = Counter()
    for hazard in session.scalars(select(Hazard)):
        for kept_by in TALLIES:
            counts.update((kept_by.table.__tablename__, *row) for row in tally_rows(hazard, kept_by))
    return dict(counts)


def recounted_in_sql(session: Session) -> dict[tuple, int]:
    return tally.recounted(session)


def tally_rows_in_all(session: Session) -> int:
    return sum(session.scalar(select(func.count()).select_from(t.table)) for t in TALLIES)


def report(session: Session, who, period: inputs.Period, group_by: list[str], **filters) -> tuple:
    result = stats.closure(session, actor=who, period=period, group_by=group_by, filters=inputs.Filters(**filters),
                           now=NOW)
    return [(row.key, row.figures) for row in result.rows], result.total


def tallies_read(who, period: inputs.Period, group_by: list[str], **filters) -> dict[str, set[str]]:
    """Per statement of the closure table, the tallies it reads."""
    statements = stats.closure_statements(who, period, inputs.Filters(**filters), group_by, NOW)
    return {part: {t.table.__tablename__ for t in TALLIES
                   if f" {t.table.__tablename__}" in str(s.compile(dialect=sqlite.dialect()))}
            for part, s in statements.items()}


def assert_tallied_equals_counted(session: Session, data: Dataset, monkeypatch: pytest.MonkeyPatch) -> int:
    """Every report and top-items list the same with the tallies and without them; how many read a tally."""
    who = {name: actor_for(data.world.users[name]) for name in ("office", "inspector", "fire_inspector")}
    cases = [(w, p, g, {}) for w in who.values() for p in PERIODS.values() for g in GROUPINGS]
    for group_by, filters in FILTERED:
        if filters.get("department_id") == "fire":
            filters = {"department_id": (data.world.fire.id,)}
        cases += [(w, p, group_by, filters) for w in (who["office"], who["inspector"])
                  for p in (PERIODS["March 2025 to June 2026"], PERIODS["mid-May to June (May cut)"])]
    tallied = 0
    for who_, period, group_by, filters in cases:
        tallied += bool(tallies_read(who_, period, group_by, **filters)["found"])
        with_tally = report(session, who_, period, group_by, **filters)
        items = lists.top_items(session, actor=who_, period=period, filters=inputs.Filters(**filters))
        with monkeypatch.context() as patch:
            patch.setattr(stats, "tallied", lambda *args, **kwargs: None)
            counted = report(session, who_, period, group_by, **filters)
            counted_items = lists.top_items(session, actor=who_, period=period, filters=inputs.Filters(**filters))
        assert with_tally == counted, (who_.username, period, group_by, filters)
        assert items == counted_items, (who_.username, period, filters)
    return tallied


def test_the_tally_is_read_for_whole_months_only_when_it_keeps_what_is_asked(data):
    office = actor_for(data.world.users["office"])
    enterprise = actor_for(data.world.users["enterprise_a"])
    cut = PERIODS["within June (no whole month)"]
    by_street, by_item, by_industry, by_item_street = (t.table.__tablename__ for t in TALLIES)

    def reads(who, period, group_by, **filters) -> tuple[set[str], ...]:
        read = tallies_read(who, period, group_by, **filters)
        return read["found"], read["days"], read["due"]

    assert reads(office, JUNE, ["street", "month"]) == ({by_street},) * 3
    assert reads(office, JUNE, ["department", "kind"], street=("三井街道",)) == ({by_street},) * 3
    assert reads(office, JUNE, ["item_code"]) == ({by_item},) * 3
    assert reads(office, JUNE, ["kind", "item_code"], department_id=(1,)) == ({by_item},) * 3
    assert reads(office, JUNE, ["industry", "risk_class"]) == ({by_industry},) * 3
    assert reads(office, JUNE, ["month"], risk_class=("C",)) == ({by_industry},) * 3
    assert reads(office, JUNE, ["item_code", "street"]) == ({by_item_street},) * 3
    assert reads(office, JUNE, ["item_code"], street=("三井街道",)) == ({by_item_street},) * 3
    assert reads(office, JUNE, ["street"], industry=("catering",)) == (set(), set(), set())
    assert reads(enterprise, JUNE, []) == (set(), set(), set())
    assert reads(office, cut, ["street"]) == (set(), set(), set())
    assert " hazard_item_tally" in str(lists.top_items_statement(office, JUNE).compile(dialect=sqlite.dialect()))
    assert " hazard_item_tally" not in str(lists.top_items_statement(office, cut).compile(dialect=sqlite.dialect()))


def test_a_period_of_whole_months_reads_days_and_due_from_the_tally_alone(data):
    """No month cut, nothing live: the days and due statements are the tally's select, not ``less_voided``'s
    union with empty hazard parts (the found statement always counts overdue and repeats live)."""
    office = actor_for(data.world.users["office"])
    cut = PERIODS["mid-May to June (May cut)"]

    def compiled(period: inputs.Period, part: str) -> str:
        statement = stats.closure_statements(office, period, inputs.Filters(), ["item_code", "street"], NOW)[part]
        return str(statement.compile(dialect=sqlite.dialect()))

    for part in ("days", "due"):
        assert "FROM hazard " not in compiled(JUNE, part) and "UNION ALL" not in compiled(JUNE, part)
        assert "FROM hazard " in compiled(cut, part)
    assert "FROM hazard " in compiled(JUNE, "found")


def test_tallied_and_counted_figures_agree(session, data, monkeypatch):
    assert assert_tallied_equals_counted(session, data, monkeypatch) > 150


def test_every_kind_of_write_keeps_the_tally_equal_to_a_recount(session, data, monkeypatch):
    h = data.h
    assert kept(session) == recounted_in_python(session) == recounted_in_sql(session)
    office = actor_for(data.world.users["office"])
    june_before = report(session, office, JUNE, [])[1]

    def step(change) -> None:
        change()
        session.commit()  # the hazards expire: the next write has no old values in memory
        assert kept(session) == recounted_in_python(session) == recounted_in_sql(session)

    step(lambda: states.apply(session, h["h4"], states.Move.SUBMIT, actor=None, at=at("2026-06-30 10:00")))
    step(lambda: states.apply(session, h["h4"], states.Move.ACCEPT, actor=None, at=at("2026-06-30 16:00")))
    step(lambda: states.apply(session, h["h1"], states.Move.REOPEN, actor=None, at=at("2026-06-30 17:00")))

    def reject_with_a_new_deadline() -> None:  # the deadline moves to another month
        states.apply(session, h["h5"], states.Move.REJECT, actor=None, at=at("2026-06-30 18:00"))
        h["h5"].due_at = at("2026-08-05 23:59")
        session.add(h["h5"])

    step(reject_with_a_new_deadline)
    step(lambda: states.apply(session, h["h9"], states.Move.VOID, actor=None, at=at("2026-06-30 19:00"),
                              reason="更正"))

    def flag_and_raise() -> None:
        h["h2"].suspected_false_rectification = True
        h["h6"].level = HazardLevel.MAJOR
        session.add_all([h["h2"], h["h6"]])

    step(flag_and_raise)
    step(lambda: make_hazard(session, data.world.enterprise_b, data.world.fire, "GAS-03", found="2026-06-25 10:00",
                             due="2026-06-28"))

    june_after = report(session, office, JUNE, [])[1]
    # found: h9 voided (-1), GAS-03 (+1); closed: h4 (+1), h1 reopened (-1); overdue: h4 closed (-1), h1 reopened
    # past its deadline (+1), h9 voided (-1), GAS-03 (+1); suspected: h2 (+1)
    assert (june_after.found, june_after.closed, june_after.overdue_open) == (
        june_before.found, june_before.closed, june_before.overdue_open)
    assert june_after.closed_on_time == june_before.closed_on_time - 1  # h1 no longer closed
    assert june_after.suspected_false_rectification == june_before.suspected_false_rectification + 1
    assert_tallied_equals_counted(session, data, monkeypatch)


def test_compaction_folds_each_key_into_one_row_and_changes_no_figure(session, data, monkeypatch):
    office = actor_for(data.world.users["office"])
    for move in (states.Move.REOPEN, states.Move.SUBMIT, states.Move.ACCEPT, states.Move.REOPEN):
        states.apply(session, data.h["h2"], move, actor=None, at=at("2026-06-30 10:00"))
        session.commit()
    before = kept(session)
    figures = report(session, office, inputs.Period(date(2025, 1, 1), date(2026, 6, 30)), ["month", "street"])
    rows = tally_rows_in_all(session)
    assert rows > len(before)

    folded, written = tally.compact(session)
    session.commit()

    assert kept(session) == before
    assert tally_rows_in_all(session) == len(before)
    assert folded > written and rows - folded + written == len(before)
    assert report(session, office, inputs.Period(date(2025, 1, 1), date(2026, 6, 30)), ["month", "street"]) == figures
    assert tally.compact(session) == (0, 0)  # nothing left to fold
    assert_tallied_equals_counted(session, data, monkeypatch)


def test_the_nightly_job_compacts(session, data):
    from server.jobs import functions as jobs

    states.apply(session, data.h["h1"], states.Move.REOPEN, actor=None, at=at("2026-06-30 10:00"))
    session.commit()
    run = jobs.run("compact_stats_tally")
    assert run.ok and run.summary.startswith("rows=") and not run.summary.startswith("rows=0 ")
    session.expire_all()
    assert kept(session) == recounted_in_sql(session)


def test_0003_fills_in_the_tally_and_marks_voided_hazards(engine, session, data):
    from server import migrate

    expected = kept(session)
    voided = {data.h["h8"].id}
    session.commit()  # let go of the tables the migration alters
    try:
        migrate.downgrade(engine=engine, revision="0002")
        migrate.upgrade(engine=engine)
    finally:
        migrate.upgrade(engine=engine)  # the rest of the suite needs head whatever happened
    session.expire_all()
    assert kept(session) == expected == recounted_in_sql(session)
    assert set(session.scalars(select(Hazard.id).where(Hazard.voided.is_(True)))) == voided


def test_0021_creates_and_fills_in_the_item_and_industry_tallies(engine, session, data):
    from server import migrate

    states.apply(session, data.h["h2"], states.Move.REOPEN, actor=None, at=at("2026-06-30 10:00"))  # rows to sum
    session.commit()
    expected = kept(session)
    assert {key[0] for key in expected} == {t.table.__tablename__ for t in TALLIES}
    session.commit()  # let go of the tables the migration drops
    try:
        migrate.downgrade(engine=engine, revision="0020")
        migrate.upgrade(engine=engine)
    finally:
        migrate.upgrade(engine=engine)  # the rest of the suite needs head whatever happened
    session.expire_all()
    assert kept(session) == expected == recounted_in_sql(session)


def test_a_write_from_a_stale_copy_of_the_hazard_keeps_the_tally_right(engine, session, data):
    """Two users change the same hazard from copies loaded before either wrote: each UPDATE sets only its own
    columns, and the tally follows the row the two leave, not either copy."""
    hazard_id = data.h["h4"].id
    session.commit()
    with Session(engine, expire_on_commit=False) as first, Session(engine) as second:
        mine, theirs = first.get(Hazard, hazard_id), second.get(Hazard, hazard_id)
        assert mine is not None and theirs is not None
        first.commit()  # keeps its copy, ends its read (SQLite would refuse a write from an older snapshot)
        theirs.level = HazardLevel.MAJOR  # raised to major by the office ...
        second.add(theirs)
        second.commit()
        states.apply(first, mine, states.Move.SUBMIT, actor=None, at=at("2026-06-30 10:00"))  # ... submitted
        first.commit()  # from a copy that still says "general"
    session.expire_all()
    stored = session.get(Hazard, hazard_id)
    assert stored is not None and (stored.level, stored.status) == ("major", "submitted")
    assert kept(session) == recounted_in_python(session) == recounted_in_sql(session)


def test_the_check_and_rebuild_commands(client, session, data):
    from typer.testing import CliRunner

    from server.cli import app as cli

    assert CliRunner().invoke(cli, ["stats", "check-tally"]).exit_code == 0
    session.execute(HazardTally.__table__.delete().where(T.cohort == "due"))  # as a hand-written SQL fix might
    session.commit()
    result = CliRunner().invoke(cli, ["stats", "check-tally"])
    assert result.exit_code == 1 and "rebuild-tally" in result.output and "'due'" in result.output
    result = CliRunner().invoke(cli, ["stats", "rebuild-tally"])
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(cli, ["stats", "check-tally"]).exit_code == 0
    session.expire_all()
    assert kept(session) == recounted_in_sql(session)


def test_compaction_beside_a_writer_that_has_not_committed_loses_nothing(engine, session, data):
    """The nightly fold runs while a submission is still open: it neither waits on the writer's rows (same
    keys) nor loses them, and they count once it commits. PostgreSQL only: SQLite lets one writer in at a
    time."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers, so the fold cannot run beside an open write")
    for move in (states.Move.REOPEN, states.Move.SUBMIT, states.Move.ACCEPT):  # keys with several rows to fold
        states.apply(session, data.h["h1"], move, actor=None, at=at("2026-06-30 10:00"))
        session.commit()
    world = data.world
    with Session(engine) as writer:
        make_hazard(writer, world.enterprise_a, world.safety, "DUST-03", found="2026-06-02 11:00", due="2026-06-09")
        with Session(engine) as job:  # the writer's rows are flushed, not committed
            folded, _ = tally.compact(job)
            job.commit()
        assert folded > 0
        writer.commit()
    session.expire_all()
    assert kept(session) == recounted_in_python(session) == recounted_in_sql(session)


def test_0008_gives_voided_hazards_stored_as_closed_their_own_status(engine, session, data):
    """Before 0008 a voided hazard was stored ``closed`` with a closing time: the migration makes it ``voided``."""
    from sqlalchemy import text

    from server import migrate

    h8 = data.h["h8"].id
    session.commit()
    try:
        migrate.downgrade(engine=engine, revision="0007")
        with engine.begin() as connection:  # as 0007 stored it
            connection.execute(text("UPDATE hazard SET status = 'closed', closed_at = due_at, close_days = 16 "
                                    "WHERE id = :id"), {"id": h8})
        migrate.upgrade(engine=engine)
    finally:
        migrate.upgrade(engine=engine)
    session.expire_all()
    hazard = session.get(Hazard, h8)
    assert (hazard.status, hazard.closed_at, hazard.close_days) == ("voided", None, None)
    assert session.scalar(select(func.count()).select_from(Hazard).where(Hazard.status == "voided")) == 1
