"""Photos in an S3-compatible bucket, against a real SeaweedFS (``tests/seaweed.py``): uploads, reads with their
authorization, hashes, the orphan sweep on the bucket, an outage of the store (503 with Retry-After, the rest of
the API working, the node's cached thumbnails still served) and ``xuncha media migrate``.

They run on the SQLite run only: the store does not care which database is behind the API, and CI runs them
once: 40 s on the shared two-core VM at load 8, 2.5 min at load 12 (SeaweedFS starts in 1-2 s).
"""

import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from inspection.models import Photo
from inspection.photos import service as photo_service
from inspection.photos.objectstore import CachedStore, S3Location, S3Store, StoreUnavailable
from inspection.photos.storage import FileSystemStore
from inspection.types import utcnow
from server import media
from server.cli import app as cli
from server.settings import get_settings
from tests.seaweed import Weed, weed  # noqa: F401 - the session fixture
from tests.server.test_api_photos import encode, fetch, jpeg, noisy, upload

pytestmark = pytest.mark.skipif(
    os.environ.get("XUNCHA_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="object-store tests run once, on the SQLite run (the store is the same whatever the database)")


def _use_bucket(url: str | None) -> None:
    if url is None:
        os.environ.pop("XUNCHA_MEDIA_URL", None)
    else:
        os.environ["XUNCHA_MEDIA_URL"] = url
    get_settings.cache_clear()
    media.object_store.cache_clear()


@pytest.fixture()
def bucket(weed: Weed, media_dir: Path) -> Iterator[S3Store]:  # noqa: F811
    """A fresh bucket named in XUNCHA_MEDIA_URL for this test (and an empty node cache); unset after."""
    name = f"photos-{uuid.uuid4().hex[:12]}"
    _use_bucket(weed.media_url(name))
    shutil.rmtree(media_dir / media.CACHE_DIR, ignore_errors=True)
    store = S3Store(S3Location.parse(weed.media_url(name)))
    store.ensure_bucket()
    try:
        yield store
    finally:
        _use_bucket(None)


def test_the_media_url_chooses_the_bucket_and_the_file_system_stays_the_default(bucket, media_dir):
    store = media.photo_store()
    assert isinstance(store, CachedStore) and store.remote.bucket == bucket.bucket
    _use_bucket(None)
    assert isinstance(media.photo_store(), FileSystemStore)


@pytest.mark.parametrize("url", ["s3://", "http://bucket", "s3://b?endpoint=ftp://x", "s3://b?secret=1",
                                 "s3://key:secret@bucket?endpoint=http://x"])
def test_a_bad_media_url_is_refused_at_start_up(url):
    with pytest.raises(ValueError):
        S3Location.parse(url)


def test_the_store_keeps_objects_with_their_hash(bucket):
    data = b"photo bytes" * 1000
    bucket.put_bytes("thumb/ab/x.jpg", data)
    assert bucket.exists("thumb/ab/x.jpg") and not bucket.exists("thumb/ab/y.jpg")
    assert bucket.open("thumb/ab/x.jpg").read() == data
    assert bucket.stored_sha256("thumb/ab/x.jpg") == hashlib.sha256(data).hexdigest()
    assert list(bucket.keys()) == ["thumb/ab/x.jpg"]
    assert abs(bucket.modified_at("thumb/ab/x.jpg") - utcnow()) < timedelta(minutes=5)
    with pytest.raises(FileNotFoundError):
        bucket.open("thumb/ab/y.jpg")
    bucket.delete("thumb/ab/x.jpg")
    bucket.delete("thumb/ab/x.jpg")  # absent is fine
    assert list(bucket.keys()) == []
    with pytest.raises(ValueError):
        bucket.put_bytes("../escape", b"x")


def test_an_upload_lands_in_the_bucket_and_reads_stream_through_the_api(client, world, session, bucket, media_dir):
    data = jpeg((1200, 900))
    response = upload(client, world, data, who="enterprise_a")
    assert response.status_code == 201, response.text
    photo = session.get(Photo, response.json()["id"])
    keys = {photo_service.key_for(photo, variant) for variant in photo_service.Variant}
    assert set(bucket.keys()) == keys
    assert bucket.stored_sha256(photo_service.key_for(photo, photo_service.Variant.ORIGINAL)) == photo.sha256
    for variant in photo_service.Variant:  # nothing of it on this node's disk but the cache (other tests' files
        key = photo_service.key_for(photo, variant)  # may be in the shared media folder: look for this photo's)
        assert not (media_dir / "photos" / key).exists()

    original = fetch(client, world, photo.id, "original", who="enterprise_a")
    assert original.status_code == 200 and original.content == data
    assert original.headers["content-disposition"].startswith("attachment")
    shutil.rmtree(media_dir / media.CACHE_DIR)  # another node: nothing cached yet
    for variant in ("display", "thumb"):
        answer = fetch(client, world, photo.id, variant, who="office")
        assert answer.status_code == 200 and answer.content[:3] == b"\xff\xd8\xff"
        key = photo_service.key_for(photo, photo_service.Variant(variant))
        assert (media_dir / media.CACHE_DIR / key).read_bytes() == answer.content  # now cached on this node
    assert fetch(client, world, photo.id, "thumb", who="enterprise_b").status_code == 404  # not theirs

    again = upload(client, world, data, who="enterprise_a")
    assert again.status_code == 200 and again.json()["id"] == photo.id


def test_a_missing_object_is_404_and_the_sweep_clears_the_bucket_of_orphans(client, world, session, bucket):
    photo_id = upload(client, world, jpeg((800, 600)), who="enterprise_a").json()["id"]
    photo = session.get(Photo, photo_id)
    bucket.put_bytes("original/00/" + "0" * 64 + ".jpg", b"left by a crash between the put and the commit")
    bucket.put_bytes("notes/readme.txt", b"not a photo key: never touched")

    store = media.photo_store()
    assert photo_service.sweep_orphans(session, store, older_than=timedelta(days=1), now=utcnow()) == 0  # young
    removed = photo_service.sweep_orphans(session, store, older_than=timedelta(days=1),
                                          now=utcnow() + timedelta(days=2))
    assert removed == 1
    assert set(bucket.keys()) == {photo_service.key_for(photo, v) for v in photo_service.Variant} | {
        "notes/readme.txt"}

    bucket.delete(photo_service.key_for(photo, photo_service.Variant.ORIGINAL))
    missing = fetch(client, world, photo_id, "original", who="office")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "photo_file_missing"


def test_an_outage_of_the_store_answers_503_and_the_rest_keeps_working(client, world, session, bucket, weed):  # noqa: F811
    photo_id = upload(client, world, jpeg((800, 600)), who="enterprise_a").json()["id"]
    assert fetch(client, world, photo_id, "thumb", who="office").status_code == 200  # cached on this node

    weed.stop()
    try:
        refused = upload(client, world, encode(noisy(), "JPEG", quality=85), who="inspector")
        assert refused.status_code == 503, refused.text
        assert refused.headers["retry-after"] == str(StoreUnavailable.retry_after)
        assert refused.json()["error"]["code"] == "media_unavailable"
        assert "照片存储暂时不可用" in refused.json()["error"]["message"]
        session.expire_all()
        assert len(session.exec(select(Photo)).all()) == 1  # no row without its object

        original = fetch(client, world, photo_id, "original", who="office")
        assert original.status_code == 503 and original.headers["retry-after"]
        assert fetch(client, world, photo_id, "thumb", who="office").status_code == 200  # the node's copy
        office = world.headers("office")
        for path in ("/api/v1/checklists", "/api/v1/stats/closure", f"/api/v1/photos/{photo_id}?variant=thumb",
                     "/healthz"):
            assert client.get(path, headers=office).status_code == 200, path
    finally:
        weed.start()

    again = upload(client, world, encode(noisy(), "JPEG", quality=85), who="inspector")
    assert again.status_code == 201, again.text
    assert fetch(client, world, photo_id, "original", who="office").status_code == 200


def test_migrate_copies_a_file_system_store_verifies_every_hash_and_resumes(bucket, media_dir, tmp_path):
    source = FileSystemStore(tmp_path / "photos")
    originals = {}
    for i in range(4):
        data = f"photo {i}".encode() * 500
        sha = hashlib.sha256(data).hexdigest()
        originals[f"original/{sha[:2]}/{sha}.jpg"] = data
        source.put_bytes(f"original/{sha[:2]}/{sha}.jpg", data)
        source.put_bytes(f"thumb/{sha[:2]}/{sha}.jpg", data[:100])
    (tmp_path / "photos" / ".incoming").mkdir()
    (tmp_path / "photos" / ".incoming" / "spool").write_bytes(b"partial upload: not copied")
    first = next(iter(originals))
    bucket.put_file(first, source.path(first))  # an earlier run stopped after one object

    runner = CliRunner()
    result = runner.invoke(cli, ["media", "migrate", "--from", str(tmp_path / "photos")])
    assert result.exit_code == 0, result.output
    assert "copied 7, already there 1, failed 0" in result.output
    assert sorted(bucket.keys()) == sorted(source.keys())
    for key, data in originals.items():
        assert bucket.open(key).read() == data and bucket.stored_sha256(key) == hashlib.sha256(data).hexdigest()

    again = runner.invoke(cli, ["media", "migrate", "--from", str(tmp_path / "photos"), "--quiet"])
    assert again.exit_code == 0 and "copied 0, already there 8, failed 0" in again.output

    damaged = tmp_path / "photos" / first
    damaged.write_bytes(b"bit rot")
    broken = runner.invoke(cli, ["media", "migrate", "--from", str(tmp_path / "photos"), "--quiet"])
    assert broken.exit_code == 1 and "failed 1" in broken.output and first in broken.output
    assert bucket.open(first).read() == originals[first]  # the good copy is not overwritten


def test_migrate_without_a_bucket_says_so(media_dir):
    _use_bucket(None)
    result = CliRunner().invoke(cli, ["media", "migrate"])
    assert result.exit_code == 2 and "XUNCHA_MEDIA_URL" in result.output


def test_the_node_cache_keeps_to_its_size_dropping_the_least_recently_read(bucket, tmp_path):
    store = CachedStore(bucket, tmp_path / "cache", max_bytes=2500)
    keys = [f"thumb/0{i}/{i}.jpg" for i in range(5)]
    for i, key in enumerate(keys):
        store.put_bytes(key, bytes([i]) * 1000)
        if i >= 1:
            store.path(keys[0])  # read again and again: the last to go
    cached = sorted(str(p.relative_to(tmp_path / "cache")) for p in (tmp_path / "cache").rglob("*.jpg"))
    assert sum((tmp_path / "cache" / key).stat().st_size for key in cached) <= 2500
    assert keys[0] in cached and keys[4] in cached
    evicted = next(key for key in keys if key not in cached)
    assert store.open(evicted).read() == bytes([keys.index(evicted)]) * 1000  # fetched again from the bucket
    assert sorted(bucket.keys()) == keys  # the bucket keeps everything
