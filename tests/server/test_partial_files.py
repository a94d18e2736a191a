"""Partial files of killed uploads (``kill -9`` mid-upload): gone at start-up and at the next sweep once older
than any upload could be, while a younger one — maybe another node's upload into a shared folder — stays."""

import os
import time
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from inspection.types import utcnow
from server.jobs import functions as jobs
from server.media import SLOW_UPLOAD_BYTES_PER_SECOND, partial_file_age
from server.routes.photos import SPOOL_DIR
from server.settings import get_settings


def partial(media_dir: Path, relative: str, *, age: timedelta) -> Path:
    path = media_dir / "photos" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8\xff" + b"\0" * 4096)  # the first megabytes of a photo, then the kill
    then = time.time() - age.total_seconds()
    os.utime(path, (then, then))
    return path


def leftovers(media_dir: Path) -> dict[str, Path]:
    age = partial_file_age(get_settings())
    return {
        "old spool": partial(media_dir, f"{SPOOL_DIR}/.upload-killed", age=age + timedelta(minutes=5)),
        "old temporary": partial(media_dir, "original/ab/.tmp-killed", age=age + timedelta(minutes=5)),
        "young spool": partial(media_dir, f"{SPOOL_DIR}/.upload-in-progress", age=age - timedelta(minutes=5)),
    }


def test_the_sweep_removes_partial_files_older_than_any_upload_and_no_younger(engine, media_dir):
    files = leftovers(media_dir)
    run = jobs.sweep_photo_files(utcnow())
    assert run.ok and run.summary == "removed=2"
    assert not files["old spool"].exists() and not files["old temporary"].exists()
    assert files["young spool"].exists()
    files["young spool"].unlink()


def test_start_up_removes_them_too(engine, media_dir):
    files = leftovers(media_dir)
    from server.app import create_app

    with TestClient(create_app()) as client:
        assert client.get("/healthz").status_code == 200
    assert not files["old spool"].exists() and not files["old temporary"].exists()
    assert files["young spool"].exists()
    files["young spool"].unlink()


def test_the_age_is_the_setting_and_never_less_than_the_largest_request_at_a_slow_rate(monkeypatch):
    settings = get_settings()
    assert partial_file_age(settings) == timedelta(hours=1)  # 20 MB at 10 kB/s is 35 minutes: the hour wins
    assert partial_file_age(settings) < timedelta(days=1)
    monkeypatch.setattr(settings, "max_request_bytes", 100 * 1024 * 1024)
    assert partial_file_age(settings) == timedelta(seconds=100 * 1024 * 1024 / SLOW_UPLOAD_BYTES_PER_SECOND)
    monkeypatch.setattr(settings, "partial_file_max_age_seconds", 6 * 3600)
    assert partial_file_age(settings) == timedelta(hours=6)
