"""Each user's inbox, fed by the outbox: every event queued for a person is also an inbox item of theirs.

``fan_out`` runs in the transaction that queued the events (``outbox.add`` and the sweep call it), so an item
exists exactly when its event does. A recipient names people, and is resolved here:

* ``enterprise:N`` — the enterprise's users;
* ``department:N`` — for an event on a hazard, the inspectors of the visit that found it (of that department),
  else the department's inspectors;
* ``head:N`` — department N's heads (``User.department_head``);
* ``office`` — the office's accounts; ``leader`` — the configured leaders, else the office's accounts;
* ``user:N`` — one user.

An SMS is queued with the item for the event types in ``SMS_EVENTS`` when the user has a phone number.
Marking items read is the user's own business: not audited.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from hazards.models import Hazard
from hazards.notify import messages
from hazards.notify.models import InboxItem, SmsMessage
from inspection.errors import NotFound
from inspection.identity.access import Actor
from inspection.models import User, VisitInspector
from schemas.enums import Role

SMS_EVENTS = frozenset({"hazard.reminder", "hazard.overdue", "hazard.escalated", "order.issued",
                        "evidence.rejected", "visit.notice"})


@dataclass(frozen=True)
class Queued:
    """An outbox row just written: what ``fan_out`` needs of it."""

    outbox_id: int
    event_type: str
    recipient: str
    payload: dict[str, Any]


class Recipients:
    """Resolves recipients to active user ids, remembering each answer for one fan-out."""

    def __init__(self, session: Session, leaders: Sequence[str] = ()) -> None:
        self.session = session
        self.leaders = tuple(leaders)
        self._cache: dict[tuple[str, int | None], list[int]] = {}

    def _ids(self, *where: Any) -> list[int]:
        query = select(User.id).where(col(User.is_active).is_(True), *where).order_by(col(User.id))
        return [i for i in self.session.exec(query).all() if i is not None]

    def resolve(self, recipient: str, payload: dict[str, Any]) -> list[int]:
        kind, _, rest = recipient.partition(":")
        hazard_id = payload.get("hazard_id") if kind == "department" else None
        key = (recipient, hazard_id if isinstance(hazard_id, int) else None)
        if key not in self._cache:
            self._cache[key] = self._resolve(kind, rest, key[1])
        return self._cache[key]

    def _resolve(self, kind: str, rest: str, hazard_id: int | None) -> list[int]:
        number = int(rest) if rest.isdigit() else None
        if kind == "enterprise" and number is not None:
            return self._ids(User.role == Role.ENTERPRISE, User.enterprise_id == number)
        if kind == "department" and number is not None:
            hazard = self.session.get(Hazard, hazard_id) if hazard_id is not None else None
            if hazard is not None and hazard.visit_id is not None:
                found = self._ids(col(User.id).in_(select(VisitInspector.user_id).where(
                    VisitInspector.visit_id == hazard.visit_id, VisitInspector.department_id == number)))
                if found:
                    return found
            return self._ids(User.role == Role.INSPECTOR, User.department_id == number)
        if kind == "head" and number is not None:
            return self._ids(User.department_id == number, col(User.department_head).is_(True))
        if kind == "leader" and self.leaders:
            return self._ids(col(User.username).in_(self.leaders))
        if kind in ("office", "leader"):
            return self._ids(User.role == Role.OFFICE)
        if kind == "user" and number is not None:
            return self._ids(User.id == number)
        return []


def fan_out(session: Session, rows: Iterable[Queued], *, now: datetime, leaders: Sequence[str] = ()) -> int:
    """One inbox item per row and person (once: ``(user, outbox row)`` is unique), and its SMS. Returns items."""
    recipients = Recipients(session, leaders)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    added = 0
    phones: dict[int, str | None] = {}
    for row in rows:
        users = recipients.resolve(row.recipient, row.payload)
        if not users:
            continue
        message = messages.render(session, row.event_type, row.payload)
        for user_id in users:
            statement = insert(InboxItem).values(
                user_id=user_id, outbox_id=row.outbox_id, event_type=row.event_type, title=message.title,
                body=message.body, hazard_id=message.hazard_id, link=message.link, created_at=now, read_at=None,
            ).on_conflict_do_nothing(index_elements=["user_id", "outbox_id"]).returning(InboxItem.id)
            item_id = session.execute(statement).scalar()  # type: ignore[call-overload]
            if item_id is None:
                continue
            added += 1
            if row.event_type not in SMS_EVENTS:
                continue
            if user_id not in phones:
                phones[user_id] = session.exec(select(User.phone).where(User.id == user_id)).first()
            phone = (phones[user_id] or "").strip()
            if phone:
                session.add(SmsMessage(inbox_item_id=item_id, user_id=user_id, phone=phone,
                                       text=f"【巡查】{message.title}：{message.body}"[:500], status="pending",
                                       next_attempt_at=now, created_at=now))
    session.flush()
    return added


# --- the user's side -----------------------------------------------------------------------------------------------

def unread_count(session: Session, *, actor: Actor) -> int:
    return int(session.exec(select(func.count()).select_from(InboxItem).where(
        InboxItem.user_id == actor.user_id, col(InboxItem.read_at).is_(None))).one())


def listing(session: Session, *, actor: Actor, unread_only: bool = False, limit: int = 50, offset: int = 0
            ) -> tuple[int, list[InboxItem]]:
    """The actor's items, newest first, and how many there are (of the kind asked)."""
    where = [InboxItem.user_id == actor.user_id, *([col(InboxItem.read_at).is_(None)] if unread_only else [])]
    total = int(session.exec(select(func.count()).select_from(InboxItem).where(*where)).one())
    items = session.exec(select(InboxItem).where(*where).order_by(col(InboxItem.id).desc())
                         .limit(limit).offset(offset)).all()
    return total, list(items)


def mark_read(session: Session, item_id: int, *, actor: Actor, now: datetime) -> InboxItem:
    """Mark one of the actor's items read (again: keeps the first time). Another's item is not found."""
    item = session.get(InboxItem, item_id)
    if item is None or item.user_id != actor.user_id:
        raise NotFound("消息不存在 / inbox item not found", code="inbox_item_not_found")
    if item.read_at is None:
        item.read_at = now
        session.add(item)
        session.flush()
    return item


def mark_all_read(session: Session, *, actor: Actor, now: datetime) -> int:
    result = session.execute(update(InboxItem).where(
        col(InboxItem.user_id) == actor.user_id, col(InboxItem.read_at).is_(None)).values(read_at=now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
