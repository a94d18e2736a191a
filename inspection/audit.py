"""The append-only, hash-chained audit trail, with anchors kept outside the database.

Each event's hash covers its content and the hash of the previous event **of the same entity** (one chain per
enterprise, hazard, visit ...), so changing or deleting a row breaks that entity's chain from there on, and
writers of different entities never wait for each other: on PostgreSQL a transaction-scoped advisory lock per
entity guards its chain head (one global lock had serialised every audited write); SQLite writers are
serialised anyway. Events written before per-entity chains (``entity_chain`` false) keep the one global chain
they were written in, and are verified as such.

A chain cannot show that its newest events were deleted. **Anchors** can: an anchor records how many events there
were up to an event id and a digest of every entity's chain head at that point, signed with a key the database
does not hold, and is appended to a file outside the database (``anchor``; the scheduler anchors hourly).
``verify_chain`` recomputes each anchor from the events and reports one that no longer matches: events deleted
or altered before it. An anchor covers events older than ``ANCHOR_LAG`` only, so a transaction still open
when it is taken cannot commit an event below it.
"""

import hashlib
import hmac
import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, func, insert, text
from sqlmodel import Session, SQLModel, col, select

from inspection.identity.access import Actor
from inspection.models import AuditAnchor, Event

GENESIS = "0" * 64
CHAIN_LOCK_CLASS = 7_201_515  # pg advisory lock class of the chain heads; the object is the entity's crc32
ANCHOR_LAG = timedelta(minutes=5)  # no write transaction stays open longer between its insert and its commit
DIGEST_MODULUS = 2**256


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


