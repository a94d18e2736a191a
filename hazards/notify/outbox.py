"""The notification outbox: rows written in the same transaction as the change that causes them.

``dedup_key`` is unique, so the same event (an order issued, a reminder for one hazard and one day) is
queued once however often the code that causes it runs. A sender delivers pending rows later.
"""

from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from hazards.notify import inbox
from hazards.notify.models import Outbox, Webhook


def add(session: Session, *, event_type: str, dedup_key: str, recipient: str, payload: dict[str, Any],
        now: datetime, channel: str = "log", webhooks: bool = True) -> bool:
    """Queue a notification once, and once more for each webhook subscribed to its event type (unless
    ``webhooks`` is False: a second recipient of an event the subscribers already get).

    Returns False when the same dedup_key was queued before. The people the recipient names get it in their
    inbox (``inbox.fan_out``), in the same transaction.
    """
    values = {
        "dedup_key": dedup_key, "event_type": event_type, "recipient": recipient, "channel": channel,
        "payload": payload, "status": "pending", "attempts": 0, "next_attempt_at": now, "last_error": "",
        "created_at": now,
    }
    outbox_id = _insert_once(session, values)
    if outbox_id is not None:
        inbox.fan_out(session, [inbox.Queued(outbox_id, event_type, recipient, payload)], now=now)
    if outbox_id is not None and webhooks:
        for webhook in subscribers(session, event_type):
            _insert_once(session, {**values, "dedup_key": f"{dedup_key}|webhook:{webhook.id}", "channel": "webhook",
                                   "recipient": f"webhook:{webhook.id}"})
    return outbox_id is not None


def _insert_once(session: Session, values: dict[str, Any]) -> int | None:
    """The new row's id, or None when its dedup_key was there."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (insert(Outbox).values(**values).on_conflict_do_nothing(index_elements=["dedup_key"])
                 .returning(Outbox.id))  # rowcount is -1 here on psycopg: ask for the id instead
    return session.execute(statement).scalar()  # type: ignore[call-overload, no-any-return]


def subscribers(session: Session, event_type: str) -> list[Webhook]:
    hooks = session.exec(select(Webhook).where(col(Webhook.active).is_(True))).all()
    return [h for h in hooks if event_type in h.event_types or "*" in h.event_types]
