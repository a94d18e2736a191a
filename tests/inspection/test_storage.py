"""FileSystemStore: keys, atomic writes, temporaries; and the orphan sweep over a real database."""

import io
import os
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from inspection.identity.accounts import actor_for
from inspection.photos import service as photo_service
from inspection.photos import storage
from inspection.photos.service import Variant
from inspection.photos.storage import FileSystemStore
from inspection.types import utcnow

SHA = "ab" + "c" * 62


def all_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_put_open_exists_delete_and_keys(tmp_path):
    store = FileSystemStore(tmp_path)
    source = tmp_path / "upload.bin"
    source.write_bytes(b"original bytes")

    store.put_file(f"original/ab/{SHA}.jpg", source)
    store.put_bytes(f"thumb/ab/{SHA}.jpg", b"thumb")

    assert source.read_bytes() == b"original bytes"  # the source stays
    with store.open(f"original/ab/{SHA}.jpg") as fp:
        assert fp.read() == b"original bytes"
    assert store.exists(f"thumb/ab/{SHA}.jpg") and not store.exists(f"display/ab/{SHA}.jpg")
    assert sorted(store.keys()) == [f"original/ab/{SHA}.jpg", f"thumb/ab/{SHA}.jpg", "upload.bin"]
    store.delete(f"thumb/ab/{SHA}.jpg")
    store.delete(f"thumb/ab/{SHA}.jpg")  # absent is fine
    assert not store.exists(f"thumb/ab/{SHA}.jpg")
    with pytest.raises(FileNotFoundError):
        store.open("thumb/nothing.jpg")


@pytest.mark.parametrize("key", ["", "../escape.jpg", "/etc/passwd", "a//b", "a/./b", ".hidden/x", "a/.tmp-1",
                                 "a\\b", "原图/x.jpg"])
def test_keys_cannot_leave_the_root_or_hide(tmp_path, key):
    with pytest.raises(ValueError):
        FileSystemStore(tmp_path / "store").put_bytes(key, b"x")
    assert not (tmp_path / "escape.jpg").exists()


def test_an_atomic_write_leaves_no_temporary_file(tmp_path):
    store = FileSystemStore(tmp_path)
    source = tmp_path / "src"
    source.write_bytes(os.urandom(3 * 1024 * 1024))

    store.put_file("original/ab/big.bin", source)
    store.put_bytes("original/ab/big.bin", b"replaced whole")
    store.put_bytes("display/ab/x.jpg", b"d")

    assert all_files(tmp_path) == ["display/ab/x.jpg", "original/ab/big.bin", "src"]
    assert (tmp_path / "original/ab/big.bin").read_bytes() == b"replaced whole"


def test_a_failed_write_leaves_neither_a_temporary_nor_a_half_file(tmp_path, monkeypatch):
    store = FileSystemStore(tmp_path)
    store.put_bytes("thumb/ab/x.jpg", b"old")

    def crash(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(storage.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        store.put_bytes("thumb/ab/x.jpg", b"new")

    assert all_files(tmp_path) == ["thumb/ab/x.jpg"]
    assert (tmp_path / "thumb/ab/x.jpg").read_bytes() == b"old"


def test_stale_temporaries_go_and_fresh_ones_stay(tmp_path):
    store = FileSystemStore(tmp_path)
    (tmp_path / "thumb/ab").mkdir(parents=True)
    (tmp_path / ".incoming").mkdir()
    old_tmp = tmp_path / "thumb/ab/.tmp-old"
    old_spool = tmp_path / ".incoming" / "upload-old"
    fresh = tmp_path / "thumb/ab/.tmp-fresh"
    for path in (old_tmp, old_spool, fresh):
        path.write_bytes(b"partial")
    age(old_tmp, 7200)
    age(old_spool, 7200)
    store.put_bytes("thumb/ab/kept.jpg", b"k")
    age(tmp_path / "thumb/ab/kept.jpg", 7200)

    removed = store.remove_stale_temporaries(utcnow() - timedelta(hours=1))

    assert removed == 2
    assert all_files(tmp_path) == ["thumb/ab/.tmp-fresh", "thumb/ab/kept.jpg"]
    assert list(store.keys()) == ["thumb/ab/kept.jpg"]


# --- the orphan sweep, with rows in a real database -----------------------------------------------------------

def make_jpeg(path: Path, size=(640, 480), colour=(200, 90, 40)) -> Path:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=90)
    path.write_bytes(out.getvalue())
    return path


def stored_photo(session, world, tmp_path, store, **kwargs):
    actor = actor_for(world.users["inspector"])
    photo, created = photo_service.store_upload(
        session, tmp_path=make_jpeg(tmp_path / "upload.jpg", **kwargs), client_uuid=str(uuid.uuid4()),
        actor=actor, now=utcnow(), store=store, inspector_name="张三")
    session.commit()
    assert created
    return photo


def test_orphan_sweep_removes_files_without_rows_and_keeps_the_rest(session, world, tmp_path):
    store = FileSystemStore(tmp_path / "photos")
    photo = stored_photo(session, world, tmp_path, store)
    orphan = f"original/de/de{'0' * 62}.jpg"
    young_orphan = f"thumb/de/de{'1' * 62}.jpg"
    stale_display = f"display/{photo.sha256[:2]}/{photo.sha256}-ZZZZZZZZ.jpg"  # a lost race: wrong code
    foreign = "reports/2026/summary.pdf"  # not a photo key: never touched
    for key in (orphan, young_orphan, stale_display, foreign):
        store.put_bytes(key, b"x")
    for key in sorted(store.keys()):
        if key != young_orphan:
            age(tmp_path / "photos" / key, 7200)

    removed = photo_service.sweep_orphans(session, store, older_than=timedelta(hours=1), now=utcnow())

    assert removed == 2
    assert sorted(store.keys()) == sorted([*(photo_service.key_for(photo, v) for v in Variant), young_orphan,
                                           foreign])


def test_a_crash_between_files_and_row_leaves_files_the_sweep_removes(session, world, tmp_path, monkeypatch):
    store = FileSystemStore(tmp_path / "photos")

    def crash(*_args):
        raise RuntimeError("power cut")

    monkeypatch.setattr(photo_service, "_insert", crash)
    with pytest.raises(RuntimeError):
        stored_photo(session, world, tmp_path, store)
    session.rollback()
    left = list(store.keys())

    assert [key.split("/")[0] for key in left] == ["original", "thumb"]  # files, never a row without them
    later = utcnow() + timedelta(hours=2)
    assert photo_service.sweep_orphans(session, store, older_than=timedelta(hours=1), now=later) == 2
    assert list(store.keys()) == []


def test_a_taken_verification_code_is_replaced_and_its_stamp_redrawn(session, world, tmp_path, monkeypatch):
    store = FileSystemStore(tmp_path / "photos")
    first = stored_photo(session, world, tmp_path, store, colour=(10, 10, 10))
    codes = iter([first.verify_code, "HJKMNPQR"])
    monkeypatch.setattr(photo_service, "new_verify_code", lambda: next(codes))

    second = stored_photo(session, world, tmp_path, store, colour=(250, 250, 250))

    assert second.verify_code == "HJKMNPQR"
    displays = [key for key in sorted(store.keys()) if key.startswith("display/")]
    assert sorted(displays) == sorted(photo_service.key_for(p, Variant.DISPLAY) for p in (first, second))
