"""hardening: a client key on visits, trailing bytes of photos, login throttles per username and client

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 20:40:00

``visit.client_uuid`` makes ``POST /visits`` idempotent (the phone's queue retries after a 503).
``photo.trailing_bytes`` records data appended after an image's end (motion photos, polyglots); null for
photos uploaded before it was measured. ``login_throttle.username`` becomes a throttle key, long enough for a
username and a client address.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('visit') as batch:
        batch.add_column(sa.Column('client_uuid', sa.String(length=36), nullable=True))
        batch.create_unique_constraint('uq_visit_client_uuid', ['client_uuid'])
    with op.batch_alter_table('photo') as batch:
        batch.add_column(sa.Column('trailing_bytes', sa.Integer(), nullable=True))
    with op.batch_alter_table('login_throttle') as batch:
        batch.alter_column('username', existing_type=sa.String(length=64), type_=sa.String(length=160),
                           existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('login_throttle') as batch:
        batch.alter_column('username', existing_type=sa.String(length=160), type_=sa.String(length=64),
                           existing_nullable=False)
    with op.batch_alter_table('photo') as batch:
        batch.drop_column('trailing_bytes')
    with op.batch_alter_table('visit') as batch:
        batch.drop_constraint('uq_visit_client_uuid', type_='unique')
        batch.drop_column('client_uuid')
