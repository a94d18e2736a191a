"""Delivering the outbox: claim, send, mark — each step its own transaction, so a crash loses nothing.

A pending row is claimed (status ``sending`` with a lease), sent outside any transaction, then marked
``sent``; a failure schedules a retry with exponential backoff, and after ``MAX_ATTEMPTS`` the row is
``dead`` and visible as such. A sender that crashes after claiming leaves the row to be claimed again when
its lease runs out, so nothing is lost; a row once marked ``sent`` is never sent again. The one window for
a duplicate — a crash after the receiver got the message but before ``sent`` was written — is covered by
the ``X-Xuncha-Event`` header (the row's unique key), which receivers use to drop repeats.
"""

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import or_
from sqlmodel import Session, col, select

from hazards.notify import targets
from hazards.notify.models import Outbox, Webhook

log = logging.getLogger("xuncha.notify")

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)

Transport = Callable[[Outbox, Webhook | None], None]


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes, capped at 6 hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), timedelta(hours=6))


def claim(session: Session, *, now: datetime, limit: int = 50) -> list[int]:
    """Take due rows (pending, or sending with an expired lease). The caller commits right after."""
    return claim_due(session, Outbox, now=now, limit=limit, lease=LEASE)


def claim_due(session: Session, model: Any, *, now: datetime, limit: int, lease: timedelta) -> list[int]:
    """Due rows of a delivery queue (the outbox, the SMS queue): pending, or sending with an expired lease; each
    taken for ``lease`` (skip-locked on PostgreSQL, so two deliverers never take the same row)."""
    query = (select(model).where(or_(col(model.status) == "pending", col(model.status) == "sending"),
                                 col(model.next_attempt_at) <= now)
             .order_by(col(model.id)).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = session.exec(query).all()
    for row in rows:
        row.status, row.attempts, row.next_attempt_at = "sending", row.attempts + 1, now + lease
        session.add(row)
    session.flush()
    return [row.id for row in rows if row.id is not None]


def mark_sent(session: Session, outbox_id: int, *, now: datetime) -> None:
    row = session.get(Outbox, outbox_id)
    if row is not None and row.status == "sending":
        row.status, row.sent_at, row.last_error = "sent", now, ""
        session.add(row)


def mark_failed(session: Session, outbox_id: int, error: str, *, now: datetime) -> None:
    row = session.get(Outbox, outbox_id)
    if row is None or row.status != "sending":
        return
    row.last_error = error[:500]
    if row.attempts >= MAX_ATTEMPTS:
        row.status = "dead"
    else:
        row.status, row.next_attempt_at = "pending", now + backoff(row.attempts)
    session.add(row)


def body_of(row: Outbox) -> bytes:
    return json.dumps({"event": row.event_type, "id": row.dedup_key, "recipient": row.recipient,
                       "payload": row.payload, "created_at": row.created_at.isoformat()},
                      ensure_ascii=False, sort_keys=True).encode()


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_transport(policy: targets.TargetPolicy, *, resolve: targets.Resolver = targets.system_resolver
                      ) -> Transport:
    """Log channel: a line in the log. Webhook channel: a signed POST to an address checked just now.

    The host is resolved and checked again at each delivery (its DNS may have changed since it was registered),
    and the POST goes to the checked address itself, with the original Host header and TLS server name, so a
    second DNS answer cannot slip another address in. Redirects are not followed. A refused target fails the
    delivery, which is retried and ends ``dead`` like any other failure.
    """
    def transport(row: Outbox, webhook: Webhook | None) -> None:
        if webhook is None:
            log.info("notify %s -> %s %s", row.event_type, row.recipient,
                     json.dumps(row.payload, ensure_ascii=False))
            return
        target = targets.check(webhook.url, policy, resolve=resolve)
        body = body_of(row)
        headers = {"Content-Type": "application/json", "X-Xuncha-Event": row.dedup_key,
                   "X-Xuncha-Signature": signature(webhook.secret, body)}
        _post_pinned(webhook.url, target, body, headers)

    return transport


def _post_pinned(url: str, target: targets.Target, body: bytes, headers: dict[str, str]) -> None:
    import httpx

    parts = urlsplit(url.strip())
    address = target.addresses[0]
    shown = f"[{address}]" if address.version == 6 else str(address)
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo + '@' if userinfo else ''}{shown}:{target.port}"
    pinned = urlunsplit((target.scheme, netloc, parts.path or "/", parts.query, ""))
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    with httpx.Client(timeout=10, follow_redirects=False) as client:
        request = client.build_request("POST", pinned, content=body, extensions=extensions,
                                       headers={**headers, "Host": parts.netloc.rpartition("@")[2]})
        response = client.send(request)
    response.raise_for_status()


# With no networks allowed: only public webhook targets (the scheduler's job passes the configured policy).
default_transport = webhook_transport(targets.TargetPolicy())


def run_once(open_session: Callable[[], Session], *, now: datetime, transport: Transport = default_transport,
             limit: int = 50) -> dict[str, int]:
    """One delivery pass: claim (commit), then send and mark each row (commit each)."""
    with open_session() as session:
        ids = claim(session, now=now, limit=limit)
        session.commit()
    report = {"sent": 0, "failed": 0}
    for outbox_id in ids:
        with open_session() as session:
            row = session.get(Outbox, outbox_id)
            assert row is not None
            webhook = _webhook_of(session, row)
            session.expunge_all()  # keep the loaded rows; no transaction is held while the message travels
        try:
            transport(row, webhook)
        except Exception as exc:  # noqa: BLE001 — any delivery failure is retried
            with open_session() as session:
                mark_failed(session, outbox_id, f"{type(exc).__name__}: {exc}", now=now)
                session.commit()
            report["failed"] += 1
            continue
        with open_session() as session:
            mark_sent(session, outbox_id, now=now)
            session.commit()
        report["sent"] += 1
    return report


def _webhook_of(session: Session, row: Outbox) -> Webhook | None:
    if row.channel != "webhook":
        return None
    return session.get(Webhook, int(row.recipient.removeprefix("webhook:")))
