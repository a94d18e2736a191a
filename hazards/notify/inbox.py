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
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col, select

from hazards.models import Hazard
from hazards.notify import messages
from hazards.notify.models import InboxItem, SmsMessage
from inspection.errors import NotFound
from inspection.identity.access import Actor
from inspection.models import Enterprise, User, VisitInspector
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
    """Resolves recipients to active user ids, remembering each answer for one fan-out. ``teams`` are the visit
    teams already read: (visit, department) -> inspectors."""

    def __init__(self, session: Session, leaders: Sequence[str] = (),
                 teams: dict[tuple[int, int], list[int]] | None = None) -> None:
        self.session = session
        self.leaders = tuple(leaders)
        self.teams = teams if teams is not None else {}
        self._cache: dict[tuple[str, int | None], list[int]] = {}

    def _ids(self, *where: Any) -> list[int]:
        query = select(User.id).where(col(User.is_active).is_(True), *where).order_by(col(User.id))
        return [i for i in self.session.exec(query).all() if i is not None]

    def resolve(self, recipient: str, payload: dict[str, Any]) -> list[int]:
        kind, _, rest = recipient.partition(":")
        hazard_id = payload.get("hazard_id") if kind == "department" else None
        hazard = self.session.get(Hazard, hazard_id) if isinstance(hazard_id, int) else None
        if hazard is not None and hazard.visit_id is not None and rest.isdigit():
            team = self.teams.get((hazard.visit_id, int(rest)))
            if team is None:
                team = self._ids(col(User.id).in_(select(VisitInspector.user_id).where(
                    VisitInspector.visit_id == hazard.visit_id, VisitInspector.department_id == int(rest))))
            if team:
                return team
        key = (recipient, None)
        if key not in self._cache:
            self._cache[key] = self._resolve(kind, rest)
        return self._cache[key]

    def _resolve(self, kind: str, rest: str) -> list[int]:
        number = int(rest) if rest.isdigit() else None
        if kind == "enterprise" and number is not None:
            return self._ids(User.role == Role.ENTERPRISE, User.enterprise_id == number)
        if kind == "department" and number is not None:
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


CHUNK = 500  # rows per INSERT (10 values each: well within SQLite's and PostgreSQL's bound-parameter limits)


def _chunks(items: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    return (items[start:start + size] for start in range(0, len(items), size))


def _preload(session: Session, rows: list[Queued]) -> dict[tuple[int, int], list[int]]:
    """Read the hazards the rows name, their enterprises and the teams of their visits in a few statements (the
    sweep fans out thousands of rows at once); returns the visit teams."""
    hazard_ids = sorted({r.payload["hazard_id"] for r in rows if isinstance(r.payload.get("hazard_id"), int)})
    known = {i: session.identity_map.get(identity_key(Hazard, i)) for i in hazard_ids}  # the sweep's earlier steps
    hazards: list[Hazard] = [h for h in known.values() if isinstance(h, Hazard)]
    for chunk in _chunks([i for i, h in known.items() if h is None]):
        hazards.extend(session.exec(select(Hazard).where(col(Hazard.id).in_(chunk))).all())
    enterprise_ids = sorted({h.enterprise_id for h in hazards})
    for chunk in _chunks([i for i in enterprise_ids if session.identity_map.get(identity_key(Enterprise, i)) is None]):
        session.exec(select(Enterprise).where(col(Enterprise.id).in_(chunk))).all()
    visit_ids = sorted({h.visit_id for h in hazards if h.visit_id is not None})
    teams: dict[tuple[int, int], list[int]] = {}
    for chunk in _chunks(visit_ids):
        for visit_id, department_id, user_id in session.exec(
                select(VisitInspector.visit_id, VisitInspector.department_id, VisitInspector.user_id)
                .join(User, col(User.id) == VisitInspector.user_id)
                .where(col(VisitInspector.visit_id).in_(chunk), col(User.is_active).is_(True))
                .order_by(col(VisitInspector.user_id))).all():
            teams.setdefault((visit_id, department_id), []).append(user_id)
    for visit_id in visit_ids:  # a visit whose team has no one of a department: that department's inspectors
        for department_id in {h.department_id for h in hazards if h.visit_id == visit_id}:
            teams.setdefault((visit_id, department_id), [])
    return teams


def fan_out(session: Session, rows: Iterable[Queued], *, now: datetime, leaders: Sequence[str] = ()) -> int:
    """One inbox item per row and person (once: ``(user, outbox row)`` is unique), and its SMS. Returns items.

    Set-based: the rows' hazards, enterprises and visit teams are read up front, items go in a few hundred per
    INSERT, and the texts in one executemany."""
    queued = list(rows)
    if not queued:
        return 0
    recipients = Recipients(session, leaders, _preload(session, queued))
    items: list[dict[str, Any]] = []
    for row in queued:
        users = recipients.resolve(row.recipient, row.payload)
        if not users:
            continue
        message = messages.render(session, row.event_type, row.payload)
        items.extend({"user_id": user_id, "outbox_id": row.outbox_id, "event_type": row.event_type,
                      "title": message.title, "body": message.body, "hazard_id": message.hazard_id,
                      "link": message.link, "created_at": now, "read_at": None} for user_id in users)
    if not items:
        return 0
    texted = sorted({item["user_id"] for item in items if item["event_type"] in SMS_EVENTS})
    phones: dict[int, str] = {}
    for chunk in _chunks(texted):
        phones.update({user_id: phone.strip() for user_id, phone in session.exec(
            select(User.id, User.phone).where(col(User.id).in_(chunk), col(User.phone).is_not(None))).all()
            if user_id is not None and phone and phone.strip()})
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    added = 0
    texts: list[dict[str, Any]] = []
    table = InboxItem.__table__  # type: ignore[attr-defined]
    statement = (insert(table).on_conflict_do_nothing(index_elements=["user_id", "outbox_id"])
                 .returning(table.c.id, table.c.user_id, table.c.event_type, table.c.title, table.c.body))
    # one cached statement, batched by SQLAlchemy's "insertmanyvalues" (RETURNING over executemany)
    for chunk in _chunks(items, 5000):
        for item_id, user_id, event_type, title, body in session.connection().execute(statement, chunk).all():
            added += 1
            if event_type in SMS_EVENTS and user_id in phones:
                texts.append({"inbox_item_id": item_id, "user_id": user_id, "phone": phones[user_id],
                              "text": f"【巡查】{title}：{body}"[:500], "status": "pending", "attempts": 0,
                              "provider_id": "", "last_error": "", "next_attempt_at": now, "created_at": now,
                              "sent_at": None})
    if texts:
        session.connection().execute(SmsMessage.__table__.insert(), texts)  # type: ignore[attr-defined]
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
