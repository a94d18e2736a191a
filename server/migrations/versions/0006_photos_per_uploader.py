"""photos: a record per uploader and context; the same bytes may have several records

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 21:00:00

``photo.sha256`` is no longer unique: identical bytes uploaded by someone else, or for another visit, make a
record of their own (the file is still stored once, under its hash). An index on (sha256, uploaded_by) finds
an uploader's repeat of the same photo.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('photo') as batch:
        batch.drop_constraint('uq_photo_sha256', type_='unique')
        batch.create_index('ix_photo_sha256_uploaded_by', ['sha256', 'uploaded_by'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('photo') as batch:
        batch.drop_index('ix_photo_sha256_uploaded_by')
        batch.create_unique_constraint('uq_photo_sha256', ['sha256'])
