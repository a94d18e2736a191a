"""Where photo files live: a small interface and a file-system implementation.

Keys are relative, slash-separated names such as ``original/ab/abcdef….jpg``; callers never see paths, so
an object store can replace ``FileSystemStore`` without touching them. Writes are atomic: a reader sees the
old file or the whole new one, never half of it, and a crash leaves at most a temporary file behind (named
with a leading dot, invisible to ``keys()``, removed by ``remove_stale_temporaries``).
"""

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from inspection.errors import DomainError

TEMP_PREFIX = ".tmp-"
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")
_COPY_CHUNK = 1024 * 1024
UNAVAILABLE_RETRY_SECONDS = 30


class StoreUnavailable(DomainError):
    """The photo store cannot be reached or refuses to work; answered 503 with Retry-After."""

    code = "media_unavailable"
    retry_after = UNAVAILABLE_RETRY_SECONDS

    def __init__(self, message: str = "照片存储暂时不可用，请稍后重试 / the photo store is unavailable, retry "
                                      "shortly", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)


class PhotoStore(Protocol):
    def put_file(self, key: str, src_path: Path) -> None:
        """Copy the file at ``src_path`` to ``key``; the source is left as it is."""

    def put_bytes(self, key: str, data: bytes) -> None: ...

    def open(self, key: str) -> BinaryIO:
        """The stored bytes for reading; FileNotFoundError when absent."""

    def path(self, key: str) -> Path | None:
        """A local file to serve directly, or None when the store has no local files."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove ``key``; absent is fine."""

    def keys(self) -> Iterator[str]: ...

    def modified_at(self, key: str) -> datetime:
        """When ``key`` was last written (aware UTC); the orphan sweep leaves young files alone."""

    def remove_stale_temporaries(self, before: datetime) -> int:
        """Remove half-written files a crash left behind, if older than ``before``; how many were removed."""


def check_key(key: str) -> list[str]:
    """The segments of a well-formed key; ValueError for anything that could leave the store's root."""
    parts = key.split("/")
    if not key or not all(_SEGMENT.match(part) for part in parts):
        raise ValueError(f"invalid storage key: {key!r}")
    return parts


class FileSystemStore:
    """Files below ``root``. Safe for several threads and processes writing the same key at once."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _file(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key))

    def put_file(self, key: str, src_path: Path) -> None:
        with open(src_path, "rb") as src:
            self._write(key, lambda out: shutil.copyfileobj(src, out, _COPY_CHUNK))

    def put_bytes(self, key: str, data: bytes) -> None:
        self._write(key, lambda out: out.write(data))

    def _write(self, key: str, fill: "_Fill") -> None:
        """Temp file in the target's directory, fill, flush, fsync, rename over the target, fsync the directory."""
        target = self._file(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                fill(out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)

    def open(self, key: str) -> BinaryIO:
        return open(self._file(key), "rb")

    def path(self, key: str) -> Path | None:
        return self._file(key)

    def exists(self, key: str) -> bool:
        return self._file(key).is_file()

    def delete(self, key: str) -> None:
        target = self._file(key)
        try:
            target.unlink()
        except FileNotFoundError:
            return
        _fsync_dir(target.parent)

    def keys(self) -> Iterator[str]:
        for directory, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            base = Path(directory).relative_to(self.root)
            for name in sorted(filenames):
                if not name.startswith("."):
                    yield (base / name).as_posix()

    def modified_at(self, key: str) -> datetime:
        return datetime.fromtimestamp(self._file(key).stat().st_mtime, UTC)

    def remove_stale_temporaries(self, before: datetime) -> int:
        """Dot-files anywhere below the root (atomic-write temporaries, upload spools) older than ``before``."""
        removed = 0
        cutoff = before.timestamp()
        for directory, _dirnames, filenames in os.walk(self.root):
            for name in filenames:
                candidate = Path(directory) / name
                hidden = name.startswith(".") or any(
                    part.startswith(".") for part in candidate.relative_to(self.root).parts[:-1])
                try:
                    if hidden and candidate.stat().st_mtime < cutoff:
                        candidate.unlink()
                        removed += 1
                except FileNotFoundError:  # finished or removed meanwhile
                    continue
        return removed


class _Fill(Protocol):
    def __call__(self, out: BinaryIO, /) -> object: ...


def _fsync_dir(directory: Path) -> None:
    """Make a rename or unlink durable; a no-op where directories cannot be opened (Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
