"""Alembic environment: the schema is created only by these migrations."""

from alembic import context
from sqlalchemy import Connection, engine_from_config, pool
from sqlmodel import SQLModel

import hazards.campaigns.models  # noqa: F401
import hazards.coverage.insurance_models  # noqa: F401
import hazards.leasing.models  # noqa: F401
import hazards.linkage.models  # noqa: F401
import hazards.models  # noqa: F401
import hazards.notify.models  # noqa: F401
import hazards.rules.models  # noqa: F401
import hazards.signoff.models  # noqa: F401
import inspection.grid.models  # noqa: F401
import inspection.models  # noqa: F401
from server.migrate import include_object, render_item

config = context.config
target_metadata = SQLModel.metadata

def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
        render_item=render_item,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                poolclass=pool.NullPool)
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
