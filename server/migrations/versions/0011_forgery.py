"""forgery: perceptual hashes of photos, flags on rectification evidence

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 21:20:00

``photo_hash`` holds nineteen perceptual hashes a photo (``inspection.photos.likeness``) with their four 16-bit bands
indexed, for the multi-index lookup of after-photos that repeat an earlier photo. Photos uploaded before this
revision have no hashes (they are neither checked against nor found). ``evidence.flags`` holds what the reviewer
should look at.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'photo_hash',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('photo_id', sa.Integer(), nullable=False),
        sa.Column('window', sa.Integer(), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.Column('band0', sa.Integer(), nullable=False),
        sa.Column('band1', sa.Integer(), nullable=False),
        sa.Column('band2', sa.Integer(), nullable=False),
        sa.Column('band3', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['photo_id'], ['photo.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('photo_id', 'window'),
    )
    for band in range(4):
        op.create_index(op.f(f'ix_photo_hash_band{band}'), 'photo_hash', [f'band{band}'], unique=False)
    with op.batch_alter_table('evidence') as batch:
        batch.add_column(sa.Column('flags', sa.JSON(), server_default='[]', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('evidence') as batch:
        batch.drop_column('flags')
    for band in range(4):
        op.drop_index(op.f(f'ix_photo_hash_band{band}'), table_name='photo_hash')
    op.drop_table('photo_hash')
