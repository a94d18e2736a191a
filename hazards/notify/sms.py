"""Text messages behind a small interface: a sender takes a phone number and a text and answers with the
provider's message id, or raises. ``HttpSmsGateway`` posts JSON to the gateway the deployment configures;
``LogSms`` writes the message to the log (development, and where no gateway is configured).

``send_pending`` delivers queued ``SmsMessage`` rows and records each one's status: ``sent`` with the provider's
id, or the error and a retry with backoff, ``dead`` after ``MAX_ATTEMPTS``. Rows are claimed (``sending``, with a
lease) and committed before the network is touched, like the outbox."""

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from sqlmodel import Session

from hazards.notify.delivery import backoff, claim_due
from hazards.notify.models import SmsMessage

log = logging.getLogger("xuncha.sms")

MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=5)


class SmsSender(Protocol):
    name: str

    def send(self, phone: str, text: str, *, key: str) -> str:
        """Deliver one message; the provider's message id. ``key`` is unique per message (receivers drop
        repeats). Raises on failure."""
        ...


class LogSms:
    name = "log"

    def send(self, phone: str, text: str, *, key: str) -> str:
        log.info("sms %s -> %s %s", key, phone, text)
        return f"log:{key}"


class HttpSmsGateway:
    """POST ``{"phone", "text", "key"}`` as JSON (bearer token if configured); a 2xx answer is delivered, its JSON
    ``id`` (or ``message_id``) the provider's id. The gateway is the deployment's own: it is not checked against the
    webhook target policy."""

    name = "http"

    def __init__(self, url: str, *, token: str = "", timeout: float = 10.0) -> None:
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, phone: str, text: str, *, key: str) -> str:
        import httpx

        headers = {"Content-Type": "application/json", "Idempotency-Key": key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = json.dumps({"phone": phone, "text": text, "key": key}, ensure_ascii=False).encode()
        with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
            response = client.post(self.url, content=body, headers=headers)
        response.raise_for_status()
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        found = answer.get("id") or answer.get("message_id") if isinstance(answer, dict) else None
        return str(found or "")[:128]


def claim(session: Session, *, now: datetime, limit: int = 50) -> list[int]:
    return claim_due(session, SmsMessage, now=now, limit=limit, lease=LEASE)


def send_pending(open_session: Callable[[], Session], sender: SmsSender, *, now: datetime, limit: int = 50
                 ) -> dict[str, int]:
    """One pass: claim (commit), then send each and record its status (commit each)."""
    with open_session() as session:
        ids = claim(session, now=now, limit=limit)
        session.commit()
    report = {"sent": 0, "failed": 0}
    for sms_id in ids:
        with open_session() as session:
            row = session.get(SmsMessage, sms_id)
            assert row is not None
            phone, text = row.phone, row.text
        try:
            provider_id = sender.send(phone, text, key=f"sms:{sms_id}")
        except Exception as exc:  # noqa: BLE001 — any delivery failure is recorded and retried
            _record(open_session, sms_id, now=now, error=f"{type(exc).__name__}: {exc}")
            report["failed"] += 1
            continue
        _record(open_session, sms_id, now=now, provider_id=provider_id or f"{sender.name}:{sms_id}")
        report["sent"] += 1
    return report


def _record(open_session: Callable[[], Session], sms_id: int, *, now: datetime, provider_id: str = "",
            error: str = "") -> None:
    with open_session() as session:
        row = session.get(SmsMessage, sms_id)
        if row is None or row.status != "sending":
            return
        if error:
            row.last_error = error[:500]
            row.status = "dead" if row.attempts >= MAX_ATTEMPTS else "pending"
            row.next_attempt_at = now + backoff(row.attempts)
        else:
            row.status, row.sent_at, row.provider_id, row.last_error = "sent", now, provider_id[:128], ""
        session.add(row)
        session.commit()
