"""statistics: month tallies by item, by industry and risk class, and by item and street

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 14:00:00

``hazard_item_tally``, ``hazard_industry_tally`` and ``hazard_item_street_tally`` (``hazards.models.TALLIES``)
count the hazards as ``hazard_tally`` does, by other keys, so item-, industry- and risk-class-level statistics
read a few rows a month instead of every hazard. Created and filled in from the hazards there are, as
``hazards.stats.tally.rebuild`` does (written out here: a migration stays as it was).
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FLAGS = ("CASE WHEN status = 'closed' THEN 1 ELSE 0 END + CASE WHEN level = 'major' THEN 2 ELSE 0 END "
         "+ CASE WHEN fixed_on_spot THEN 4 ELSE 0 END + CASE WHEN suspected_false_rectification THEN 8 ELSE 0 END")
ON_TIME = "CASE WHEN closed_at <= due_at THEN 1 ELSE 0 END"
COHORTS = {'found': ('found_month', FLAGS, ''), 'due': ('due_month', ON_TIME, ''),
           'days': ('found_month', 'close_days', ' AND close_days IS NOT NULL')}
# table -> (its key columns besides the month, their types, the cohorts it keeps)
TALLIES = {
    'hazard_item_tally': ({'item_code': 16, 'department_id': None, 'kind': 8}, ('found', 'due', 'days')),
    'hazard_industry_tally': ({'industry': 32, 'risk_class': 1, 'department_id': None, 'kind': 8},
                              ('found', 'due', 'days')),
    'hazard_item_street_tally': ({'item_code': 16, 'street': 64, 'department_id': None, 'kind': 8},
                                 ('found', 'due', 'days')),
}


def _fill(table: str, key: list[str], cohorts: Sequence[str]) -> str:
    columns = ', '.join(key)
    counted = []
    for cohort in cohorts:
        month, bucket, condition = COHORTS[cohort]
        counted.append(f"SELECT '{cohort}', month, {columns}, bucket, count(*) FROM "
                       f"(SELECT {month} AS month, {columns}, {bucket} AS bucket FROM hazard "
                       f"WHERE NOT voided{condition}) AS counted_{cohort} GROUP BY month, {columns}, bucket")
    return f"INSERT INTO {table} (cohort, month, {columns}, bucket, n) " + " UNION ALL ".join(counted)


def upgrade() -> None:
    for table, (key, cohorts) in TALLIES.items():
        op.create_table(
            table,
            sa.Column('id', sa.Integer(), nullable=False),
            sa.Column('cohort', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
            sa.Column('month', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
            *[sa.Column(name, sa.Integer() if length is None else sqlmodel.sql.sqltypes.AutoString(length=length),
                        nullable=False) for name, length in key.items()],
            sa.Column('bucket', sa.Integer(), nullable=False),
            sa.Column('n', sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint('id'),
        )
        op.create_index(f'ix_{table}_key', table, ['cohort', 'month', *key, 'bucket', 'n'])
        op.execute(_fill(table, list(key), cohorts))


def downgrade() -> None:
    for table in reversed(TALLIES):
        op.drop_index(f'ix_{table}_key', table_name=table)
        op.drop_table(table)
