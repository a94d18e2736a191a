"""The content hash printed on every page of an instrument: SHA-256 of its canonical content, so a printed copy
can be checked against the record (``GET /api/v1/documents/{kind}/{id}/digest``).

Canonical content: the content dataclass as JSON with sorted keys, dates as ISO text, file paths left out (where
a photo lies on disk is not content; its verification code is). Signatures are not part of it: signing does not
change what was signed. A field marked ``omit_empty`` (added after documents were printed) is left out while
empty, so older printed copies still check."""

import hashlib
import json
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

PRINTED_DIGITS = 16  # printed as the first 16 hex digits of the SHA-256


def _canonical(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in fields(value) if f.name != "signature"
                and not (f.metadata.get("omit_empty") and not getattr(value, f.name))}
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, Path):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def canonical_json(document: Any) -> str:
    return json.dumps(_canonical(document), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_digest(document: Any) -> str:
    """The full SHA-256 (hex) of the document's canonical content."""
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def printed(digest: str) -> str:
    return digest[:PRINTED_DIGITS]