def _lock_chains(session: Session, keys: Iterable[tuple[str, int]]) -> None:
    """Lock the heads of these entities' chains until the transaction ends (PostgreSQL; SQLite has one writer)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for entity, entity_id in sorted(set(keys)):  # always in the same order: two writers never deadlock
        crc = zlib.crc32(f"{entity}:{entity_id}".encode()) - 2**31  # a signed 32-bit lock object
        session.exec(text("SELECT pg_advisory_xact_lock(:cls, :obj)").bindparams(  # type: ignore[call-overload]
            cls=CHAIN_LOCK_CLASS, obj=crc))


_EVENTS = Event.__table__  # type: ignore[attr-defined]
# Core statements on the session's connection: the ORM has nothing to do for them (callers flush first)
_HEAD = select(_EVENTS.c.hash).where(_EVENTS.c.entity == bindparam("entity"), _EVENTS.c.entity_id == bindparam("eid")
                                     ).order_by(_EVENTS.c.id.desc()).limit(1)


_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.id)


def _entity_head(session: Session, entity: str, entity_id: int) -> str:
    return session.connection().execute(_HEAD, {"entity": entity, "eid": entity_id}).scalar_one_or_none() or GENESIS


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
) -> int:
    """Append one event to its entity's chain; its id. (A row, not an ``Event``: building the ORM object cost
    as much as the rest of the event.)"""
    _lock_chains(session, [(entity, entity_id)])
    session.flush()  # what the caller added goes in first, as when the event was flushed with it
    row = {"entity": entity, "entity_id": entity_id, "action": action, "actor_id": actor.user_id if actor else None,
           "at": at.astimezone(UTC), "before": _plain(before) if before is not None else None,
           "after": _plain(after) if after is not None else None, "reason": reason,
           "prev_hash": _entity_head(session, entity, entity_id), "entity_chain": True}
    row["hash"] = event_hash(row["prev_hash"], SimpleNamespace(**row))  # type: ignore[arg-type]
    # one prepared Core INSERT: the ORM's unit of work for this one row cost more than the rest of the event
    return int(session.connection().execute(_INSERT_EVENT, row).scalar_one())


def record_many(session: Session, events: list[dict[str, Any]]) -> None:
    """Append several events at once (keys: entity, entity_id, action, actor_id, at, before, after, reason),
    in the given order: the chain head is read once and the rows go in with one executemany."""
    if not events:
        return
    keys = [(given["entity"], given["entity_id"]) for given in events]
    _lock_chains(session, keys)
    session.flush()  # what the caller added goes in first (the heads were read with the ORM's autoflush)
    heads = {key: _entity_head(session, *key) for key in dict.fromkeys(keys)}
    rows = []
    for given in events:
        key = (given["entity"], given["entity_id"])
        row = {"entity": given["entity"], "entity_id": given["entity_id"], "action": given["action"],
               "actor_id": given.get("actor_id"), "at": given["at"].astimezone(UTC),
               "before": _plain(given["before"]) if given.get("before") is not None else None,
               "after": _plain(given["after"]) if given.get("after") is not None else None,
               "reason": given.get("reason", ""), "prev_hash": heads[key], "entity_chain": True}
        row["hash"] = heads[key] = event_hash(heads[key], SimpleNamespace(**row))  # type: ignore[arg-type]
        rows.append(row)
    session.connection().execute(Event.__table__.insert(), rows)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None = None
    problem: str = ""
    anchors: int = 0  # anchors checked

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _term(entity: str, entity_id: int, head: str) -> int:
    """An entity's share of an anchor's digest: the digest is the sum of the shares mod 2**256, so it follows
    one event in O(1), whatever the order events are walked in."""
    return int.from_bytes(hashlib.sha256(f"{entity}:{entity_id}:{head}".encode()).digest(), "big")


def verify_chain(session: Session, *, batch: int = 5000, anchors: list["Anchor"] | None = None) -> ChainReport:
    """Walk every event in id order: each must link to the previous event of its entity (of the global chain,
    for events from before per-entity chains) and match its hash; then each of ``anchors`` must match the
    events up to its id. Names the first event (or anchor) that does not."""
    legacy_prev = GENESIS
    heads: dict[tuple[str, int], str] = {}
    digest = checked = last_id = 0
    pending = sorted(anchors or [], key=lambda a: a.max_event_id)

    def check_anchors_up_to(event_id: int | None) -> ChainReport | None:
        while pending and (event_id is None or pending[0].max_event_id < event_id):
            anchor = pending.pop(0)
            if checked != anchor.events or f"{digest:064x}" != anchor.digest:
                return ChainReport(checked, anchor.max_event_id, f"anchor {anchor.number} ({anchor.at}) no longer "
                                   "matches: events up to it were deleted or altered", len(anchors or []))
        return None

    while True:
        rows = session.exec(select(Event).where(col(Event.id) > last_id).order_by(col(Event.id)).limit(batch)).all()
        if not rows:
            return check_anchors_up_to(None) or ChainReport(checked, anchors=len(anchors or []))
        for event in rows:
            assert event.id is not None
            if (broken := check_anchors_up_to(event.id)) is not None:
                return broken
            key = (event.entity, event.entity_id)
            expected = heads.get(key, GENESIS) if event.entity_chain else legacy_prev
            if event.prev_hash != expected:
                return ChainReport(checked, event.id, "prev_hash does not match the previous event (row removed?)")
            if event_hash(expected, event) != event.hash:
                return ChainReport(checked, event.id, "content does not match its hash (row altered)")
            if key in heads:
                digest -= _term(*key, heads[key])
            heads[key] = event.hash
            digest = (digest + _term(*key, event.hash)) % DIGEST_MODULUS
            if not event.entity_chain:
                legacy_prev = event.hash
            checked += 1
            last_id = event.id


# --- anchors ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Anchor:
    number: int
    at: str
    max_event_id: int
    events: int
    digest: str
    mac: str = ""

    def body(self) -> str:
        return json.dumps({"number": self.number, "at": self.at, "max_event_id": self.max_event_id,
                           "events": self.events, "digest": self.digest}, sort_keys=True, separators=(",", ":"))

    def signed(self, key: bytes) -> "Anchor":
        mac = hmac.new(key, self.body().encode(), hashlib.sha256).hexdigest()
        return Anchor(self.number, self.at, self.max_event_id, self.events, self.digest, mac)

    def genuine(self, key: bytes) -> bool:
        return hmac.compare_digest(self.signed(key).mac, self.mac)


class AnchorFileError(Exception):
    pass


def read_anchors(path: Path, key: bytes) -> list[Anchor]:
    """The anchors of the file, each checked against its signature; a forged or garbled line is an error."""
    if not path.exists():
        return []
    anchors = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            anchor = Anchor(**json.loads(line))
        except (ValueError, TypeError) as exc:
            raise AnchorFileError(f"line {number} of {path} is not an anchor") from exc
        if not anchor.genuine(key):
            raise AnchorFileError(f"line {number} of {path}: the signature does not match (forged or altered)")
        anchors.append(anchor)
    return anchors


def anchor(session: Session, *, path: Path, key: bytes, now: datetime, batch: int = 5000) -> Anchor | None:
    """Anchor the events older than ``ANCHOR_LAG`` that the last anchor did not cover: the new anchor extends the
    last one (``AuditAnchor``) by those events, is stored, and appended to ``path``. None when nothing is new."""
    last = session.exec(select(AuditAnchor).order_by(col(AuditAnchor.id).desc()).limit(1)).first()
    after = last.max_event_id if last else 0
    events, digest = (last.events, int(last.digest, 16)) if last else (0, 0)
    # an event is anchored only with every event below it: stop below the first one younger than the lag
    younger = session.exec(select(func.min(Event.id)).where(col(Event.id) > after,
                                                            col(Event.at) > now - ANCHOR_LAG)).one()
    heads: dict[tuple[str, int], str] = {}
    count, last_id = 0, after
    while True:
        query = select(Event).where(col(Event.id) > last_id).order_by(col(Event.id)).limit(batch)
        rows = session.exec(query if younger is None else query.where(col(Event.id) < younger)).all()
        if not rows:
            break
        for event in rows:
            entity = (event.entity, event.entity_id)
            previous = heads.get(entity) or (event.prev_hash if event.entity_chain else _head_before(session, event))
            if previous != GENESIS:
                digest -= _term(*entity, previous)
            heads[entity] = event.hash
            digest = (digest + _term(*entity, event.hash)) % DIGEST_MODULUS
            count, last_id = count + 1, event.id or last_id
    if not count:
        return None
    row = AuditAnchor(max_event_id=last_id, events=events + count, digest=f"{digest:064x}", at=now)
    session.add(row)
    session.flush()
    made = Anchor(row.id or 0, now.astimezone(UTC).isoformat(), row.max_event_id, row.events, row.digest).signed(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(made.__dict__, sort_keys=True, separators=(",", ":")) + "\n")
    return made


def _head_before(session: Session, event: Event) -> str:
    """The entity's head before ``event`` (for a legacy event, whose prev_hash is the global chain's)."""
    return session.exec(select(Event.hash).where(Event.entity == event.entity, Event.entity_id == event.entity_id,
                                                 col(Event.id) < (event.id or 0))
                        .order_by(col(Event.id).desc()).limit(1)).first() or GENESIS


def history(session: Session, entity: str, entity_id: int) -> list[Event]:
    return list(
        session.exec(
            select(Event).where(Event.entity == entity, Event.entity_id == entity_id).order_by(col(Event.id))
        ).all()
    )
