"""`xuncha import enterprises FILE --update`: registered enterprises (by credit code) take the cells a row fills,
the report says row by row what changed, all or nothing, and a dry run writes nothing."""

from sqlmodel import Session, select
from typer.testing import CliRunner

from inspection.identity.accounts import actor_for
from inspection.models import Enterprise, Event
from inspection.registry import importer
from inspection.types import utcnow
from server.cli import app as cli
from server.db import get_engine
from tests.factories import credit_code
from tests.server.test_import import count_enterprises, good_rows, write_csv, write_xlsx


def registered(session, world, tmp_path):
    report = importer.import_file(session, write_csv(tmp_path / "first.csv", good_rows(3)),
                                  actor=actor_for(world.users["office"]), now=utcnow())
    assert report.ok
    session.commit()


def second_file(tmp_path, *, bad=False):
    first, second, _ = good_rows(3)
    moved = [first[0], first[1].lower(), "三井街道", "D" if not bad else "E", "", "", "", "13911112222"]
    return write_xlsx(tmp_path / "second.xlsx", [
        moved, second, ["新登记企业有限公司", credit_code(900), "罗溪镇", "B", "否", "否", "", ""]])


def stored(code):
    with Session(get_engine()) as session:
        return session.exec(select(Enterprise).where(Enterprise.credit_code == code)).one()


def test_update_changes_what_the_row_fills_and_says_so_row_by_row(session, world, tmp_path):
    registered(session, world, tmp_path)
    first, second, third = good_rows(3)
    report = importer.import_file(session, second_file(tmp_path), actor=actor_for(world.users["office"]),
                                  now=utcnow(), update=True)
    assert report.ok, report.problems
    session.commit()
    assert (report.rows, report.imported, report.updated, report.unchanged) == (3, 1, 1, 1)
    by_row = {c.row: c for c in report.changes}
    assert by_row[2].action == "updated" and by_row[2].credit_code == first[1]
    assert by_row[2].fields == {"street": ("罗溪镇", "三井街道"), "risk_class": ("C", "D"),
                                "contact_phone": ("13900000000", "13911112222")}
    assert (by_row[3].action, by_row[3].fields) == ("unchanged", {})
    assert (by_row[4].action, by_row[4].name) == ("created", "新登记企业有限公司")
    moved = stored(first[1])
    assert (moved.street, moved.risk_class, moved.contact_phone, moved.name) == (
        "三井街道", "D", "13911112222", first[0])  # the empty cells left the rest as it was
    assert moved.dust_involved is False and moved.gas_user is True and moved.gas_supply == "lpg"
    assert stored(third[1]).street == "罗溪镇"
    events = session.exec(select(Event).where(Event.entity == "enterprise", Event.entity_id == moved.id,
                                              Event.action == "updated")).all()
    assert len(events) == 1 and events[0].after["street"] == "三井街道"


def test_without_update_a_registered_code_is_refused_and_a_bad_row_keeps_everything(session, world, tmp_path):
    registered(session, world, tmp_path)
    first = good_rows(1)[0]
    refused = importer.import_file(session, second_file(tmp_path), actor=actor_for(world.users["office"]),
                                   now=utcnow())
    assert [p.row for p in refused.problems] == [2, 3] and "已登记" in refused.problems[0].problem
    session.rollback()
    bad = importer.import_file(session, second_file(tmp_path, bad=True), actor=actor_for(world.users["office"]),
                               now=utcnow(), update=True)
    assert [(p.row, p.column) for p in bad.problems] == [(2, "风险分类")]
    session.rollback()
    assert stored(first[1]).street == "罗溪镇" and count_enterprises() == 9


def test_the_command_reports_each_row_and_a_dry_run_writes_nothing(world, tmp_path):
    runner = CliRunner()
    first = runner.invoke(cli, ["import", "enterprises", str(write_csv(tmp_path / "a.csv", good_rows(3)))])
    assert first.exit_code == 0, first.output
    path = second_file(tmp_path)
    dry = runner.invoke(cli, ["import", "enterprises", str(path), "--update", "--dry-run"], terminal_width=200)
    assert dry.exit_code == 0, dry.output
    assert "dry run, nothing written: would import 1, update 1 (1 unchanged) of 3 rows" in dry.output
    assert "更新 updated" in dry.output and "三井街道" in dry.output
    assert stored(good_rows(1)[0][1]).street == "罗溪镇" and count_enterprises() == 9
    done = runner.invoke(cli, ["import", "enterprises", str(path), "--update"], terminal_width=200)
    assert done.exit_code == 0, done.output
    assert "imported 1, updated 1 (1 unchanged) of 3 rows" in done.output
    assert stored(good_rows(1)[0][1]).street == "三井街道" and count_enterprises() == 10
    again = runner.invoke(cli, ["import", "enterprises", str(path)], terminal_width=200)
    assert again.exit_code == 1 and "已登记" in again.output

