"""programs2: a campaign can be closed (status, who and when, a note)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 09:10:00

A closed campaign plans no more tasks and takes no more targets; its progress and report stay readable.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import inspection.types

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('campaign') as batch:
        batch.add_column(sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False,
                                   server_default='open'))
        batch.add_column(sa.Column('closed_by', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('closed_at', inspection.types.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('close_note', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                   server_default=''))
        batch.create_foreign_key(op.f('fk_campaign_closed_by_app_user'), 'app_user', ['closed_by'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('campaign') as batch:
        batch.drop_constraint(op.f('fk_campaign_closed_by_app_user'), type_='foreignkey')
        batch.drop_column('close_note')
        batch.drop_column('closed_at')
        batch.drop_column('closed_by')
        batch.drop_column('status')
