"""periods: the loaded holiday calendar; voided hazards get their own status

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 21:00:00

``holiday_year`` holds the years of the State Council's holiday schedule that the office loaded with
``xuncha calendar load`` (the bundled file ``hazards/rules/data/holidays.json`` needs no table). Hazards voided by
a corrected visit were stored as ``closed``; they become ``voided``, with no closing time and no days to close,
so nothing reads them as closed.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import inspection.types

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'holiday_year',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('loaded_at', inspection.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('year'),
    )
    op.execute("UPDATE hazard SET status = 'voided', closed_at = NULL, close_days = NULL "
               "WHERE voided = true AND status = 'closed'")


def downgrade() -> None:
    # closed_at is not restored (the void event's time is in the audit trail)
    op.execute("UPDATE hazard SET status = 'closed' WHERE status = 'voided'")
    op.drop_table('holiday_year')
