"""Each user's inbox: reminders, overdue notices, review outcomes, decisions, visit notices, assignments and
escalations, as the outbox queued them for that user; unread counts; marking read."""

from typing import Annotated

from fastapi import APIRouter, Query

from hazards.notify import inbox as inbox_service
from inspection.identity import accounts
from inspection.types import utcnow
from schemas.accounts import DepartmentHeadIn, DepartmentHeadOut
from schemas.common import Id, Offset
from schemas.inbox import InboxItemPublic, InboxOut, MarkedOut, UnreadOut
from server.auth import CurrentActor
from server.db import SessionDep, WriteSessionDep

router = APIRouter(prefix="/inbox", tags=["inbox"])


@router.get("", response_model=InboxOut)
def my_inbox(session: SessionDep, actor: CurrentActor, unread: bool = False,
             limit: Annotated[int, Query(ge=1, le=200)] = 50, offset: Offset = 0) -> InboxOut:
    """The caller's items, newest first (`?unread=true`: unread only), and the unread count."""
    total, items = inbox_service.listing(session, actor=actor, unread_only=unread, limit=limit, offset=offset)
    return InboxOut(total=total, unread=inbox_service.unread_count(session, actor=actor), limit=limit, offset=offset,
                    items=[InboxItemPublic.model_validate(i) for i in items])


@router.get("/unread-count", response_model=UnreadOut)
def unread_count(session: SessionDep, actor: CurrentActor) -> UnreadOut:
    return UnreadOut(unread=inbox_service.unread_count(session, actor=actor))


@router.post("/read-all", response_model=MarkedOut)
def mark_all_read(session: WriteSessionDep, actor: CurrentActor) -> MarkedOut:
    marked = inbox_service.mark_all_read(session, actor=actor, now=utcnow())
    session.commit()
    return MarkedOut(marked=marked)


@router.post("/{item_id}/read", response_model=InboxItemPublic)
def mark_read(item_id: Id, session: WriteSessionDep, actor: CurrentActor) -> InboxItemPublic:
    item = inbox_service.mark_read(session, item_id, actor=actor, now=utcnow())
    out = InboxItemPublic.model_validate(item)
    session.commit()
    return out


heads = APIRouter(tags=["inbox"])


@heads.put("/users/{user_id}/department-head", response_model=DepartmentHeadOut)
def mark_department_head(user_id: Id, body: DepartmentHeadIn, session: WriteSessionDep,
                         actor: CurrentActor) -> DepartmentHeadOut:
    """Mark a department's account as its head (the escalation ladder tells heads of hazards overdue): the office."""
    user = accounts.mark_department_head(session, user_id, body.department_head, actor=actor, now=utcnow())
    out = DepartmentHeadOut.model_validate(user)
    session.commit()
    return out
