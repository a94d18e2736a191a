"""Enterprises rate the visits made to them (1-5 and a comment, once per visit); the office reads the ratings."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, true
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from inspection.errors import Conflict, NotFound
from inspection.field import visits as visit_service
from inspection.identity.access import Actor, require_role
from inspection.models import Department, Enterprise, User, Visit, VisitDepartment, VisitInspector, VisitRating
from schemas.enums import Role, VisitStatus
from schemas.portal import RatingIn


@dataclass(frozen=True)
class RatingEntry:
    rating: VisitRating
    enterprise_name: str
    visited_at: datetime | None
    inspector_names: list[str]
    department_codes: list[str]


def rate(session: Session, visit_id: int, data: RatingIn, *, actor: Actor, now: datetime) -> VisitRating:
    """The enterprise's rating of a submitted visit to it. A second rating of the same visit is 409."""
    require_role(actor, Role.ENTERPRISE, action="rate a visit")
    visit = visit_service.get_visible(session, visit_id, actor)  # another enterprise's visit: 404
    if visit.status != VisitStatus.SUBMITTED:
        raise Conflict("检查尚未完成，暂不能评价 / the visit is not finished yet", code="visit_not_submitted")
    rating = VisitRating(visit_id=visit_id, enterprise_id=visit.enterprise_id, rated_by=actor.user_id,
                         score=data.score, comment=data.comment, created_at=now)
    try:
        with session.begin_nested():
            session.add(rating)
            session.flush()
    except IntegrityError as exc:
        raise Conflict("已评价过本次检查 / this visit has already been rated", code="already_rated") from exc
    return rating


def _scope(actor: Actor) -> ColumnElement[bool]:
    """Office and admins: every rating; an enterprise: its own; an inspector: visits they were on."""
    if actor.role in (Role.OFFICE, Role.ADMIN):
        return true()
    if actor.role == Role.ENTERPRISE:
        return col(VisitRating.enterprise_id) == (actor.enterprise_id or -1)
    mine = select(VisitInspector.visit_id).where(VisitInspector.user_id == actor.user_id)
    return col(VisitRating.visit_id).in_(mine)


def of_visit(session: Session, visit_id: int, *, actor: Actor) -> VisitRating:
    rating = session.exec(select(VisitRating).where(VisitRating.visit_id == visit_id, _scope(actor))).first()
    if rating is None:
        raise NotFound("尚无评价 / no rating for this visit", code="not_rated")
    return rating


def search(session: Session, *, actor: Actor, enterprise_id: int | None, limit: int,
           offset: int) -> tuple[list[VisitRating], int, float | None]:
    """Ratings newest first, their count and mean score."""
    conditions = [_scope(actor)]
    if enterprise_id:
        conditions.append(col(VisitRating.enterprise_id) == enterprise_id)
    total, mean = session.exec(select(func.count(), func.avg(VisitRating.score)).where(*conditions)).one()
    rows = session.exec(select(VisitRating).where(*conditions)
                        .order_by(col(VisitRating.created_at).desc(), col(VisitRating.id).desc())
                        .limit(limit).offset(offset)).all()
    return list(rows), total, round(float(mean), 2) if mean is not None else None


def entries(session: Session, ratings: list[VisitRating]) -> list[RatingEntry]:
    """Each rating with what a reader wants next to it: the enterprise, when, who came, which departments."""
    out = []
    for rating in ratings:
        visit = session.get(Visit, rating.visit_id)
        enterprise = session.get(Enterprise, rating.enterprise_id)
        names = session.exec(select(User.full_name).join(VisitInspector, col(VisitInspector.user_id) == User.id)
                             .where(VisitInspector.visit_id == rating.visit_id).order_by(col(User.id))).all()
        codes = session.exec(select(Department.code)
                             .join(VisitDepartment, col(VisitDepartment.department_id) == Department.id)
                             .where(VisitDepartment.visit_id == rating.visit_id)
                             .order_by(col(Department.priority))).all()
        out.append(RatingEntry(rating, enterprise.name if enterprise else "",
                               visit.submitted_at or visit.started_at if visit else None, list(names), list(codes)))
    return out
