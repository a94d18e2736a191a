"""The hazard ledger (隐患台账) and the overdue list as CSV or XLSX, streamed (``hazards.stats.ledger``).

Filtered like the statistics (same query parameters as ``/stats/closure`` and ``/stats/overdue``), seen as the
statistics are: an inspector their department's hazards, an enterprise its own, the office everything. The CSV's
first bytes go out before the query runs; the XLSX is written to a temporary file in openpyxl's write-only mode
and then streamed.
"""

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from sqlalchemy import Select
from sqlmodel import Session

from hazards.stats import inputs, ledger
from inspection.clock import local_date
from inspection.types import utcnow
from server.auth import CurrentActor
from server.db import get_engine, reading
from server.routes.stats import XLSX, FiltersDep, PeriodDep

router = APIRouter(prefix="/stats", tags=["stats"])

CSV = "text/csv; charset=utf-8"
FILES: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}, XLSX: {}},
                                                "description": "the file, streamed"}}
Format = Annotated[Literal["csv", "xlsx"], Query(description="csv (UTF-8 with BOM) or xlsx")]


def _disposition(name: str, fallback: str) -> str:
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _export(statement: Select[Any], format: str, *, title: str, fallback: str, overdue_at: datetime | None,
            notes: list[tuple[str, str]]) -> StreamingResponse:
    headers_row = ledger.headers(overdue=overdue_at is not None)
    headers = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
    if format == "csv":
        session = Session(get_engine(), expire_on_commit=False)  # closed when the stream ends
        try:  # the query runs here: a database error answers as one (503, 500), not as a cut-off file
            batches = ledger.row_batches(session, statement, overdue_at=overdue_at)
        except BaseException:
            session.close()
            raise

        def chunks() -> Iterator[bytes]:
            try:
                yield from ledger.csv_chunks(headers_row, batches)
            finally:
                session.close()

        headers["Content-Disposition"] = _disposition(f"{title}.csv", f"{fallback}.csv")
        return StreamingResponse(chunks(), media_type=CSV, headers=headers)
    with reading() as session:
        workbook = ledger.xlsx_file(title, headers_row, ledger.row_batches(session, statement, overdue_at=overdue_at),
                                    notes)
    headers["Content-Disposition"] = _disposition(f"{title}.xlsx", f"{fallback}.xlsx")
    return StreamingResponse(ledger.file_chunks(workbook), media_type=XLSX, headers=headers)


@router.get("/ledger", response_class=StreamingResponse, responses=FILES)
def hazard_ledger(actor: CurrentActor, period: PeriodDep, filters: FiltersDep, format: Format = "csv"
                  ) -> StreamingResponse:
    """隐患台账: every hazard found in the period (`from`, `to`) with its enterprise, street, department, item,
    level, found, deadline, status, closed, days to close and order number, filtered like `/stats/closure`."""
    now = utcnow()
    return _export(ledger.ledger_statement(actor, period, filters), format,
                   title=f"隐患台账{period.start:%Y%m%d}-{period.end:%Y%m%d}",
                   fallback=f"hazard-ledger-{period.start}_{period.end}", overdue_at=None,
                   notes=ledger.notes(period=period, filters=filters, at=None, as_of=now))


@router.get("/overdue/export", response_class=StreamingResponse, responses=FILES)
def overdue_export(actor: CurrentActor, filters: FiltersDep, format: Format = "csv",
                   at: Annotated[str | None, Query(description="YYYY-MM-DD (end of that day) or ISO date-time; now")
                                 ] = None) -> StreamingResponse:
    """The overdue list (逾期隐患清单): every hazard open and past its deadline at `at`, as `/stats/overdue` counts
    them, with the days overdue."""
    now = utcnow()
    when = inputs.parse_at(at, now)
    day = local_date(when)
    return _export(ledger.overdue_statement(actor, when, filters), format, title=f"逾期隐患清单{day:%Y%m%d}",
                   fallback=f"overdue-{day:%Y%m%d}", overdue_at=when,
                   notes=ledger.notes(period=None, filters=filters, at=when, as_of=now))
