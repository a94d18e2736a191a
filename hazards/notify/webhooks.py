"""Webhook endpoints the office registers for event types; deliveries are outbox rows (channel webhook)."""

import secrets
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from hazards.notify import targets
from hazards.notify.models import Outbox, Webhook
from inspection import audit
from inspection.errors import NotFound
from inspection.identity.access import Actor, require_role
from schemas.enums import Role

EVENT_TYPES = ("order.issued", "evidence.submitted", "evidence.rejected", "hazard.closed", "hazard.overdue",
               "hazard.escalated", "hazard.reminder", "extension.requested", "extension.decided", "plan.uploaded",
               "visit.notice", "task.assigned", "linkage.outcome", "insurance.expiring", "*")


def register(session: Session, *, url: str, event_types: list[str], secret: str | None, actor: Actor,
             now: datetime, policy: targets.TargetPolicy,
             resolve: targets.Resolver = targets.system_resolver) -> Webhook:
    """A new endpoint, if its host resolves only to public addresses or to ones ``policy`` allows (422 else)."""
    require_role(actor, Role.OFFICE, Role.ADMIN, action="register webhooks")
    targets.check(url, policy, resolve=resolve)
    hook = Webhook(url=url, event_types=sorted(set(event_types)), secret=secret or secrets.token_urlsafe(32),
                   created_at=now)
    session.add(hook)
    session.flush()
    audit.record(session, entity="webhook", entity_id=hook.id or 0, action="webhook.registered", actor=actor, at=now,
                 after={"url": url, "event_types": hook.event_types})
    return hook


def get(session: Session, webhook_id: int, *, actor: Actor) -> Webhook:
    require_role(actor, Role.OFFICE, Role.ADMIN, action="manage webhooks")
    hook = session.get(Webhook, webhook_id)
    if hook is None:
        raise NotFound("Webhook 不存在 / webhook not found")
    return hook


def deactivate(session: Session, webhook_id: int, *, actor: Actor, now: datetime) -> Webhook:
    hook = get(session, webhook_id, actor=actor)
    hook.active = False
    session.add(hook)
    audit.record(session, entity="webhook", entity_id=hook.id or 0, action="webhook.deactivated", actor=actor, at=now)
    return hook


def listing(session: Session, *, actor: Actor) -> list[tuple[Webhook, dict[str, int]]]:
    require_role(actor, Role.OFFICE, Role.ADMIN, action="manage webhooks")
    hooks = session.exec(select(Webhook).order_by(col(Webhook.id))).all()
    counts: dict[str, dict[str, int]] = {}
    for recipient, status, n in session.exec(
            select(Outbox.recipient, Outbox.status, func.count()).where(Outbox.channel == "webhook")
            .group_by(col(Outbox.recipient), col(Outbox.status))).all():
        counts.setdefault(recipient, {})[status] = n
    return [(h, counts.get(f"webhook:{h.id}", {})) for h in hooks]


def deliveries(session: Session, webhook_id: int, *, actor: Actor, limit: int = 100) -> list[Outbox]:
    get(session, webhook_id, actor=actor)
    return list(session.exec(select(Outbox).where(Outbox.recipient == f"webhook:{webhook_id}")
                             .order_by(col(Outbox.id).desc()).limit(limit)).all())
