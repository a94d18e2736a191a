"""Signed, unguessable tokens for links printed on paper: QR plaques and order links.

A token is ``<purpose-free payload>.<mac>`` in URL-safe base64. The MAC (HMAC-SHA256, truncated to 16
bytes) covers the purpose, so a plaque token cannot be replayed as an order link. Payloads carry ids
and an optional expiry; without the secret a token cannot be forged, and ids cannot be enumerated.
"""

import base64
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from inspection.errors import NotFound

MAC_BYTES = 16


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, purpose: str, body: str) -> bytes:
    return hmac.new(secret.encode(), f"{purpose}:{body}".encode(), hashlib.sha256).digest()[:MAC_BYTES]


def sign(secret: str, purpose: str, payload: dict[str, Any], *, expires_at: datetime | None = None) -> str:
    data = dict(payload)
    if expires_at is not None:
        data["exp"] = int(expires_at.timestamp())
    body = _b64(json.dumps(data, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_b64(_mac(secret, purpose, body))}"


def verify(secret: str, purpose: str, token: str, *, now: datetime) -> dict[str, Any]:
    """The payload of a genuine, unexpired token; NotFound otherwise (a forged link is just not there)."""
    try:
        body, mac = token.split(".", 1)
        if not hmac.compare_digest(_unb64(mac), _mac(secret, purpose, body)):
            raise ValueError("bad mac")
        payload = json.loads(_unb64(body))
    except (ValueError, json.JSONDecodeError) as exc:
        raise NotFound("链接无效 / invalid or forged link", code="invalid_token") from exc
    if "exp" in payload and now.timestamp() > payload["exp"]:
        raise NotFound("链接已过期 / link expired", code="expired_token")
    return payload
