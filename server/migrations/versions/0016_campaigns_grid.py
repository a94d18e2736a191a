"""coverage: 专项行动 campaigns (targets, tasks); 安消一体化 grid workers and their checks

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 08:00:00

``campaign`` is a special campaign the office runs (period, checklist kinds, its 整治完成 rule as JSON);
``campaign_target`` its target enterprises; ``campaign_task`` links the ordinary inspection tasks planned for it.
``grid_worker`` attaches a grid worker (网格员, role ``grid``) to a street; ``grid_check`` and ``grid_check_result``
hold their advisory checks of small venues, each failed item naming the referrals made of it.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import inspection.types

revision: str = '0016'
down_revision: str | None = '0015'
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
    op.create_table(
        'grid_worker',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('street', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('created_at', inspection.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_grid_worker_user_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_worker')),
        sa.UniqueConstraint('user_id', name=op.f('uq_grid_worker_user_id')),
    )
    op.create_index(op.f('ix_grid_worker_street'), 'grid_worker', ['street'], unique=False)
    op.create_table(
        'grid_check',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_uuid', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('street', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('checklist_version', sa.Integer(), nullable=False),
        sa.Column('checked_by', sa.Integer(), nullable=False),
        sa.Column('checked_at', inspection.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('submitted_at', inspection.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(['checked_by'], ['app_user.id'], name=op.f('fk_grid_check_checked_by_app_user')),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_grid_check_enterprise_id_enterprise')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_check')),
        sa.UniqueConstraint('client_uuid', name=op.f('uq_grid_check_client_uuid')),
    )
    op.create_index(op.f('ix_grid_check_enterprise_id'), 'grid_check', ['enterprise_id'], unique=False)
    op.create_index(op.f('ix_grid_check_street_checked_at'), 'grid_check', ['street', 'checked_at'], unique=False)
    op.create_table(
        'grid_check_result',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('check_id', sa.Integer(), nullable=False),
        sa.Column('item_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('departments', sa.JSON(), nullable=False),
        sa.Column('referral_ids', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['check_id'], ['grid_check.id'], name=op.f('fk_grid_check_result_check_id_grid_check')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_check_result')),
    )
    op.create_index(op.f('ix_grid_check_result_check_id'), 'grid_check_result', ['check_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_grid_check_result_check_id'), table_name='grid_check_result')
    op.drop_table('grid_check_result')
    op.drop_index(op.f('ix_grid_check_street_checked_at'), table_name='grid_check')
    op.drop_index(op.f('ix_grid_check_enterprise_id'), table_name='grid_check')
    op.drop_table('grid_check')
    op.drop_index(op.f('ix_grid_worker_street'), table_name='grid_worker')
    op.drop_table('grid_worker')
    op.drop_index(op.f('ix_campaign_task_campaign_id'), table_name='campaign_task')
    op.drop_table('campaign_task')
    op.drop_index(op.f('ix_campaign_target_enterprise_id'), table_name='campaign_target')
    op.drop_index(op.f('ix_campaign_target_campaign_id'), table_name='campaign_target')
    op.drop_table('campaign_target')
    op.drop_table('campaign')
