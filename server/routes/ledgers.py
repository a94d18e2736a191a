"""The hazard ledger (隐患台账) and the overdue list as CSV or XLSX, streamed (``hazards.stats.ledger``).

Filtered like the statistics (same query parameters as ``/stats/closure`` and ``/stats/overdue``), seen as the
statistics are: an inspector their department's hazards, an enterprise its own, the office everything. The query
runs before the response starts (its errors answer as errors); the CSV's and the XLSX's first bytes go out at
once, then one chunk per batch of rows.
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
from server.db import get_engine
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
    session = Session(get_engine(), expire_on_commit=False)  # closed when the stream ends
    try:  # the query runs here: a database error answers as one (503, 500), not as a cut-off file
        batches = ledger.row_batches(session, statement, overdue_at=overdue_at)
    except BaseException:
        session.close()
        raise
    if format == "csv":
        made, media_type = ledger.csv_chunks(headers_row, batches), CSV
    else:
        made, media_type = ledger.xlsx_chunks(title, headers_row, batches, notes), XLSX

    def chunks() -> Iterator[bytes]:
        try:
            yield from made
        finally:
            session.close()

    headers = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
               "Content-Disposition": _disposition(f"{title}.{format}", f"{fallback}.{format}")}
    return StreamingResponse(chunks(), media_type=media_type, headers=headers)


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
