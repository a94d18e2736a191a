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
