"""绿名单: a green-listed enterprise loses its status when it gets a major hazard or an overdue one."""

from datetime import datetime

from sqlmodel import Session

from inspection import audit
from inspection.identity.access import Actor
from inspection.models import Enterprise


def revoke(session: Session, enterprise: Enterprise, *, reason: str, now: datetime, actor: Actor | None = None,
           hazard_id: int | None = None) -> bool:
    """Take the enterprise off the green list, recording why. False if it was not on it."""
    if not enterprise.green_listed:
        return False
    enterprise.green_listed = False
    enterprise.updated_at = now
    session.add(enterprise)
    audit.record(session, entity="enterprise", entity_id=enterprise.id or 0, action="green_list_revoked", actor=actor,
                 at=now, before={"green_listed": True}, after={"green_listed": False, "hazard_id": hazard_id},
                 reason=reason)
    return True
