"""referral: findings referred (移送) to the department that enforces their item

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 08:00:00

A department's visit or a grid worker's check may find a matter another department enforces; ``referral`` records
it and points at the REFERRAL task planned for the receiving department (``inspection.planning.referrals``).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import inspection.types

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'referral',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('plant_site_id', sa.Integer(), nullable=True),
        sa.Column('item_code', sa.String(length=16), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('to_department_id', sa.Integer(), nullable=False),
        sa.Column('from_department_id', sa.Integer(), nullable=True),
        sa.Column('origin', sa.String(length=16), nullable=False),
        sa.Column('visit_id', sa.Integer(), nullable=True),
        sa.Column('result_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.String(), nullable=False),
        sa.Column('photo_ids', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('status_reason', sa.String(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=True),
        sa.Column('referred_by', sa.Integer(), nullable=True),
        sa.Column('created_at', inspection.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', inspection.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_referral_enterprise_id_enterprise')),
        sa.ForeignKeyConstraint(['plant_site_id'], ['plant_site.id'], name=op.f('fk_referral_plant_site_id_plant_site')),
        sa.ForeignKeyConstraint(['to_department_id'], ['department.id'],
                                name=op.f('fk_referral_to_department_id_department')),
        sa.ForeignKeyConstraint(['from_department_id'], ['department.id'],
                                name=op.f('fk_referral_from_department_id_department')),
        sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_referral_visit_id_visit')),
        sa.ForeignKeyConstraint(['result_id'], ['result.id'], name=op.f('fk_referral_result_id_result')),
        sa.ForeignKeyConstraint(['task_id'], ['inspection_task.id'], name=op.f('fk_referral_task_id_inspection_task')),
        sa.ForeignKeyConstraint(['referred_by'], ['app_user.id'], name=op.f('fk_referral_referred_by_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_referral')),
    )
    op.create_index(op.f('ix_referral_enterprise_id'), 'referral', ['enterprise_id'], unique=False)
    op.create_index(op.f('ix_referral_to_department_id'), 'referral', ['to_department_id'], unique=False)
    op.create_index(op.f('ix_referral_visit_id'), 'referral', ['visit_id'], unique=False)
    op.create_index(op.f('ix_referral_status'), 'referral', ['status'], unique=False)
    op.create_index(op.f('ix_referral_task_id'), 'referral', ['task_id'], unique=False)


def downgrade() -> None:
    op.drop_table('referral')
