"""statistics: stored due month and days to close, indexes whose leading columns are the GROUP BY

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 00:20:00

``hazard.due_month`` (the deadline's local month) and ``hazard.close_days`` (local calendar days from found to
closed), kept by ``hazards.models._keep_derived``, are filled in for the hazards there are. The found and due
indexes are rebuilt in the order the statistics group by, and two partial covering indexes are added (closed
hazards by month and days to close; the few repeats), and one on the deadline for the overdue list's order.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIMENSIONS = ['street', 'department_id', 'kind', 'item_code', 'risk_class', 'industry']
FLAGS = ['status', 'level', 'fixed_on_spot', 'suspected_false_rectification']
OLD_DUE = ['due_at', 'closed_at', 'department_id', 'enterprise_id', 'street', 'industry', 'kind', 'item_code',
           'risk_class', 'id']
OLD_FOUND = ['found_month', 'street', 'found_at', 'status', 'level', 'department_id', 'enterprise_id', 'industry',
             'kind', 'item_code', 'risk_class', 'due_at', 'closed_at', 'fixed_on_spot', 'repeat_of_id',
             'suspected_false_rectification', 'id']

# Shanghai has kept UTC+8 since 1991: the local day number of a stored UTC instant, per dialect
BACKFILL = {
    'sqlite': "UPDATE hazard SET due_month = strftime('%Y-%m', due_at, '+8 hours'), "
              "close_days = CAST(julianday(closed_at, '+8 hours') + 0.5 AS INTEGER) "
              "- CAST(julianday(found_at, '+8 hours') + 0.5 AS INTEGER)",
    'postgresql': "UPDATE hazard SET due_month = to_char(due_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), "
                  "close_days = (closed_at AT TIME ZONE 'Asia/Shanghai')::date "
                  "- (found_at AT TIME ZONE 'Asia/Shanghai')::date",
}


def _partial(condition: str) -> dict[str, sa.TextClause]:
    return {'sqlite_where': sa.text(condition), 'postgresql_where': sa.text(condition)}


def upgrade() -> None:
    with op.batch_alter_table('hazard') as batch_op:
        batch_op.add_column(sa.Column('due_month', sa.String(length=7), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('close_days', sa.Integer(), nullable=True))
    with op.batch_alter_table('hazard') as batch_op:
        batch_op.alter_column('due_month', server_default=None)
    op.execute(BACKFILL[op.get_bind().dialect.name])  # close_days stays NULL where closed_at is
    op.drop_index('ix_hazard_stats_found', table_name='hazard')
    op.drop_index('ix_hazard_stats_due', table_name='hazard')
    op.create_index('ix_hazard_stats_found', 'hazard',
                    ['found_month', *FLAGS, *DIMENSIONS, 'due_at', 'found_at', 'enterprise_id'])
    op.create_index('ix_hazard_stats_days', 'hazard',
                    ['found_month', 'close_days', *DIMENSIONS, 'found_at', 'enterprise_id'],
                    **_partial('close_days IS NOT NULL'))
    op.create_index('ix_hazard_stats_repeat', 'hazard', ['found_month', *DIMENSIONS, 'found_at', 'enterprise_id'],
                    **_partial('repeat_of_id IS NOT NULL'))
    op.create_index('ix_hazard_stats_due', 'hazard', ['due_month', *DIMENSIONS, 'due_at', 'closed_at', 'enterprise_id'])
    op.create_index('ix_hazard_due_at_closed_at', 'hazard', ['due_at', 'closed_at'])  # the overdue list's order


def downgrade() -> None:
    op.drop_index('ix_hazard_due_at_closed_at', table_name='hazard')
    op.drop_index('ix_hazard_stats_due', table_name='hazard')
    op.create_index('ix_hazard_stats_due', 'hazard', OLD_DUE)
    op.drop_index('ix_hazard_stats_repeat', table_name='hazard')
    op.drop_index('ix_hazard_stats_days', table_name='hazard')
    op.drop_index('ix_hazard_stats_found', table_name='hazard')
    op.create_index('ix_hazard_stats_found', 'hazard', OLD_FOUND)
    with op.batch_alter_table('hazard') as batch_op:
        batch_op.drop_column('close_days')
        batch_op.drop_column('due_month')
