"""records: each department's part of a visit has its own 现场检查记录 number

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 14:00:00

Each part is numbered in its own department's sequence at its first submission; visits numbered once as a
whole (``visit.record_number``) keep their number and print as before.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('visit_department') as batch:
        batch.add_column(sa.Column('record_number', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('visit_department') as batch:
        batch.drop_column('record_number')
