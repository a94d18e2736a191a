"""Where this process keeps photos, and where it makes their display copies.

The store is the one the settings name (routes, jobs and the CLI share it); the partial files a killed upload
leaves behind are removed once older than any upload could be. Display copies and thumbnails are
made by ``photo_processes`` processes of lower priority (nice 10) beside each API process: Pillow's decode,
resize and encode take 0.1-2 s of CPU a photo, and run in the request's own process they took the CPU, and the
GIL, from every other request (tests/bench/README.md, "A morning on one machine").
"""

import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inspection.photos import pipeline
from inspection.photos.storage import FileSystemStore, PhotoStore
from server.settings import Settings, get_settings

if TYPE_CHECKING:
    from inspection.photos.objectstore import CachedStore

log = logging.getLogger("xuncha.media")

NICENESS = 10
# A phone on a poor 2G/3G link: the floor of the time an upload may take is the largest request at this rate.
SLOW_UPLOAD_BYTES_PER_SECOND = 10_000

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


CACHE_DIR = "cache"  # below media_dir: this node's copies of display variants and thumbnails (object store)


def photo_store() -> PhotoStore:
    """``XUNCHA_MEDIA_URL``'s bucket (with this node's cache of the small variants), else files below
    ``XUNCHA_MEDIA_DIR``."""
    settings = get_settings()
    if settings.media_url:
        return object_store(settings.media_url, str(settings.media_dir), settings.media_cache_max_bytes)
    return FileSystemStore(Path(settings.media_dir) / "photos")


@cache
def object_store(media_url: str, media_dir: str, cache_max_bytes: int) -> "CachedStore":
    """One client (and one cache) per process and URL: boto3 clients are thread-safe and slow to make (and boto3
    is imported only where a bucket is configured)."""
    from inspection.photos.objectstore import CachedStore, S3Location, S3Store

    remote = S3Store(S3Location.parse(media_url))
    return CachedStore(remote, Path(media_dir) / CACHE_DIR, local_roots=(Path(media_dir) / "photos",),
                       max_bytes=cache_max_bytes)


def partial_file_age(settings: Settings) -> timedelta:
    """How old a partial file (upload spool, half-written photo) must be before it is taken for a crash's
    leftover: longer than any upload could last — ``XUNCHA_PARTIAL_FILE_MAX_AGE_SECONDS``, and never less than
    the largest request at a slow phone's rate — so another node's upload into a shared folder is never cut."""
    slowest = settings.max_request_bytes / SLOW_UPLOAD_BYTES_PER_SECOND
    return timedelta(seconds=max(settings.partial_file_max_age_seconds, slowest))


def remove_partial_files(now: datetime) -> int:
    """At start-up: the partial files of uploads killed mid-way (``kill -9``, power loss), if old enough."""
    removed = photo_store().remove_stale_temporaries(now - partial_file_age(get_settings()))
    if removed:
        log.info("removed %d partial photo files left by interrupted uploads", removed)
    return removed


def _lower_priority() -> None:
    os.nice(NICENESS)


def _photo_pool() -> ProcessPoolExecutor | None:
    global _pool
    processes = get_settings().photo_processes
    if processes <= 0:
        return None
    with _pool_lock:
        if _pool is None:
            # spawn, not fork: the API process has threads (a forked child would inherit their locks held)
            _pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_lower_priority)
        return _pool


def render_variants(*args: Any, **kwargs: Any) -> pipeline.Variants:
    """``pipeline.make_variants`` in the photo processes (in this thread when there are none). A pool whose
    process died is replaced, and this photo made here."""
    global _pool
    pool = _photo_pool()
    if pool is None:
        return pipeline.make_variants(*args, **kwargs)
    try:
        return pool.submit(pipeline.make_variants, *args, **kwargs).result()
    except BrokenProcessPool:
        log.warning("photo process died; starting a new one", exc_info=True)
        with _pool_lock:
            if _pool is pool:
                _pool = None
        pool.shutdown(wait=False)
        return pipeline.make_variants(*args, **kwargs)


def shut_down() -> None:
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)
