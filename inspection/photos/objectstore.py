"""Photos in an S3-compatible object store (any that speaks the S3 API: SeaweedFS, MinIO, Ceph RGW, OSS, COS…),
and this node's cache of the small variants in front of it.

``S3Store`` keeps ``FileSystemStore``'s guarantees over the S3 API (boto3; no protocol code here):

- a put returns only once the store holds the whole object: ``put_object`` is atomic, its ``Content-MD5``
  makes the store refuse bytes that differ from ours, and the object carries its SHA-256 as metadata
  (``x-amz-meta-sha256``) for later checks (the node cache, ``xuncha media migrate``);
- an absent object is ``FileNotFoundError``, as for a file; anything else that keeps us from the store (refused
  connection, timeout, a 5xx, wrong credentials, no bucket) is ``StoreUnavailable``: the API answers 503 with
  Retry-After, never 500, and the phone's queue uploads again later.

``CachedStore`` puts a node-local copy of display variants and thumbnails (small, read often, immutable: their
keys carry the content hash) in front of the bucket; originals stream through from the bucket.
"""

import base64
import contextlib
import hashlib
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO
from urllib.parse import parse_qs, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from inspection.photos.storage import FileSystemStore, StoreUnavailable, check_key

log = logging.getLogger("xuncha.media")

CHUNK = 1024 * 1024
CACHED_PREFIXES = ("display/", "thumb/")
_NOT_FOUND_CODES = {"404", "NoSuchKey", "NotFound"}
_MODIFIED_MEMORY = 200_000  # listing times kept for modified_at (the orphan sweep asks once per listed key)


@dataclass(frozen=True)
class S3Location:
    """``s3://bucket[/prefix]?endpoint=http://host:port[&region=…]``; credentials come from the usual AWS
    variables (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, or a profile), never from the URL."""

    bucket: str
    prefix: str = ""
    endpoint: str | None = None
    region: str = "us-east-1"

    @classmethod
    def parse(cls, url: str) -> "S3Location":
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc or parts.username or parts.password:
            raise ValueError("media URL must look like s3://bucket?endpoint=http://host:port (no credentials in it)")
        query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
        unknown = set(query) - {"endpoint", "region"}
        if unknown:
            raise ValueError(f"unknown media URL parameters: {', '.join(sorted(unknown))}")
        endpoint = query.get("endpoint") or None
        if endpoint is not None and urlsplit(endpoint).scheme not in ("http", "https"):
            raise ValueError("media URL endpoint must be an http:// or https:// address")
        prefix = parts.path.strip("/")
        if prefix:
            check_key(prefix)
        return cls(bucket=parts.netloc, prefix=prefix, endpoint=endpoint, region=query.get("region") or "us-east-1")


def make_client(location: S3Location, *, connect_timeout: float = 3.0, read_timeout: float = 30.0) -> Any:
    """A boto3 client (thread-safe; make one per process). Path-style addressing, which every S3-compatible
    store accepts; checksums only where the API requires them (we send Content-MD5 ourselves)."""
    config = Config(connect_timeout=connect_timeout, read_timeout=read_timeout,
                    retries={"max_attempts": 2, "mode": "standard"}, s3={"addressing_style": "path"},
                    signature_version="s3v4", request_checksum_calculation="when_required",
                    response_checksum_validation="when_required", max_pool_connections=32)
    return boto3.session.Session().client("s3", endpoint_url=location.endpoint, region_name=location.region,
                                          config=config)


def file_digests(source: IO[bytes]) -> tuple[str, str]:
    """(hex SHA-256, base64 MD5) of a file read from its start."""
    sha, md5 = hashlib.sha256(), hashlib.md5()  # noqa: S324 - MD5 is what Content-MD5 asks for
    for chunk in iter(lambda: source.read(CHUNK), b""):
        sha.update(chunk)
        md5.update(chunk)
    return sha.hexdigest(), base64.b64encode(md5.digest()).decode()


