"""statistics: the month tally, hazards marked voided, and an index of the hazards not closed

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 01:30:00

``hazard.voided`` (closed by a void move) is set from the audit trail's ``hazard.void`` events. ``hazard_tally``
(``hazards.models.HazardTally``) is created and filled in from the hazards there are, as
``hazards.tally.rebuild`` does (written out here: a migration stays as it was). ``ix_hazard_stats_open``
covers the hazards not closed, for overdue counts over the months read from the tally. The repeat index gains
the id, so PostgreSQL leaves voided repeats out without reading the table.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MARK_VOIDED = ("UPDATE hazard SET voided = TRUE WHERE id IN "
               "(SELECT entity_id FROM event WHERE entity = 'hazard' AND action = 'hazard.void')")
FLAGS = ("CASE WHEN status = 'closed' THEN 1 ELSE 0 END + CASE WHEN level = 'major' THEN 2 ELSE 0 END "
         "+ CASE WHEN fixed_on_spot THEN 4 ELSE 0 END + CASE WHEN suspected_false_rectification THEN 8 ELSE 0 END")
ON_TIME = "CASE WHEN closed_at <= due_at THEN 1 ELSE 0 END"


def _counted(cohort: str, month: str, bucket: str, condition: str = "") -> str:
    return (f"SELECT '{cohort}', month, street, department_id, kind, bucket, count(*) FROM "
            f"(SELECT {month} AS month, street, department_id, kind, {bucket} AS bucket FROM hazard "
            f"WHERE NOT voided{condition}) AS counted_{cohort} GROUP BY month, street, department_id, kind, bucket")


FILL_TALLY = ("INSERT INTO hazard_tally (cohort, month, street, department_id, kind, bucket, n) "
              + " UNION ALL ".join([_counted('found', 'found_month', FLAGS), _counted('due', 'due_month', ON_TIME),
                                    _counted('days', 'found_month', 'close_days', ' AND close_days IS NOT NULL')]))
NOT_CLOSED = "status <> 'closed'"
REPEAT = ['found_month', 'street', 'department_id', 'kind', 'item_code', 'risk_class', 'industry', 'found_at',
          'enterprise_id']


def upgrade() -> None:
    with op.batch_alter_table('hazard') as batch_op:  # an ALTER TABLE ADD COLUMN, no copy of the table
        batch_op.add_column(sa.Column('voided', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(MARK_VOIDED)
    op.create_table(
        'hazard_tally',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort', sa.String(length=8), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('street', sa.String(length=64), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('bucket', sa.Integer(), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_hazard_tally_key', 'hazard_tally',
                    ['cohort', 'month', 'street', 'department_id', 'kind', 'bucket', 'n'])
    op.execute(FILL_TALLY)
    op.create_index('ix_hazard_stats_open', 'hazard', ['found_month', 'street', 'department_id', 'kind', 'status',
                                                       'due_at'],
                    sqlite_where=sa.text(NOT_CLOSED), postgresql_where=sa.text(NOT_CLOSED))
    _repeat_index([*REPEAT, 'id'])


def _repeat_index(columns: list[str]) -> None:
    op.drop_index('ix_hazard_stats_repeat', table_name='hazard')
    op.create_index('ix_hazard_stats_repeat', 'hazard', columns, sqlite_where=sa.text('repeat_of_id IS NOT NULL'),
                    postgresql_where=sa.text('repeat_of_id IS NOT NULL'))


def downgrade() -> None:
    _repeat_index(REPEAT)
    op.drop_index('ix_hazard_stats_open', table_name='hazard')
    op.drop_index('ix_hazard_tally_key', table_name='hazard_tally')
    op.drop_table('hazard_tally')
    with op.batch_alter_table('hazard') as batch_op:
        batch_op.drop_column('voided')
