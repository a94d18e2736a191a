"""The inbound signature: each source signs ``"<unix seconds>." + body`` with HMAC-SHA256 and its own secret.

Headers: ``X-Xuncha-Source`` (the source's code), ``X-Xuncha-Timestamp`` (unix seconds) and ``X-Xuncha-Signature``
(``sha256=<hex>``). The digest is compared in constant time; a timestamp outside the window (either side of now) is
refused, so an old signed request replayed later fails even before its event id is looked at.
"""

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from inspection.errors import DomainError


class BadSignature(DomainError):
    """401: the request is not from a configured source, or not as that source signed it."""

    code = "bad_signature"


@dataclass(frozen=True)
class Source:
    code: str
    name: str
    secret: str
    webhook_id: int | None = None  # where outcomes go back (a webhook registered with POST /webhooks)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(sources: Mapping[str, Source], *, source: str, timestamp: str, signature: str, body: bytes,
           now: datetime, window_seconds: int) -> Source:
    """The configured source whose secret signed this body at this time; ``BadSignature`` otherwise."""
    known = sources.get(source)
    # an unknown source still costs one HMAC, so timing does not tell which source codes exist
    secret = known.secret if known is not None else "unknown-source-" + "x" * 32
    try:
        stamp = int(timestamp)
    except ValueError:
        raise BadSignature("签名时间戳格式错误 / X-Xuncha-Timestamp must be unix seconds",
                           code="bad_timestamp") from None
    expected = sign(secret, stamp, body)
    matches = hmac.compare_digest(expected.encode(), signature.strip().encode())
    if known is None or not matches:
        raise BadSignature("签名无效或来源未登记 / unknown source or bad signature")
    if abs(now.timestamp() - stamp) > window_seconds:
        raise BadSignature(f"签名已过期（允许 ±{window_seconds} 秒）/ signature timestamp outside the window",
                           code="stale_signature", details={"window_seconds": window_seconds})
    return known