class S3Store:
    """Objects ``<prefix>/<key>`` in one bucket. Safe for several threads, processes and nodes at once."""

    def __init__(self, location: S3Location, client: Any | None = None) -> None:
        self.location = location
        self.bucket = location.bucket
        self.client = client if client is not None else make_client(location)
        self._modified: dict[str, datetime] = {}
        self._modified_lock = threading.Lock()

    def _name(self, key: str) -> str:
        check_key(key)
        return f"{self.location.prefix}/{key}" if self.location.prefix else key

    def _key(self, name: str) -> str:
        return name[len(self.location.prefix) + 1:] if self.location.prefix else name

    def _call(self, operation: str, key: str, **kwargs: Any) -> Any:
        """One API call; an absent object is FileNotFoundError, every other failure StoreUnavailable."""
        try:
            return getattr(self.client, operation)(Bucket=self.bucket, **kwargs)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            if str(error.get("Code")) in _NOT_FOUND_CODES and error.get("Code") != "NoSuchBucket":
                raise FileNotFoundError(key) from exc
            log.error("photo store refused %s %s: %s", operation, key, exc)
            raise StoreUnavailable() from exc
        except BotoCoreError as exc:
            log.warning("photo store unreachable (%s %s): %s", operation, key, exc)
            raise StoreUnavailable() from exc

    def ensure_bucket(self) -> None:
        """Create the bucket when it is missing (tests, first start of ``xuncha media migrate``)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
            return
        except ClientError:
            pass
        except BotoCoreError as exc:
            raise StoreUnavailable() from exc
        try:
            self.client.create_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise StoreUnavailable() from exc
        except BotoCoreError as exc:
            raise StoreUnavailable() from exc

    def put_file(self, key: str, src_path: Path) -> None:
        with open(src_path, "rb") as source:
            sha, md5 = file_digests(source)
            source.seek(0)
            self._put(key, source, sha, md5)

    def put_bytes(self, key: str, data: bytes) -> None:
        md5 = base64.b64encode(hashlib.md5(data).digest()).decode()  # noqa: S324
        self._put(key, data, hashlib.sha256(data).hexdigest(), md5)

    def _put(self, key: str, body: Any, sha: str, md5: str) -> None:
        name = self._name(key)
        self._call("put_object", key, Key=name, Body=body, ContentMD5=md5, Metadata={"sha256": sha})

    def open(self, key: str) -> BinaryIO:
        return self._call("get_object", key, Key=self._name(key))["Body"]

    def path(self, key: str) -> Path | None:
        check_key(key)
        return None

    def exists(self, key: str) -> bool:
        try:
            self._call("head_object", key, Key=self._name(key))
        except FileNotFoundError:
            return False
        return True

    def stored_sha256(self, key: str) -> str | None:
        """The SHA-256 the object was stored with (metadata), None for an object stored without; FileNotFoundError
        when absent."""
        head = self._call("head_object", key, Key=self._name(key))
        return head.get("Metadata", {}).get("sha256")

    def delete(self, key: str) -> None:
        self._call("delete_object", key, Key=self._name(key))

    def keys(self) -> Iterator[str]:
        prefix = f"{self.location.prefix}/" if self.location.prefix else ""
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
            for page in pages:
                for item in page.get("Contents", ()):
                    key = self._key(item["Key"])
                    self._remember(key, item["LastModified"])
                    yield key
        except ClientError as exc:
            log.error("photo store refused a listing: %s", exc)
            raise StoreUnavailable() from exc
        except BotoCoreError as exc:
            raise StoreUnavailable() from exc

    def _remember(self, key: str, modified: datetime) -> None:
        with self._modified_lock:
            if len(self._modified) >= _MODIFIED_MEMORY:
                self._modified.clear()
            self._modified[key] = modified

    def modified_at(self, key: str) -> datetime:
        """From the last listing when it named the key (one request per listing page, not per object)."""
        with self._modified_lock:
            known = self._modified.get(key)
        if known is None:
            known = self._call("head_object", key, Key=self._name(key))["LastModified"]
        return known.astimezone(UTC)

    def remove_stale_temporaries(self, before: datetime) -> int:
        """Nothing to do: an object appears whole or not at all."""
        return 0


class CachedStore:
    """An ``S3Store`` with this node's copy of display variants and thumbnails below ``cache_root``.

    Cached keys are immutable (named by content hash and verification code), so a cached copy never goes stale;
    it is filled on the first read (verified against the object's SHA-256) and on upload. ``local_roots`` are
    node-local folders whose crash-left partial files the sweep removes (the upload spools).
    """

    def __init__(self, remote: S3Store, cache_root: Path, *, local_roots: tuple[Path, ...] = (),
                 max_bytes: int | None = None) -> None:
        self.remote = remote
        self.cache = FileSystemStore(cache_root)
        self.local_roots = local_roots
        self.max_bytes = max_bytes
        self._cached_bytes: int | None = None  # this process's estimate, measured on the first addition
        self._trim_lock = threading.Lock()

    @staticmethod
    def cached(key: str) -> bool:
        return key.startswith(CACHED_PREFIXES)

    def put_file(self, key: str, src_path: Path) -> None:
        self.remote.put_file(key, src_path)
        if self.cached(key):
            self.cache.put_file(key, src_path)
            self._added(src_path.stat().st_size)

    def put_bytes(self, key: str, data: bytes) -> None:
        self.remote.put_bytes(key, data)
        if self.cached(key):
            self.cache.put_bytes(key, data)
            self._added(len(data))

    def open(self, key: str) -> BinaryIO:
        local = self.path(key)
        if local is None:
            return self.remote.open(key)
        return open(local, "rb")

    def path(self, key: str) -> Path | None:
        """For a cached variant: this node's copy, fetched from the bucket first if need be (a path that does not
        exist when the bucket has no such object). None for originals, which stream from the bucket."""
        if not self.cached(key):
            check_key(key)
            return None
        local = self.cache.path(key)
        assert local is not None
        try:
            os.utime(local)  # recently used: the last to be trimmed
        except FileNotFoundError:
            with contextlib.suppress(FileNotFoundError):  # absent from the bucket: the caller's 404
                self._fill(key)
                self._added(local.stat().st_size)
        return local

    def _added(self, size: int) -> None:
        """Count a new cached file; past ``max_bytes``, remove the least recently used down to 90 % of it."""
        if self.max_bytes is None:
            return
        with self._trim_lock:
            if self._cached_bytes is None:
                self._cached_bytes = sum(size for _, size, _ in self._cached_files())
            else:
                self._cached_bytes += size
            if self._cached_bytes > self.max_bytes:
                self._cached_bytes = self.trim(int(self.max_bytes * 0.9))

    def _cached_files(self) -> list[tuple[float, int, Path]]:
        out = []
        for key in self.cache.keys():  # noqa: SIM118 - a store, not a dict
            local = self.cache.path(key)
            assert local is not None
            with contextlib.suppress(FileNotFoundError):
                stat = local.stat()
                out.append((stat.st_mtime, stat.st_size, local))
        return out

    def trim(self, keep_bytes: int) -> int:
        """Remove cached copies, least recently used first, until at most ``keep_bytes`` remain (every node
        process may trim; a removed copy is fetched again when next read). The bytes left."""
        files = sorted(self._cached_files())
        total = sum(size for _, size, _ in files)
        for _, size, local in files:
            if total <= keep_bytes:
                break
            local.unlink(missing_ok=True)
            total -= size
        return total

    def _fill(self, key: str) -> None:
        expected = self.remote.stored_sha256(key)
        body = self.remote.open(key)
        try:
            digest = hashlib.sha256()

            def copy(out: BinaryIO) -> None:
                try:
                    for chunk in iter(lambda: body.read(CHUNK), b""):
                        digest.update(chunk)
                        out.write(chunk)
                except (BotoCoreError, ClientError) as exc:
                    raise StoreUnavailable() from exc
                if expected is not None and digest.hexdigest() != expected:
                    log.error("photo object %s does not match its SHA-256; not cached", key)
                    raise StoreUnavailable("照片文件校验失败 / the stored photo failed its hash check",
                                           code="media_corrupt")

            self.cache._write(key, copy)
        finally:
            body.close()

    def exists(self, key: str) -> bool:
        return (self.cached(key) and self.cache.exists(key)) or self.remote.exists(key)

    def delete(self, key: str) -> None:
        self.remote.delete(key)
        if self.cached(key):
            self.cache.delete(key)

    def keys(self) -> Iterator[str]:
        return self.remote.keys()

    def modified_at(self, key: str) -> datetime:
        return self.remote.modified_at(key)

    def remove_stale_temporaries(self, before: datetime) -> int:
        removed = self.cache.remove_stale_temporaries(before)
        for root in self.local_roots:
            if root.is_dir():
                removed += FileSystemStore(root).remove_stale_temporaries(before)
        return removed + self.remote.remove_stale_temporaries(before)
