"""The signing key: never a value from the source. Development makes a random one under var/ and keeps it;
production refuses to start without a configured one; nothing accepts a short key."""

import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from jwt.warnings import InsecureKeyLengthWarning
from pydantic import ValidationError

from hazards.documents.data import order_token
from hazards.models import RectificationOrder
from inspection.types import utcnow
from server.auth import ALGORITHM
from server.settings import MIN_SECRET_LENGTH, Settings, get_settings, local_secret
from tests.server.test_api_portal import _visit_with_failures

OLD_PLACEHOLDER = "dev-insecure-secret-change-me"  # what the source used to sign with in development
API = "/api/v1"


@pytest.fixture()
def development(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """XUNCHA_ENV=development with no key configured, as under `make run`; the key file in a temporary var/."""
    monkeypatch.setenv("XUNCHA_ENV", "development")
    monkeypatch.delenv("XUNCHA_SECRET_KEY", raising=False)
    monkeypatch.setenv("XUNCHA_SECRET_KEY_FILE", str(tmp_path / "var" / "secret_key"))
    get_settings.cache_clear()
    yield tmp_path / "var" / "secret_key"
    monkeypatch.undo()
    get_settings.cache_clear()


def test_development_makes_a_random_key_under_var_once_and_keeps_it(development):
    first = Settings()
    assert development.is_file() and stat.S_IMODE(development.stat().st_mode) == 0o600
    assert len(first.secret_key) >= MIN_SECRET_LENGTH and first.secret_key != OLD_PLACEHOLDER
    assert development.read_text().strip() == first.secret_key
    assert Settings().secret_key == first.secret_key  # the next start reuses it: logins survive a restart


def test_a_key_file_others_can_read_is_made_private(development):
    development.parent.mkdir(parents=True)
    development.write_text("k" * 48)
    development.chmod(0o644)
    assert Settings().secret_key == "k" * 48
    assert stat.S_IMODE(development.stat().st_mode) == 0o600


def test_a_token_signed_with_the_old_placeholder_gets_nothing(client, world, development):
    admin = world.users["admin"]
    now = utcnow()
    claims = {"sub": str(admin.id), "role": "admin", "iat": now, "exp": now + timedelta(hours=1)}
    with pytest.warns(InsecureKeyLengthWarning):  # what an attacker reading the old source would do
        forged = jwt.encode(claims, OLD_PLACEHOLDER, algorithm=ALGORITHM)
    assert client.get(f"{API}/admin/jobs", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    genuine = jwt.encode(claims, get_settings().secret_key, algorithm=ALGORITHM)
    assert client.get(f"{API}/admin/jobs", headers={"Authorization": f"Bearer {genuine}"}).status_code == 200


def test_an_order_link_minted_with_the_old_placeholder_is_refused(client, world, session, development):
    out = _visit_with_failures(client, world, session, {"DUST-12"})
    order = session.get(RectificationOrder, out["order_ids"][0])
    forged = client.get(f"{API}/portal/orders/{order_token(OLD_PLACEHOLDER, order)}")
    assert forged.status_code == 404 and forged.json()["error"]["code"] == "invalid_token"
    assert client.get(f"{API}/portal/orders/{order_token(get_settings().secret_key, order)}").status_code == 200


def test_production_refuses_to_start_without_a_key_or_with_a_short_one(monkeypatch, tmp_path):
    monkeypatch.setenv("XUNCHA_ENV", "production")
    monkeypatch.setenv("XUNCHA_SECRET_KEY_FILE", str(tmp_path / "secret_key"))
    monkeypatch.delenv("XUNCHA_SECRET_KEY", raising=False)
    with pytest.raises(ValidationError, match="XUNCHA_SECRET_KEY"):
        Settings()
    assert not (tmp_path / "secret_key").exists()  # production never makes a key of its own
    monkeypatch.setenv("XUNCHA_SECRET_KEY", "x" * (MIN_SECRET_LENGTH - 1))
    with pytest.raises(ValidationError, match="XUNCHA_SECRET_KEY"):
        Settings()
    monkeypatch.setenv("XUNCHA_SECRET_KEY", "x" * MIN_SECRET_LENGTH)
    assert Settings().secret_key == "x" * MIN_SECRET_LENGTH


def test_no_environment_takes_a_short_key(monkeypatch):
    for env in ("development", "test"):
        monkeypatch.setenv("XUNCHA_ENV", env)
        monkeypatch.setenv("XUNCHA_SECRET_KEY", OLD_PLACEHOLDER)
        with pytest.raises(ValidationError, match="at least 32"):
            Settings()


def test_processes_starting_together_agree_on_one_key(tmp_path):
    path = tmp_path / "var" / "secret_key"
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: local_secret(path), range(16)))
    assert len(keys) == 1 and path.read_text().strip() in keys
    assert sorted(p.name for p in path.parent.iterdir()) == ["secret_key"]  # nothing left aside
