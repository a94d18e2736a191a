"""The ``xuncha`` command: migrate, demo data, serve, import, audit."""

import logging
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlmodel import select

from inspection import audit
from inspection.registry import importer
from inspection.types import utcnow
from schemas.enums import Role
from server.settings import get_settings

app = typer.Typer(help="xuncha 巡查 — inspection and hazard-closure service", no_args_is_help=True)
import_app = typer.Typer(help="Bulk imports", no_args_is_help=True)
audit_app = typer.Typer(help="Audit trail", no_args_is_help=True)
stats_app = typer.Typer(help="Statistics", no_args_is_help=True)
draw_app = typer.Typer(help="双随机 draws", no_args_is_help=True)
calendar_app = typer.Typer(help="The official holiday calendar (国务院办公厅节假日安排)", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(audit_app, name="audit")
app.add_typer(stats_app, name="stats")
app.add_typer(calendar_app, name="calendar")
app.add_typer(draw_app, name="draw")
media_app = typer.Typer(help="Photo storage", no_args_is_help=True)
app.add_typer(media_app, name="media")
console = Console()


@app.command()
def migrate() -> None:
    """Apply database migrations (the only way the schema is created)."""
    from server import migrate as migrations

    migrations.upgrade()
    console.print(f"migrated: {get_settings().database_url}")


@app.command()
def demo() -> None:
    """Load demo data (idempotent) and print the demo logins. A new database also gets half a year of
    inspections (server/demo_history.py), so the dashboards have figures to show."""
    from inspection.types import utcnow
    from server.db import session_scope
    from server.demo import history as demo_history
    from server.demo import seed as demo_data
    from server.media import photo_store

    with session_scope() as session:
        logins = demo_data.load(session)
    try:
        with session_scope() as session:
            history = demo_history.load(session, store=photo_store(), now=utcnow(),
                                        demo_enterprise_id=demo_data.demo_enterprise_id(session))
    except Exception as exc:  # noqa: BLE001 - the demo logins work without a history; say so and go on
        console.print(f"[yellow]demo history skipped: {exc}[/yellow]")
    else:
        if history is not None:
            console.print(f"demo history: {history.visits} visits, {history.hazards} hazards "
                          f"({history.closed} closed), {history.photos} photos")
    table = Table(title=f"demo logins (password: {demo_data.PASSWORD})")
    table.add_column("username")
    table.add_column("role")
    for username, role in logins:
        table.add_row(username, role)
    console.print(table)


@app.command()
def serve(
    host: Annotated[str, typer.Option(envvar="HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="PORT")] = 8000,
    workers: int = 1,
) -> None:
    """Serve the API (and, unless XUNCHA_SCHEDULER_ENABLED=false, the in-process scheduler)."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # several workers share one listening socket; libuv's single accept lets each take one connection at a
    # time, instead of the first awake worker taking a whole burst of phones
    os.environ.setdefault("UV_TCP_SINGLE_ACCEPT", "1")
    console.print(f"xuncha on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
    # proxy_headers off: X-Forwarded-For is read by the app, and only from XUNCHA_TRUSTED_PROXIES (server/clients.py)
    uvicorn.run("server.app:create_app", factory=True, host=host, port=port, workers=workers, proxy_headers=False)


@app.command()
def scheduler() -> None:
    """Run the scheduler as its own process (deployments with several API workers).

    Any number of runners may be up (this command, API workers with XUNCHA_SCHEDULER_ENABLED): the one holding
    the database lock fires the jobs, the others stand by and take over if it stops."""
    from server.jobs import scheduler as schedule

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    runner = schedule.runner_from_settings()
    console.print(f"xuncha scheduler ({runner.name}): {len(runner.schedule)} jobs; Ctrl-C stops it")
    runner.run_forever()


@import_app.command("enterprises")
def import_enterprises(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX file")],
    as_user: Annotated[str, typer.Option("--as", help="username recorded in the audit trail")] = "admin",
    update: Annotated[bool, typer.Option("--update", help="update enterprises already registered (by credit "
                                         "code) with the cells a row fills, instead of refusing them")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check and report row by row, write nothing")] = False,
) -> None:
    """Validate every row, then import all rows or none, printing a per-row error report; with --update, say row
    by row what changed."""
    from inspection.identity.accounts import actor_for
    from inspection.models import User
    from server.db import session_scope

    with session_scope() as session:
        user = session.exec(select(User).where(User.username == as_user)).first()
        if user is None:  # the audit trail names a real user (event.actor_id references app_user)
            console.print(f"[red]no user named {as_user}; pass --as with an office or admin username[/red]")
            raise typer.Exit(2)
        actor = actor_for(user)
        if actor.role not in (Role.ADMIN, Role.OFFICE):
            console.print(f"[red]{as_user} may not import enterprises[/red]")
            raise typer.Exit(2)
        total = sum(1 for _ in importer.read_rows(file))
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("validating", total=total)
            report = importer.import_file(session, file, actor=actor, now=utcnow(), update=update,
                                          progress=lambda n: progress.advance(task, n))
        if not report.ok:
            session.rollback()
            table = Table(title=f"{len(report.problems)} problem(s) — nothing was imported")
            for column in ("row", "column", "problem"):
                table.add_column(column)
            for problem in report.problems:
                table.add_row(str(problem.row), problem.column, problem.problem)
            console.print(table)
            raise typer.Exit(1)
        if update:
            _print_changes(report)
        if dry_run:
            session.rollback()
            console.print(f"dry run, nothing written: would import {report.imported}, update {report.updated} "
                          f"({report.unchanged} unchanged) of {report.rows} rows")
            return
    if update:
        console.print(f"imported {report.imported}, updated {report.updated} ({report.unchanged} unchanged) "
                      f"of {report.rows} rows")
    else:
        console.print(f"imported {report.imported} of {report.rows} rows")


def _print_changes(report: importer.ImportReport) -> None:
    table = Table(title="row by row")
    for column in ("row", "credit code", "enterprise", "action", "changes"):
        table.add_column(column)
    words = {"created": "新增 created", "updated": "更新 updated", "unchanged": "无变化 unchanged"}
    for change in report.changes:
        changed = "; ".join(f"{name}: {before!r} → {after!r}" for name, (before, after) in change.fields.items())
        table.add_row(str(change.row), change.credit_code, change.name, words[change.action], changed)
    console.print(table)


def _office_actor(session, as_user: str):  # type: ignore[no-untyped-def]
    from inspection.identity.accounts import actor_for
    from inspection.models import User

    user = session.exec(select(User).where(User.username == as_user)).first()
    if user is None or user.role not in (Role.ADMIN, Role.OFFICE):
        console.print(f"[red]{as_user} is not an office or admin user; pass --as with one[/red]")
        raise typer.Exit(2)
    return actor_for(user)


def _problems(title: str, problems: list) -> None:  # type: ignore[type-arg]
    table = Table(title=title)
    for column in ("row", "column", "problem"):
        table.add_column(column)
    for problem in problems:
        table.add_row(str(problem.row), problem.column, problem.problem)
    console.print(table)


@import_app.command("gas-events")
def import_gas_events(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or XLSX of registrations")],
    source: Annotated[str, typer.Option("--source", help="the approving side's code, e.g. scjg")] = "csv",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check and report, keep nothing")] = False,
    as_user: Annotated[str, typer.Option("--as", help="username recorded in the audit trail")] = "admin",
) -> None:
    """燃气审管联动: registration events from a file, each → enterprise and GAS task; all rows or none."""
    from hazards.linkage import importer as gas_importer
    from server.db import session_scope
    from server.jobs.programs import linkage_policy

    with session_scope() as session:
        actor = _office_actor(session, as_user)
        report = gas_importer.import_file(session, file, source=source[:32], actor=actor, now=utcnow(),
                                          policy=linkage_policy(get_settings()))
        if not report.ok:
            session.rollback()
            _problems(f"{len(report.problems)} problem(s) — nothing was imported", report.problems)
            raise typer.Exit(1)
        replays = sum(1 for r in report.results if r.replay)
        if dry_run:
            session.rollback()
            console.print(f"dry run: {report.rows} rows would give {report.rows - replays} new events "
                          f"({replays} already received); nothing kept")
            return
    console.print(f"imported {report.rows - replays} new events of {report.rows} rows ({replays} already received)")


@import_app.command("insurance")
def import_insurance(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="an insurer's CSV or XLSX of policies")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="check and report, keep nothing")] = False,
    as_user: Annotated[str, typer.Option("--as", help="username recorded in the audit trail")] = "admin",
) -> None:
    """安责险: policies from an insurer's file (credit code, insurer, number, period, amount, coverage); all or none."""
    from hazards.coverage import insurance_policies
    from server.db import session_scope

    with session_scope() as session:
        actor = _office_actor(session, as_user)
        report = insurance_policies.import_file(session, file, actor=actor, now=utcnow())
        if not report.ok:
            session.rollback()
            _problems(f"{len(report.problems)} problem(s) — nothing was imported", report.problems)
            raise typer.Exit(1)
        if dry_run:
            session.rollback()
            console.print(f"dry run: {len(report.imported)} policies would be recorded; nothing kept")
            return
    console.print(f"imported {len(report.imported)} policies")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check every entity's hash chain and every anchor of the anchor file; name the first broken link."""
    from server.db import session_scope
    from server.settings import audit_anchor_key

    settings = get_settings()
    try:
        anchors = audit.read_anchors(settings.audit_anchor_file, audit_anchor_key(settings))
    except audit.AnchorFileError as exc:
        console.print(f"[red]audit anchors unusable: {exc}[/red]")
        raise typer.Exit(1) from exc
    with session_scope(write=False) as session:
        report = audit.verify_chain(session, anchors=anchors)
    if report.ok:
        console.print(f"audit chain intact: {report.checked} events, {report.anchors} anchors "
                      f"({settings.audit_anchor_file})")
        return
    console.print(f"[red]audit chain broken at event {report.broken_at}: {report.problem}[/red]"
                  f" ({report.checked} events verified before it)")
    raise typer.Exit(1)


@audit_app.command("anchor")
def audit_anchor() -> None:
    """Append a signed checkpoint of the audit trail to the anchor file now (the scheduler does it hourly)."""
    from server.jobs import functions

    run = functions.run("anchor_audit", trigger="cli")
    console.print(run.summary)
    if not run.ok:
        raise typer.Exit(1)


@calendar_app.command("load")
def calendar_load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON: a year, a list, {years: [...]}")],
    as_user: Annotated[str, typer.Option("--as", help="username recorded in the audit trail")] = "admin",
) -> None:
    """Load a year's holiday schedule from the State Council's notice: validated, stored, audited.

    Each year names its source (the notice's title and its number or address); holidays and adjusted working
    days (调休上班) lie inside the year and never overlap. A loaded year replaces the bundled one."""
    import json

    from hazards.rules import holidays
    from inspection.errors import InvalidInput
    from inspection.identity.accounts import actor_for
    from inspection.models import User
    from server.db import session_scope

    try:
        schedules = holidays.parse(json.loads(file.read_text(encoding="utf-8")))
    except (ValueError, InvalidInput) as error:
        console.print(f"[red]{getattr(error, 'message', error)}[/red] — nothing was loaded")
        raise typer.Exit(1) from None
    with session_scope() as session:
        user = session.exec(select(User).where(User.username == as_user)).first()
        if user is None or actor_for(user).role not in (Role.ADMIN, Role.OFFICE):
            console.print(f"[red]no office or admin user named {as_user}; pass --as[/red]")
            raise typer.Exit(2)
        years = holidays.store(session, schedules, actor=actor_for(user), now=utcnow())
    for schedule in schedules:
        console.print(f"loaded {schedule.year}: {len(schedule.holidays)} holidays, {len(schedule.workdays)} adjusted "
                      f"working days — {schedule.source.label()}")
    console.print(f"calendar years loaded: {', '.join(map(str, years))}")


@calendar_app.command("show")
def calendar_show() -> None:
    """The years with an official schedule and where each comes from."""
    from hazards.rules import holidays
    from server.db import session_scope

    with session_scope(write=False) as session:
        calendar = holidays.of(session)
    for year in sorted(calendar.years):
        console.print(f"{year}: {calendar.source(year)}")


@draw_app.command("replay")
def draw_replay(draw_id: int) -> None:
    """Recompute a stored 双随机 draw from its seed, pool, inspectors and parameters; say whether it matches."""
    from inspection.models import Draw
    from inspection.planning import draw as draw_service
    from server.db import session_scope

    with session_scope(write=False) as session:
        draw = session.get(Draw, draw_id)
        if draw is None:
            console.print(f"[red]no draw {draw_id}[/red]")
            raise typer.Exit(2)
        recomputed = draw_service.replay(draw)
        stored = draw.picks
    if recomputed == stored:
        console.print(f"draw {draw_id} replays to the same {len(stored)} picks")
        return
    console.print(f"[red]draw {draw_id} does NOT match: stored {len(stored)} picks, recomputed {len(recomputed)}[/red]")
    raise typer.Exit(1)


@stats_app.command("check-tally")
def stats_check_tally() -> None:
    """Compare the statistics' month tallies with a fresh count of the hazards; exit 1 naming what differs."""
    from hazards.stats import tally
    from server.db import session_scope

    with session_scope(write=False) as session:
        wrong = tally.differences(session)
    if not wrong:
        console.print("month tallies agree with the hazards")
        return
    console.print(f"[red]month tallies differ from the hazards in {len(wrong)} key(s); "
                  f"`xuncha stats rebuild-tally` recounts them[/red]")
    for key, (kept, counted) in list(wrong.items())[:20]:
        console.print(f"  {key}: kept {kept}, counted {counted}")
    raise typer.Exit(1)


@stats_app.command("rebuild-tally")
def stats_rebuild_tally() -> None:
    """Recount the statistics' month tallies from the hazards (after hazards were written around the ORM)."""
    from hazards.stats import tally
    from server.db import session_scope

    with session_scope() as session:
        rows = tally.rebuild(session.connection())
    console.print(f"month tallies rebuilt: {rows} rows")


if __name__ == "__main__":
    app()


@media_app.command("migrate")
def media_migrate(
    source: Annotated[Path | None, typer.Option("--from", help="file-system store; default XUNCHA_MEDIA_DIR/photos",
                                                file_okay=False)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="print the totals only")] = False,
) -> None:
    """Copy a file-system photo store into the bucket of XUNCHA_MEDIA_URL, reading every object back to verify its
    SHA-256. Run it again after an interruption: what is already there (same hash) is skipped."""
    from inspection.photos.objectstore import S3Location, S3Store, StoreUnavailable
    from inspection.photos.storage import FileSystemStore
    from inspection.photos.transfer import migrate as migrate_store

    settings = get_settings()
    if not settings.media_url:
        console.print("[red]XUNCHA_MEDIA_URL is not set: name the bucket to copy into (s3://bucket?endpoint=…)[/red]")
        raise typer.Exit(2)
    root = source or Path(settings.media_dir) / "photos"
    if not root.is_dir():
        console.print(f"[red]{root}: no such folder[/red]")
        raise typer.Exit(2)
    target = S3Store(S3Location.parse(settings.media_url))

    def progress(key: str, what: str) -> None:
        if not quiet or what.startswith("failed"):
            console.print(f"{what}: {key}", markup=False)

    try:
        target.ensure_bucket()
        result = migrate_store(FileSystemStore(root), target, progress=progress)
    except StoreUnavailable as exc:
        console.print(f"[red]{exc.message}; run the command again to resume[/red]")
        raise typer.Exit(1) from None
    console.print(f"copied {result.copied}, already there {result.already_there}, failed {len(result.failed)}")
    if not result.ok:
        raise typer.Exit(1)
