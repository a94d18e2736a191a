"""The hazard ledger (隐患台账) and the overdue list as CSV and XLSX, streamed: a million hazards in constant memory.

Rows come from one statement read in batches (``yield_per``: a server-side cursor on PostgreSQL, SQLite's own
stepping cursor), ordered by id; each batch becomes CSV text at once, or XML rows of an XLSX sheet compressed
into the zip as it is sent (``streamed_xlsx``): no temporary file, and the XLSX's first bytes go out at once too.
Same scope, filters and voided-hazard rule as the statistics (``hazards.stats.closure``, ``hazards.stats.lists``);
every cell goes through ``export.safe_cell``.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, func, select, text
from sqlmodel import Session

from hazards.models import Hazard, OrderHazard, RectificationOrder
from hazards.stats import streamed_xlsx
from hazards.stats.closure import item_text, month_range, scope
from hazards.stats.export import safe_cell
from hazards.stats.inputs import Filters, Period
from hazards.stats.lists import overdue_condition
from hazards.stats.sql import H, not_voided_row, unindexed
from inspection.clock import SHANGHAI, local, local_date
from inspection.identity.access import Actor
from inspection.models import Department, Enterprise
from schemas.enums import HazardLevel, HazardStatus

BATCH = 2000  # rows fetched and written at a time
WIDTHS = [10, 28, 12, 12, 10, 10, 40, 12, 17, 17, 8, 17, 8, 24, 8]  # the XLSX's columns, in characters

LEVELS = {HazardLevel.GENERAL: "一般隐患", HazardLevel.MAJOR: "重大事故隐患"}
STATUSES = {HazardStatus.OPEN: "整改中", HazardStatus.SUBMITTED: "待复查", HazardStatus.CLOSED: "已销号",
            HazardStatus.VOIDED: "已撤销"}
KINDS = {"DUST": "粉尘涉爆", "FCZ": "厂中厂", "GAS": "燃气"}

LEDGER_COLUMNS: list[tuple[str, str]] = [
    ("hazard_id", "隐患编号"), ("enterprise", "企业名称"), ("street", "街道"), ("department", "检查部门"),
    ("kind", "检查类别"), ("item_code", "检查项编号"), ("item_text", "检查项内容"), ("level", "隐患等级"),
    ("found_at", "发现时间"), ("due_at", "整改期限"), ("status", "状态"), ("closed_at", "销号时间"),
    ("days_to_close", "整改天数"), ("order_number", "整改指令书编号"),
]
OVERDUE_COLUMNS = [*LEDGER_COLUMNS, ("days_overdue", "逾期天数")]

E = Enterprise.__table__.c


def _order_number() -> Any:
    """The hazard's rectification order (责令限期整改指令书): the first one that names it."""
    RO, OH = RectificationOrder.__table__.c, OrderHazard.__table__.c
    return (select(func.min(RO.number)).join_from(OrderHazard.__table__, RectificationOrder.__table__,
                                                 RO.id == OH.order_id)
            .where(OH.hazard_id == H.id, RO.kind == "rectification").scalar_subquery().label("order_number"))


def _rows_statement(where: list[Any]) -> Select[Any]:
    return (select(H.id, E.name, H.street, H.department_id, H.kind, H.item_code, H.level, H.found_at, H.due_at,
                   H.status, H.closed_at, H.close_days, _order_number())
            .join_from(Hazard.__table__, Enterprise.__table__, E.id == H.enterprise_id)
            .where(*where).order_by(H.id))


def ledger_statement(actor: Actor, period: Period, filters: Filters | None = None) -> Select[Any]:
    """Every hazard found in the period that the actor may count, voided ones left out (by the row's own flag,
    ``not_voided_row``: no set of voided ids to gather before the first row), by id.

    The found month is kept from SQLite's planner (``unindexed``): through the statistics' covering index the rows
    would come in month order and be sorted by id before the first one is sent, in memory growing with the
    ledger; walking the table in id order sends the first rows at once and holds none."""
    return _rows_statement([*month_range(unindexed(H.found_month), H.found_at, period.start_at, period.end_at),
                            scope(actor), *(filters or Filters()).conditions("found"), not_voided_row()])


