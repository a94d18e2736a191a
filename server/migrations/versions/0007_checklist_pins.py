"""checklist pins: the checklist version each department of a visit asks, fixed when it joins the visit

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 21:00:00

``visit_department.checklist_versions`` is a JSON object ``{kind: version}``. A new checklist version (v2)
must not change what a visit in progress asks. Existing rows stay null: such a visit reads as the version
its current submission recorded, else version 1 (the only version there was).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('visit_department') as batch:
        batch.add_column(sa.Column('checklist_versions', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('visit_department') as batch:
        batch.drop_column('checklist_versions')
