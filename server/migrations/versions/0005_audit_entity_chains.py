"""audit: one hash chain per entity, and anchors

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 20:45:00

Events written from now on link to the previous event of their own entity (``entity_chain`` true), so audited
writes to different entities no longer queue on one lock. Events already written keep the one global chain they
were written in (``entity_chain`` false) and are verified as such. ``audit_anchor`` keeps the checkpoints whose
signed copies go to a file outside the database (``inspection.audit.anchor``).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import inspection.types

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('event') as batch:
        batch.add_column(sa.Column('entity_chain', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'audit_anchor',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('max_event_id', sa.Integer(), nullable=False),
        sa.Column('events', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('at', inspection.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_anchor')),
    )


def downgrade() -> None:
    op.drop_table('audit_anchor')
    with op.batch_alter_table('event') as batch:
        batch.drop_column('entity_chain')