def overdue_statement(actor: Actor, at: datetime, filters: Filters | None = None) -> Select[Any]:
    """Every hazard open and past its deadline at ``at`` (as ``/stats/overdue`` counts them), by id."""
    return _rows_statement([overdue_condition(at), scope(actor), *(filters or Filters()).conditions("found"),
                            not_voided_row()])


@lru_cache(maxsize=4096)
def _item_text(code: str) -> str:
    return safe_cell(item_text(code)[0])


def _when(at: datetime | None) -> datetime | None:
    """Local (Shanghai) wall time without a zone, as a spreadsheet shows it."""
    return None if at is None else at.astimezone(SHANGHAI).replace(tzinfo=None, microsecond=0)


def _values(row: Any, departments: dict[int, str], overdue_at: datetime | None) -> list[Any]:
    """One ledger line; the free text (names, streets, departments, numbers, item wording) through
    ``safe_cell``, the rest is ours (ids, dates, counts, the labels above)."""
    values = [row.id, safe_cell(row.name), safe_cell(row.street),
              departments.get(row.department_id, str(row.department_id)), KINDS.get(row.kind, row.kind),
              safe_cell(row.item_code), _item_text(row.item_code), LEVELS.get(row.level, str(row.level)),
              _when(row.found_at), _when(row.due_at), STATUSES.get(row.status, str(row.status)),
              _when(row.closed_at), row.close_days, safe_cell(row.order_number)]
    if overdue_at is not None:
        values.append((local_date(overdue_at) - local_date(row.due_at)).days)
    return values


def row_batches(session: Session, statement: Select[Any], *, overdue_at: datetime | None = None,
                batch: int = BATCH) -> Iterator[list[list[Any]]]:
    """Run the statement now — its errors are the caller's, before any byte of a response — and return its rows
    as ledger values, ``batch`` at a time as the iterator is read, never all at once."""
    departments = {d.id: safe_cell(d.name) for d in session.execute(select(Department)).scalars()}
    if session.get_bind().dialect.name == "postgresql":
        # rows read one batch at a time gain nothing from a JIT-compiled plan; compiling it (loading LLVM on a new
        # connection) held the first bytes 1.5-10 s at 1 M hazards on the loaded VM (tests/bench/README.md)
        session.execute(text("SET LOCAL jit = off"))
    result = session.execute(statement.execution_options(yield_per=batch, stream_results=True))

    def batches() -> Iterator[list[list[Any]]]:
        try:
            for part in result.partitions():
                yield [_values(row, departments, overdue_at) for row in part]
        finally:
            result.close()

    return batches()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(" ", "minutes")
    return str(value)


def csv_chunks(headers: list[str], batches: Iterable[list[list[Any]]]) -> Iterator[bytes]:
    """UTF-8 with BOM (Excel opens the Chinese), CRLF lines; the header goes out before the first query runs."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(header) for header in headers])
    yield buffer.getvalue().encode("utf-8-sig")
    for rows in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([_text(value) for value in row] for row in rows)
        yield buffer.getvalue().encode("utf-8")


def xlsx_chunks(title: str, headers: list[str], batches: Iterable[list[list[Any]]],
                notes: list[tuple[str, str]] = ()) -> Iterator[bytes]:
    """The workbook streamed as it is written (``streamed_xlsx``): header frozen, notes on a second sheet."""
    return streamed_xlsx.xlsx_chunks(title, headers, batches, widths=WIDTHS, notes=notes)


def headers(overdue: bool = False) -> list[str]:
    return [header for _, header in (OVERDUE_COLUMNS if overdue else LEDGER_COLUMNS)]


def notes(*, period: Period | None, filters: Filters, at: datetime | None, as_of: datetime) -> list[tuple[str, str]]:
    lines = []
    if period is not None:
        lines.append(("发现日期 / found", f"{period.start.isoformat()} — {period.end.isoformat()}（上海时间）"))
    if at is not None:
        lines.append(("逾期截至 / overdue at", local(at).strftime("%Y-%m-%d %H:%M")))
    lines.append(("筛选 / filters", "; ".join(f"{name}={','.join(map(str, values))}"
                                             for name, values in filters.as_dict().items()) or "—"))
    lines.append(("导出时间 / exported", local(as_of).strftime("%Y-%m-%d %H:%M")))
    lines.append(("说明 / note", "已撤销（作废）的隐患不计入；时间为上海时间 / voided hazards left out; Shanghai time"))
    return lines
