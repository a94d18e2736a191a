"""statistics: the voided hazards' ids and the overdue list from indexes alone

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 18:00:00

``ix_hazard_voided``: the ids of the voided hazards (partial, ``WHERE voided``), which every statistic leaves out
(``hazards.stats.sql.voided_ids``); they were read from the ``hazard.void`` events, one scattered heap row each.
``ix_hazard_stats_overdue`` (closed_at, due_at, id, level) replaces ``ix_hazard_closed_at_due_at``: the overdue
count and the page's ids become index-only range scans (``hazards.stats.lists.overdue_statements``), and
``ix_hazard_stats_overdue_open`` (due_at, id, level; partial, ``WHERE closed_at IS NULL``) gives the still-open
ones in deadline order, so the page stops after its rows.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VOIDED = 'voided'  # as hazards.models.VOIDED_SQL: SQLite matches a query's condition to it literally
NOT_CLOSED = 'closed_at IS NULL'  # as hazards.models.NOT_CLOSED_AT_SQL


def upgrade() -> None:
    op.create_index('ix_hazard_voided', 'hazard', ['id', 'voided'], sqlite_where=sa.text(VOIDED),
                    postgresql_where=sa.text(VOIDED))
    op.create_index('ix_hazard_stats_overdue', 'hazard', ['closed_at', 'due_at', 'id', 'level'])
    op.create_index('ix_hazard_stats_overdue_open', 'hazard', ['due_at', 'id', 'level'],
                    sqlite_where=sa.text(NOT_CLOSED), postgresql_where=sa.text(NOT_CLOSED))
    op.drop_index('ix_hazard_closed_at_due_at', table_name='hazard')


def downgrade() -> None:
    op.create_index('ix_hazard_closed_at_due_at', 'hazard', ['closed_at', 'due_at'])
    op.drop_index('ix_hazard_stats_overdue_open', table_name='hazard')
    op.drop_index('ix_hazard_stats_overdue', table_name='hazard')
    op.drop_index('ix_hazard_voided', table_name='hazard')
