"""Threads serving requests per process: four on either database unless set
(server/settings.py; measured in tests/bench/README.md, "Threads per process")."""

import anyio.to_thread
from fastapi.testclient import TestClient

from server.app import create_app
from server.settings import WORKER_THREADS, Settings

SECRET = "test-secret-0123456789-0123456789-0123"


def test_the_default_is_four_threads_and_a_setting_wins() -> None:
    sqlite = Settings(database_url="sqlite:///x.db", secret_key=SECRET)
    postgres = Settings(database_url="postgresql+psycopg://u@h/db", secret_key=SECRET)
    assert sqlite.threads_per_process() == WORKER_THREADS == 4
    assert postgres.threads_per_process() == WORKER_THREADS  # PostgreSQL too, since its stall's cause is gone
    assert Settings(database_url="sqlite:///x.db", secret_key=SECRET, worker_threads=0).threads_per_process() == 0
    assert Settings(database_url="postgresql+psycopg://u@h/db", secret_key=SECRET,
                    worker_threads=2).threads_per_process() == 2


def test_the_app_serves_with_that_many_threads() -> None:
    from server.settings import get_settings

    expected = get_settings().threads_per_process() or 40
    app = create_app()

    @app.get("/_threads")
    async def threads() -> int:
        return int(anyio.to_thread.current_default_thread_limiter().total_tokens)

    with TestClient(app) as client:
        assert client.get("/_threads").json() == expected
