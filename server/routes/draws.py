"""双随机 draws, open to inspection from outside: seed, pool snapshot, exemptions, parameters and picks."""

from typing import Annotated

from fastapi import APIRouter, Query

from inspection.planning import draw as draw_service
from schemas.common import Id
from schemas.tasks import DrawPublic, DrawSummary
from server.auth import CurrentActor
from server.db import SessionDep

router = APIRouter(tags=["tasks"])


@router.get("/draws", response_model=list[DrawSummary])
def list_draws(session: SessionDep, actor: CurrentActor,
               month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None) -> list[DrawSummary]:
    return [DrawSummary(id=d.id or 0, department_id=d.department_id, month=d.month, algorithm=d.algorithm,
                        drawn_at=d.drawn_at, picks=len(d.picks))
            for d in draw_service.visible_draws(session, actor=actor, month=month)]


@router.get("/draws/{draw_id}", response_model=DrawPublic)
def read_draw(draw_id: Id, session: SessionDep, actor: CurrentActor) -> DrawPublic:
    """The stored draw and whether recomputing it from its inputs gives the same picks."""
    draw = draw_service.get_draw(session, draw_id, actor=actor)
    return DrawPublic.model_validate({**draw.model_dump(), "replay_matches": draw_service.replay_matches(draw)})
