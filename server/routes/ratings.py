"""Visit ratings: an enterprise rates each visit made to it once; the office sees them all."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlmodel import Session

from inspection.field import ratings
from inspection.models import VisitRating
from inspection.types import utcnow
from schemas.common import Id, Offset
from schemas.portal import RatingIn, RatingPublic
from server.auth import CurrentActor
from server.db import SessionDep, WriteSessionDep

router = APIRouter(tags=["ratings"])


class RatingPage(BaseModel):
    items: list[RatingPublic]
    total: int
    mean_score: float | None
    limit: int
    offset: int


def ratings_out(session: Session, rows: list[VisitRating]) -> list[RatingPublic]:
    return [RatingPublic(**e.rating.model_dump(), enterprise_name=e.enterprise_name, visited_at=e.visited_at,
                         inspector_names=e.inspector_names, department_codes=e.department_codes)
            for e in ratings.entries(session, rows)]


@router.post("/visits/{visit_id}/rating", response_model=RatingPublic, status_code=201)
def rate_visit(visit_id: Id, body: RatingIn, session: WriteSessionDep, actor: CurrentActor) -> RatingPublic:
    """The enterprise rates a finished visit to it: 1-5 and a comment, once (again: 409 ``already_rated``)."""
    rating = ratings.rate(session, visit_id, body, actor=actor, now=utcnow())
    session.commit()
    return ratings_out(session, [rating])[0]


@router.get("/visits/{visit_id}/rating", response_model=RatingPublic)
def read_rating(visit_id: Id, session: SessionDep, actor: CurrentActor) -> RatingPublic:
    return ratings_out(session, [ratings.of_visit(session, visit_id, actor=actor)])[0]


@router.get("/ratings", response_model=RatingPage)
def list_ratings(session: SessionDep, actor: CurrentActor, enterprise_id: Id | None = None,
                 limit: Annotated[int, Query(ge=1, le=200)] = 50,
                 offset: Offset = 0) -> RatingPage:
    """Newest first with the mean score. The office: all; an enterprise: its own; an inspector: their visits'."""
    rows, total, mean = ratings.search(session, actor=actor, enterprise_id=enterprise_id, limit=limit, offset=offset)
    return RatingPage(items=ratings_out(session, rows), total=total, mean_score=mean, limit=limit, offset=offset)
