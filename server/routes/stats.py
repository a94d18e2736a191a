"""Safety-office statistics: closure table (JSON, CSV, XLSX), top failed items, overdue, the monthly PDF."""

import dataclasses
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Response

from hazards.stats import closure as stats
from hazards.stats import definitions as stats_definitions
from hazards.stats import export as stats_export
from hazards.stats import inputs
from hazards.stats import lists as stats_lists
from hazards.stats import report as stats_report
from inspection.types import utcnow
from schemas.common import Day, Id, Offset
from schemas.stats import (
    ClosureOut,
    DefinitionOut,
    OverdueHazardOut,
    OverdueOut,
    StatsFigures,
    StatsRow,
    TopItemOut,
    TopItemsOut,
)
from server.auth import CurrentActor
from server.db import SessionDep

router = APIRouter(prefix="/stats", tags=["stats"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONTH_PATTERN = r"^\d{4}-\d{2}$"
GROUP_BY_HELP = "comma-separated, any of: " + ", ".join(stats_definitions.DIMENSIONS)


def stats_filters(
    street: Annotated[list[str] | None, Query(description="街道; repeat for several")] = None,
    department_id: Annotated[list[Id] | None, Query()] = None,
    industry: Annotated[list[str] | None, Query()] = None,
    kind: Annotated[list[str] | None, Query(description="checklist kind: DUST, FCZ, GAS")] = None,
    item_code: Annotated[list[str] | None, Query()] = None,
    risk_class: Annotated[list[str] | None, Query()] = None,
    month: Annotated[list[str] | None, Query(description="YYYY-MM (found month / deadline month)")] = None,
) -> inputs.Filters:
    return inputs.Filters(street=tuple(street or ()), department_id=tuple(department_id or ()),
                         industry=tuple(industry or ()), kind=tuple(kind or ()), item_code=tuple(item_code or ()),
                         risk_class=tuple(risk_class or ()), month=tuple(month or ()))


def stats_period(
    from_date: Annotated[Day | None, Query(alias="from", description="local date, inclusive; default 1 Jan")] = None,
    to_date: Annotated[Day | None, Query(alias="to", description="local date, inclusive; default today")] = None,
) -> inputs.Period:
    default = inputs.Period.default(utcnow())
    end = to_date or default.end
    return inputs.Period(from_date or date(end.year, 1, 1), end)


FiltersDep = Annotated[inputs.Filters, Depends(stats_filters)]
PeriodDep = Annotated[inputs.Period, Depends(stats_period)]


@router.get("/definitions", response_model=list[DefinitionOut])
def definitions() -> list[DefinitionOut]:
    """How every figure is counted (the same text as the XLSX's second sheet)."""
    return [DefinitionOut(**d._asdict()) for d in stats_definitions.DEFINITIONS]


DRILL_PATH = "/api/v1/stats/hazards"


def hazards_url(period: inputs.Period, filters: inputs.Filters, key: dict[str, Any] | None = None) -> str:
    """The list behind a figure: the same period and filters, a group's keys replacing their dimension's filter."""
    chosen = filters.as_dict()
    for name, value in (key or {}).items():
        chosen[stats_definitions.DIMENSIONS[name].filter_name] = [value]
    params = [("from", period.start.isoformat()), ("to", period.end.isoformat())]
    params += [(name, str(value)) for name, values in chosen.items() for value in values]
    return f"{DRILL_PATH}?{urlencode(params)}"


def closure_out(report: stats.ClosureReport) -> ClosureOut:
    rows = []
    for row in report.rows:
        values = {("department_id" if name == "department" else name): value for name, value in row.key.items()}
        if "department" in row.key:
            values["department_name"] = row.labels.get("department", "")
        if "item_code" in row.key:
            values["item_text"] = row.labels.get("item_code", "")
        rows.append(StatsRow(**vars(row.figures), **values,
                             hazards_url=hazards_url(report.period, report.filters, row.key)))
    total = StatsFigures.model_validate(report.total)
    total.hazards_url = hazards_url(report.period, report.filters)
    return ClosureOut(from_date=report.period.start, to_date=report.period.end, as_of=report.as_of,
                      group_by=report.group_by, filters=report.filters.as_dict(), rows=rows,
                      total=total, visits_saved=report.visits_saved,
                      definitions=[DefinitionOut(**d._asdict()) for d in report.definitions])


def _download(body: bytes, media_type: str, name: str) -> Response:
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/closure", response_model=ClosureOut, responses={200: {"content": {"text/csv": {}, XLSX: {}}}})
def closure(session: SessionDep, actor: CurrentActor, period: PeriodDep, filters: FiltersDep,
            group_by: Annotated[str | None, Query(description=GROUP_BY_HELP)] = None,
            format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json") -> ClosureOut | Response:
    """Closure and on-time rates, overdue, days to close, major and repeat hazards, grouped and filtered.

    `?group_by=street,month&from=2026-01-01&to=2026-06-30&street=三井街道&format=xlsx`. An inspector sees their
    department's hazards, an enterprise its own, the office everything.
    """
    report = stats.closure(session, actor=actor, period=period, group_by=stats_definitions.parse_group_by(group_by),
                           filters=filters, now=utcnow())
    name = f"stats-closure-{period.start}_{period.end}"
    if format == "csv":
        return _download(stats_export.to_csv(report), "text/csv; charset=utf-8", f"{name}.csv")
    if format == "xlsx":
        return _download(stats_export.to_xlsx(report), XLSX, f"{name}.xlsx")
    return closure_out(report)


@router.get("/top-items", response_model=TopItemsOut)
def top_items(session: SessionDep, actor: CurrentActor, period: PeriodDep, filters: FiltersDep,
              limit: Annotated[int, Query(ge=1, le=100)] = 10) -> TopItemsOut:
    """The most often failed items per checklist kind (`?kind=DUST` for one), with their text and legal basis."""
    items = stats_lists.top_items(session, actor=actor, period=period, filters=filters, limit=limit)
    return TopItemsOut(from_date=period.start, to_date=period.end,
                       items=[TopItemOut.model_validate({**dataclasses.asdict(item), "hazards_url": hazards_url(
                           period, filters, {"kind": item.kind, "item_code": item.item_code})}) for item in items])


@router.get("/overdue", response_model=OverdueOut)
def overdue(session: SessionDep, actor: CurrentActor, filters: FiltersDep,
            at: Annotated[str | None, Query(description="YYYY-MM-DD (end of that day) or ISO date-time; now")] = None,
            limit: Annotated[int, Query(ge=1, le=1000)] = 100,
            offset: Offset = 0) -> OverdueOut:
    """Hazards open and past their deadline at `at`: how many, how many major, and a page, most overdue first."""
    report = stats_lists.overdue(session, actor=actor, at=inputs.parse_at(at, utcnow()), filters=filters, limit=limit,
                           offset=offset)
    return OverdueOut(at=report.at, count=report.count, major=report.major, limit=report.limit,
                      offset=report.offset, items=[OverdueHazardOut.model_validate(i) for i in report.items])


@router.get("/report.pdf", response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
def monthly_report(session: SessionDep, actor: CurrentActor, filters: FiltersDep,
                   month: Annotated[str, Query(pattern=MONTH_PATTERN, description="YYYY-MM")]) -> Response:
    """One-page monthly report: key figures, closure rate by street, 12-month trend, top failed items."""
    # `month` names the report's month; as a filter it would cut the trend and the month-end overdue count down
    # to the hazards found in that month
    filters = dataclasses.replace(filters, month=())
    data = stats_report.monthly(session, actor=actor, month=month, now=utcnow(), filters=filters)
    return Response(stats_report.render_pdf(data), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{stats_report.filename(month)}"'})
