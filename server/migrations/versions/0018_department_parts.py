"""department parts: each department of a joint visit submits its own part, or withdraws it with a reason

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 08:00:00

``submission.department_id`` names the department whose part a submission is (null: a submission from before
parts, which covered the whole visit); versions count per part, so the unique key becomes (visit, department,
version). ``visit_department`` records when its part was submitted or withdrawn (with the reason). Visits
already submitted get every department's part marked submitted at the visit's submission time.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import inspection.types

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('submission') as batch:
        batch.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f('fk_submission_department_id_department'), 'department',
                                 ['department_id'], ['id'])
        batch.drop_constraint(batch.f('uq_submission_visit_id_version'), type_='unique')
        batch.create_unique_constraint(batch.f('uq_submission_visit_id_department_id_version'),
                                       ['visit_id', 'department_id', 'version'])
    with op.batch_alter_table('visit_department') as batch:
        batch.add_column(sa.Column('submitted_at', inspection.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('withdrawn_at', inspection.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('withdrawn_reason', sa.String(length=500), server_default='', nullable=False))
    op.execute("UPDATE visit_department SET submitted_at = (SELECT visit.submitted_at FROM visit "
               "WHERE visit.id = visit_department.visit_id) "
               "WHERE visit_id IN (SELECT id FROM visit WHERE status = 'submitted')")


def downgrade() -> None:
    with op.batch_alter_table('visit_department') as batch:
        batch.drop_column('withdrawn_reason')
        batch.drop_column('withdrawn_at')
        batch.drop_column('submitted_at')
    with op.batch_alter_table('submission') as batch:
        batch.drop_constraint(batch.f('uq_submission_visit_id_department_id_version'), type_='unique')
        batch.create_unique_constraint(batch.f('uq_submission_visit_id_version'), ['visit_id', 'version'])
        batch.drop_constraint(batch.f('fk_submission_department_id_department'), type_='foreignkey')
        batch.drop_column('department_id')
