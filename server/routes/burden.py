"""The inspection burden on enterprises (监管一件事+综合查一次): trips per enterprise per quarter, all departments."""

from typing import Annotated

from fastapi import APIRouter, Query

from inspection.planning import burden
from inspection.types import utcnow
from schemas.burden import BurdenOut
from schemas.common import Offset
from server.auth import CurrentActor
from server.db import SessionDep
from server.jobs.functions import task_policy
from server.settings import get_settings

router = APIRouter(tags=["stats"])


@router.get("/stats/burden", response_model=BurdenOut)
def inspection_burden(
    session: SessionDep,
    actor: CurrentActor,
    quarter: Annotated[str | None, Query(max_length=6, description="如 2026Q4；默认本季度")] = None,
    street: Annotated[str | None, Query(max_length=64)] = None,
    over_cap: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Offset = 0,
) -> BurdenOut:
    """Trips per enterprise in the quarter across all departments, against the routine-visit cap (and each
    department's yearly cap where configured), joint visits and the trips they saved. Grid workers' checks and
    cancelled visits do not count."""
    settings = get_settings()
    report = burden.ledger(session, actor=actor, quarter=quarter or burden.this_quarter(utcnow()),
                           policy=task_policy(settings), annual_caps=settings.annual_visit_caps, street=street,
                           over_cap_only=over_cap, limit=limit, offset=offset)
    return BurdenOut.model_validate(report)
