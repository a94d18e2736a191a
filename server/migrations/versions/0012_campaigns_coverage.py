"""coverage: 专项行动 campaigns (targets, tasks)

Revision ID: 0012_coverage
Revises: 0011
Create Date: 2026-12-03 08:00:00

``campaign`` is a special campaign the office runs (period, checklist kinds, its 整治完成 rule as JSON);
``campaign_target`` its target enterprises; ``campaign_task`` links the ordinary inspection tasks planned for it.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import inspection.types

revision: str = '0012_coverage'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'campaign',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('end_date', sa.Date(), nullable=False),
        sa.Column('kinds', sa.JSON(), nullable=False),
        sa.Column('target_filter', sa.JSON(), nullable=True),
        sa.Column('rule', sa.JSON(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', inspection.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], name=op.f('fk_campaign_created_by_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign')),
    )
    op.create_table(
        'campaign_target',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('origin', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('added_at', inspection.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_target_campaign_id_campaign')),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'],
                                name=op.f('fk_campaign_target_enterprise_id_enterprise')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_target')),
        sa.UniqueConstraint('campaign_id', 'enterprise_id', name=op.f('uq_campaign_target_campaign_id_enterprise_id')),
    )
    op.create_index(op.f('ix_campaign_target_campaign_id'), 'campaign_target', ['campaign_id'], unique=False)
    op.create_index(op.f('ix_campaign_target_enterprise_id'), 'campaign_target', ['enterprise_id'], unique=False)
    op.create_table(
        'campaign_task',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_task_campaign_id_campaign')),
        sa.ForeignKeyConstraint(['task_id'], ['inspection_task.id'],
                                name=op.f('fk_campaign_task_task_id_inspection_task')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_task')),
        sa.UniqueConstraint('task_id', name=op.f('uq_campaign_task_task_id')),
    )
    op.create_index(op.f('ix_campaign_task_campaign_id'), 'campaign_task', ['campaign_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_campaign_task_campaign_id'), table_name='campaign_task')
    op.drop_table('campaign_task')
    op.drop_index(op.f('ix_campaign_target_enterprise_id'), table_name='campaign_target')
    op.drop_index(op.f('ix_campaign_target_campaign_id'), table_name='campaign_target')
    op.drop_table('campaign_target')
    op.drop_table('campaign')
