"""``xuncha media migrate``: copy a file-system photo store into an object store, verifying every hash.

Resumable: an object already in the bucket with the SHA-256 of the local file is left alone, so a second run
after an interruption copies only what is missing. Every copied object is read back and hashed; an original's
file is also checked against the hash its key names (a damaged source file is reported, never copied).
"""

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from inspection.photos.objectstore import CHUNK, S3Store, file_digests
from inspection.photos.storage import FileSystemStore

log = logging.getLogger("xuncha.media")


@dataclass
class MigrationResult:
    copied: int = 0
    already_there: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (key, why)

    @property
    def ok(self) -> bool:
        return not self.failed


def _named_sha(key: str) -> str | None:
    """The SHA-256 an original's key names (``original/ab/<sha>.<ext>``); variants are named by the original's."""
    parts = key.split("/")
    if len(parts) == 3 and parts[0] == "original":
        return parts[2].split(".", 1)[0]
    return None


def _read_back(target: S3Store, key: str) -> str:
    digest = hashlib.sha256()
    body = target.open(key)
    try:
        for chunk in iter(lambda: body.read(CHUNK), b""):
            digest.update(chunk)
    finally:
        body.close()
    return digest.hexdigest()


def migrate(source: FileSystemStore, target: S3Store, *,
            progress: Callable[[str, str], None] | None = None) -> MigrationResult:
    """Copy every key of ``source`` missing from ``target`` (or stored there with other content), then verify it.
    ``progress(key, what)`` hears each key's outcome: ``copied``, ``already there`` or ``failed: why``."""
    result = MigrationResult()
    for key in source.keys():  # noqa: SIM118 - a store, not a dict
        local = source.path(key)
        assert local is not None
        with open(local, "rb") as handle:
            sha, _ = file_digests(handle)
        named = _named_sha(key)
        if named is not None and named != sha:
            why = "source file does not match the hash its name carries"
            result.failed.append((key, why))
            if progress:
                progress(key, f"failed: {why}")
            continue
        try:
            stored = target.stored_sha256(key)
        except FileNotFoundError:
            stored = None
        if stored == sha:
            result.already_there += 1
            if progress:
                progress(key, "already there")
            continue
        target.put_file(key, local)
        read = _read_back(target, key)
        if read != sha:
            why = f"read back {read[:12]}…, expected {sha[:12]}…"
            result.failed.append((key, why))
            if progress:
                progress(key, f"failed: {why}")
            continue
        result.copied += 1
        if progress:
            progress(key, "copied")
    return result
