"""From figures to lists: the hazards behind any figure of `/stats/*`, and the repeat offenders."""

from typing import Annotated

from fastapi import APIRouter, Query

from hazards.stats import drill
from inspection.types import utcnow
from schemas.common import Offset
from schemas.drill import DrillOut, RepeatOffendersOut
from server.auth import CurrentActor
from server.db import SessionDep
from server.routes.stats import FiltersDep, PeriodDep

router = APIRouter(prefix="/stats", tags=["stats"])

FIGURE_PATTERN = "^(" + "|".join(drill.LINKED) + ")$"


@router.get("/hazards", response_model=DrillOut)
def hazards_behind(session: SessionDep, actor: CurrentActor, period: PeriodDep, filters: FiltersDep,
                   figure: Annotated[str, Query(pattern=FIGURE_PATTERN, description="a figure's field, or "
                                                "not_closed / late (what keeps a rate below 100 %)")] = "found",
                   limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Offset = 0) -> DrillOut:
    """The hazards behind one figure of the closure table, with the same period, scope and filters (a group's keys
    are filters too: each row's `hazards_url` is this call), newest found first. A rate lists its denominator."""
    page = drill.hazards(session, actor=actor, period=period, filters=filters, figure=figure, as_of=utcnow(),
                         limit=limit, offset=offset)
    return DrillOut.model_validate(page)


@router.get("/repeat-offenders", response_model=RepeatOffendersOut)
def repeat_offenders(session: SessionDep, actor: CurrentActor, period: PeriodDep, filters: FiltersDep,
                     limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Offset = 0) -> RepeatOffendersOut:
    """Enterprises with repeat hazards found in the period (most first): each repeat's item, legal basis and dates,
    and the earlier hazard it repeats."""
    report = drill.repeat_offenders(session, actor=actor, period=period, filters=filters, limit=limit, offset=offset)
    return RepeatOffendersOut.model_validate(report)
