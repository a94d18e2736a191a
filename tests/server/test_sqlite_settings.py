"""The settings every SQLite connection of the app gets (server/db.py)."""

from sqlalchemy import text

from server import db


def test_sqlite_connections_get_the_apps_settings_including_a_sort_helper_thread(tmp_path):
    # the helper thread is a build option of SQLite as well as a pragma: where the build has none, the
    # pragma reads 0 and the statistics' large sorts lose the speed tests/bench/README.md reports
    engine = db.make_engine(f"sqlite:///{tmp_path / 'settings.db'}")
    with engine.connect() as conn:
        settings = {name: conn.execute(text(f"PRAGMA {name}")).scalar()
                    for name in ("journal_mode", "synchronous", "foreign_keys", "threads")}
    assert settings == {"journal_mode": "wal", "synchronous": 1, "foreign_keys": 1,
                        "threads": db.SORT_HELPER_THREADS}
    assert db.SORT_HELPER_THREADS >= 1
    engine.dispose()
