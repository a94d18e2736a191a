"""Where this process keeps photos: the store named by the settings (routes, jobs and the CLI share it), and
the partial files a killed upload leaves behind."""

import logging
from datetime import datetime, timedelta
from pathlib import Path

from inspection.photos.storage import FileSystemStore, PhotoStore
from server.settings import Settings, get_settings

log = logging.getLogger("xuncha.media")

# A phone on a poor 2G/3G link: the floor of the time an upload may take is the largest request at this rate.
SLOW_UPLOAD_BYTES_PER_SECOND = 10_000


def photo_store() -> PhotoStore:
    return FileSystemStore(Path(get_settings().media_dir) / "photos")


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
