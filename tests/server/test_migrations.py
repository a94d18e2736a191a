from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from server.migrate import include_object


def test_models_and_migrations_agree(engine):
    """Autogenerate against the migrated test database finds nothing to do."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_0002_fills_in_due_month_and_days_to_close_for_existing_hazards(engine, session, world):
    """A database migrated before 0002 gets the stored local months and days of the hazards it already has."""
    from sqlalchemy import text

    from server import migrate
    from tests.hazards.stats_dataset import make_hazard

    # found 10 June 23:30 Shanghai, closed 12 June 00:10 Shanghai (11 June in UTC), due 30 June 23:59:59
    closed = make_hazard(session, world.enterprise_a, world.safety, "DUST-01", found="2026-06-10 23:30",
                         due="2026-06-30", closed="2026-06-12 00:10")
    still_open = make_hazard(session, world.enterprise_a, world.safety, "DUST-02", found="2026-06-10 10:00",
                             due="2026-07-01")
    session.commit()
    try:
        migrate.downgrade(engine=engine, revision="0001")
        migrate.upgrade(engine=engine)
    finally:
        migrate.upgrade(engine=engine)  # the rest of the suite needs head whatever happened
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT id, due_month || '/' || coalesce(close_days, -1) FROM hazard")).all())
    assert rows == {closed.id: "2026-06/2", still_open.id: "2026-07/-1"}
