"""The append-only, hash-chained audit trail.

Each event's hash covers its content and the previous event's hash, so changing or deleting a row breaks the
chain from there on. Writers are serialised while appending: SQLite write transactions already are
(``BEGIN IMMEDIATE``); on PostgreSQL a transaction-scoped advisory lock guards the chain head.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from types import SimpleNamespace
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, SQLModel, col, select

from inspection.identity.access import Actor
from inspection.models import Event

GENESIS = "0" * 64
CHAIN_LOCK_KEY = 7_201_515  # pg advisory lock id for the chain head


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def snapshot(row: SQLModel, fields: list[str] | None = None) -> dict[str, Any]:
    data = row.model_dump()
    if fields is not None:
        data = {k: data[k] for k in fields}
    return _plain(data)


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, both sides."""
    changed = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def event_hash(prev_hash: str, event: Event) -> str:
    body = {
        "entity": event.entity,
        "entity_id": event.entity_id,
        "action": event.action,
        "actor_id": event.actor_id,
        "at": event.at.isoformat(),
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
    }
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _lock_chain(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.exec(text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=CHAIN_LOCK_KEY))  # type: ignore[call-overload]


def record(
    session: Session,
    *,
    entity: str,
    entity_id: int,
    action: str,
    actor: Actor | None,
    at: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> Event:
    _lock_chain(session)
    last = _chain_head(session)
    event = Event(
        entity=entity,
        entity_id=entity_id,
        action=action,
        actor_id=actor.user_id if actor else None,
        at=at.astimezone(UTC),
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
        reason=reason,
        prev_hash=last,
        hash="",
    )
    event.hash = event_hash(event.prev_hash, event)
    session.add(event)
    session.flush()
    return event


def _chain_head(session: Session) -> str:
    return session.exec(select(Event.hash).order_by(col(Event.id).desc()).limit(1)).first() or GENESIS


def record_many(session: Session, events: list[dict[str, Any]]) -> None:
    """Append several events at once (keys: entity, entity_id, action, actor_id, at, before, after, reason),
    in the given order: the chain head is read once and the rows go in with one executemany."""
    if not events:
        return
    _lock_chain(session)
    prev = _chain_head(session)
    rows = []
    for given in events:
        row = {"entity": given["entity"], "entity_id": given["entity_id"], "action": given["action"],
               "actor_id": given.get("actor_id"), "at": given["at"].astimezone(UTC),
               "before": _plain(given["before"]) if given.get("before") is not None else None,
               "after": _plain(given["after"]) if given.get("after") is not None else None,
               "reason": given.get("reason", ""), "prev_hash": prev}
        row["hash"] = prev = event_hash(prev, SimpleNamespace(**row))  # type: ignore[arg-type]
        rows.append(row)
    session.connection().execute(Event.__table__.insert(), rows)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(session: Session, *, batch: int = 5000) -> ChainReport:
    """Walk the chain in id order; name the first event whose link or content does not match."""
    prev = GENESIS
    checked = 0
    last_id = 0
    while True:
        rows = session.exec(
            select(Event).where(col(Event.id) > last_id).order_by(col(Event.id)).limit(batch)
        ).all()
        if not rows:
            return ChainReport(checked)
        for event in rows:
            assert event.id is not None
            if event.prev_hash != prev:
                return ChainReport(checked, event.id, "prev_hash does not match the previous event (row removed?)")
            if event_hash(prev, event) != event.hash:
                return ChainReport(checked, event.id, "content does not match its hash (row altered)")
            prev = event.hash
            checked += 1
            last_id = event.id


def history(session: Session, entity: str, entity_id: int) -> list[Event]:
    return list(
        session.exec(
            select(Event).where(Event.entity == entity, Event.entity_id == entity_id).order_by(col(Event.id))
        ).all()
    )
