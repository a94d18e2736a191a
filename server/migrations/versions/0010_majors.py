"""majors: the 现场处理措施决定书, the plan's review, 挂牌督办, 恢复生产, 首违免罚 decisions kept as history

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 21:30:00

``onsite_decision`` is the 现场处理措施决定书 (withdrawal, suspension, stopping equipment) issued for major
hazards as a document of its own; ``penalty_ruling`` holds every decision on a 首违免罚 recommendation (a later one
replaces an earlier one with a reason, both kept; a confirmed exemption is a 不予行政处罚决定书). Hazards get the
department's review of the 治理方案 and the office's 挂牌督办; a 整改复查意见书 records the 恢复生产 decision.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import inspection.types

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'onsite_decision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('visit_id', sa.Integer(), nullable=True),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('serial', sa.Integer(), nullable=False),
        sa.Column('issued_at', inspection.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('inspector_ids', sa.JSON(), nullable=False),
        sa.Column('hazard_ids', sa.JSON(), nullable=False),
        sa.Column('measures', sa.JSON(), nullable=False),
        sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('production_stopped', sa.Boolean(), nullable=False),
        sa.Column('resumed_at', inspection.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('resumption_record_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['department_id'], ['department.id']),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id']),
        sa.ForeignKeyConstraint(['visit_id'], ['visit.id']),
        sa.ForeignKeyConstraint(['resumption_record_id'], ['rectification_order.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('department_id', 'year', 'serial'),
        sa.UniqueConstraint('number'),
    )
    op.create_index(op.f('ix_onsite_decision_department_id'), 'onsite_decision', ['department_id'])
    op.create_index(op.f('ix_onsite_decision_enterprise_id'), 'onsite_decision', ['enterprise_id'])
    op.create_table(
        'penalty_ruling',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hazard_id', sa.Integer(), nullable=False),
        sa.Column('exempt', sa.Boolean(), nullable=False),
        sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('supersedes_id', sa.Integer(), nullable=True),
        sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('inspector_ids', sa.JSON(), nullable=False),
        sa.Column('offence', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('list_version', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('decided_by', sa.Integer(), nullable=False),
        sa.Column('decided_at', inspection.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['hazard_id'], ['hazard.id']),
        sa.ForeignKeyConstraint(['supersedes_id'], ['penalty_ruling.id']),
        sa.ForeignKeyConstraint(['department_id'], ['department.id']),
        sa.ForeignKeyConstraint(['decided_by'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('number'),
    )
    op.create_index(op.f('ix_penalty_ruling_hazard_id'), 'penalty_ruling', ['hazard_id'])
    with op.batch_alter_table('hazard') as batch:
        batch.add_column(sa.Column('plan_status', sqlmodel.sql.sqltypes.AutoString(length=16), server_default='',
                                   nullable=False))
        batch.add_column(sa.Column('plan_reviewed_by', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('plan_reviewed_at', inspection.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('plan_review_note', sqlmodel.sql.sqltypes.AutoString(), server_default='',
                                   nullable=False))
        batch.add_column(sa.Column('supervised', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('supervisor', sqlmodel.sql.sqltypes.AutoString(length=64), server_default='',
                                   nullable=False))
        batch.add_column(sa.Column('supervision_due', sa.Date(), nullable=True))
        batch.add_column(sa.Column('supervised_at', inspection.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('rectification_order') as batch:
        batch.add_column(sa.Column('resumption', sa.JSON(), nullable=True))
    with op.batch_alter_table('penalty_decision') as batch:
        batch.add_column(sa.Column('offence', sqlmodel.sql.sqltypes.AutoString(), server_default='', nullable=False))
    # existing decisions become the first ruling of their hazard's history
    empty = "CAST('[]' AS JSON)" if op.get_bind().dialect.name == "postgresql" else "'[]'"
    op.execute("INSERT INTO penalty_ruling (hazard_id, exempt, decision, note, department_id, inspector_ids, offence, "
               "list_version, decided_by, decided_at) "
               "SELECT p.hazard_id, CASE WHEN p.decision = 'confirmed' THEN p.recommended_exempt "
               f"ELSE NOT p.recommended_exempt END, p.decision, p.note, h.department_id, {empty}, '', p.list_version, "
               "p.decided_by, p.decided_at FROM penalty_decision p JOIN hazard h ON h.id = p.hazard_id "
               "WHERE p.decision IN ('confirmed', 'overridden') AND p.decided_by IS NOT NULL "
               "AND p.decided_at IS NOT NULL")
    # plans already uploaded await the department's review
    op.execute("UPDATE hazard SET plan_status = 'submitted' WHERE plan_uploaded_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('penalty_decision') as batch:
        batch.drop_column('offence')
    with op.batch_alter_table('rectification_order') as batch:
        batch.drop_column('resumption')
    with op.batch_alter_table('hazard') as batch:
        for name in ('supervised_at', 'supervision_due', 'supervisor', 'supervised', 'plan_review_note',
                     'plan_reviewed_at', 'plan_reviewed_by', 'plan_status'):
            batch.drop_column(name)
    op.drop_index(op.f('ix_penalty_ruling_hazard_id'), table_name='penalty_ruling')
    op.drop_table('penalty_ruling')
    op.drop_index(op.f('ix_onsite_decision_enterprise_id'), table_name='onsite_decision')
    op.drop_index(op.f('ix_onsite_decision_department_id'), table_name='onsite_decision')
    op.drop_table('onsite_decision')
