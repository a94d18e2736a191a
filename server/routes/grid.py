"""安消一体化 grid checks: grid workers' accounts, their venues and checklist, advisory checks whose failed items
are referred to the enforcing departments, and the grid figures. Grid workers reach nothing else (server/auth.py)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlmodel import Session

from inspection.clock import local_date
from inspection.errors import InvalidInput
from inspection.field import catalogue
from inspection.grid import checks as grid_checks
from inspection.grid import stats as grid_stats
from inspection.grid import workers as grid_workers
from inspection.grid.models import GridCheck
from inspection.models import Enterprise
from inspection.types import utcnow
from schemas.checklists import ChecklistOut
from schemas.common import Day, Id, Offset
from schemas.enums import ItemResult
from schemas.grid import (
    GridCheckIn,
    GridCheckPublic,
    GridResultPublic,
    GridStats,
    GridVenues,
    GridWorkerCreate,
    GridWorkerPublic,
    VenuePublic,
)
from server.auth import CurrentActor
from server.db import SessionDep, WriteSessionDep
from server.settings import get_settings

router = APIRouter(prefix="/grid", tags=["grid"])


def check_out(session: Session, check: GridCheck) -> GridCheckPublic:
    results = grid_checks.results_of(session, check.id or 0)
    enterprise = session.get(Enterprise, check.enterprise_id)
    return GridCheckPublic(
        id=check.id or 0, enterprise_id=check.enterprise_id, enterprise_name=enterprise.name if enterprise else "",
        street=check.street, kind=check.kind, checklist_version=check.checklist_version, checked_at=check.checked_at,
        submitted_at=check.submitted_at, checked_by=check.checked_by, note=check.note,
        failed=sum(r.outcome == ItemResult.FAIL for r in results), referrals=sum(len(r.referral_ids) for r in results),
        results=[GridResultPublic.model_validate(r) for r in results])


@router.post("/workers", response_model=GridWorkerPublic, status_code=201)
def create_worker(body: GridWorkerCreate, session: WriteSessionDep, actor: CurrentActor) -> GridWorkerPublic:
    """The office makes a grid worker's account (role `grid`) attached to one street."""
    user, worker = grid_workers.create(session, body, actor=actor, now=utcnow(),
                                       fast_hash=get_settings().env == "test")
    out = GridWorkerPublic(user_id=user.id or 0, username=user.username, full_name=user.full_name,
                           street=worker.street)
    session.commit()
    return out


@router.get("/venues", response_model=GridVenues)
def venues(session: SessionDep, actor: CurrentActor, limit: Annotated[int, Query(ge=1, le=500)] = 100,
           offset: Offset = 0) -> GridVenues:
    """The grid worker's venues: the registered enterprises of their street, with their last grid check."""
    rows, total = grid_checks.venues(session, actor=actor, limit=limit, offset=offset)
    street = grid_checks.grid_of(session, actor).street
    return GridVenues(street=street, total=total, items=[
        VenuePublic(id=e.id or 0, name=e.name, address=e.address, industry=e.industry, last_checked_at=at)
        for e, at in rows])


@router.get("/checklist", response_model=ChecklistOut)
def checklist() -> ChecklistOut:
    """The current 九小场所 checklist (VENUE), each item with its articles and enforcing department."""
    return catalogue.checklist(grid_checks.KIND)


@router.post("/checks", response_model=GridCheckPublic, status_code=201,
             responses={200: {"model": GridCheckPublic, "description": "a replay: the check made first"}})
def submit_check(body: GridCheckIn, response: Response, session: WriteSessionDep,
                 actor: CurrentActor) -> GridCheckPublic:
    """A grid worker's check of one venue of their street: every item answered once; each failed item is referred
    (移送) to the department enforcing it, which gets a task. Advisory: never an order, a hazard or a visit."""
    check, created = grid_checks.submit(session, body, actor=actor, now=utcnow())
    out = check_out(session, check)
    session.commit()
    if not created:
        response.status_code = 200
    return out


@router.get("/checks", response_model=list[GridCheckPublic])
def list_checks(session: SessionDep, actor: CurrentActor, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                offset: Offset = 0) -> list[GridCheckPublic]:
    """A grid worker: the checks of their grid; the office: every check; newest first."""
    return [check_out(session, c) for c in grid_checks.search(session, actor=actor, limit=limit, offset=offset)]


@router.get("/checks/{check_id}", response_model=GridCheckPublic)
def get_check(check_id: Id, session: SessionDep, actor: CurrentActor) -> GridCheckPublic:
    return check_out(session, grid_checks.get_visible(session, check_id, actor=actor))


@router.get("/stats", response_model=GridStats)
def stats(session: SessionDep, actor: CurrentActor,
          date_from: Annotated[Day | None, Query(alias="from", description="local date; default 1 Jan")] = None,
          date_to: Annotated[Day | None, Query(alias="to", description="local date; default today")] = None,
          ) -> GridStats:
    """Grid checks, venues checked and referrals by street and enforcing department (not enforcement visits)."""
    today = local_date(utcnow())
    end = date_to or today
    start = date_from or date(end.year, 1, 1)
    if end < start:
        raise InvalidInput("截止日期不能早于起始日期 / `to` is before `from`", code="invalid_period")
    return grid_stats.figures(session, actor=actor, date_from=start, date_to=end)
