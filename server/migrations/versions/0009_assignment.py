"""assignment: certificates expire, inspectors declare conflicts (回避)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 21:10:00

``app_user.cert_valid_to`` is the last valid day of an inspector's 执法证 (null: not recorded). ``recusal`` names
the enterprises an inspector must not inspect. Assigning inspectors to a task or a visit checks both.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import inspection.types

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('app_user') as batch:
        batch.add_column(sa.Column('cert_valid_to', sa.Date(), nullable=True))
    op.create_table(
        'recusal',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('declared_at', inspection.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_recusal_enterprise_id_enterprise')),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_recusal_user_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recusal')),
        sa.UniqueConstraint('user_id', 'enterprise_id', name=op.f('uq_recusal_user_id_enterprise_id')),
    )
    with op.batch_alter_table('recusal') as batch:
        batch.create_index(batch.f('ix_recusal_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_table('recusal')
    with op.batch_alter_table('app_user') as batch:
        batch.drop_column('cert_valid_to')
