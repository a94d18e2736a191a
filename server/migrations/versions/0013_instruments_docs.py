"""instruments: the 现场检查记录's fields, signatures as their own capture, service (送达)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 08:00:00

``visit`` gains the record's number and the fields REFERENCE §G.7 asks (legal representative or person in
charge and phone, place inspected, end time, credentials shown, recusal explained), null on older visits.
``photo.purpose`` marks signature captures. ``document_signature`` holds every signature or refusal on an
instrument; ``service_consent`` the enterprise's consent to electronic service; ``service_receipt`` the
送达回执 of each served instrument.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import inspection.types

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def UTC() -> inspection.types.UTCDateTime:
    return inspection.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('visit') as batch:
        batch.add_column(sa.Column('record_number', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('ended_at', UTC(), nullable=True))
        batch.add_column(sa.Column('place_inspected', sa.String(length=255), nullable=True))
        batch.add_column(sa.Column('representative_name', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('representative_title', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('representative_phone', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('credentials_shown', sa.Boolean(), nullable=True))
        batch.add_column(sa.Column('recusal_explained', sa.Boolean(), nullable=True))
    with op.batch_alter_table('photo') as batch:
        batch.add_column(sa.Column('purpose', sa.String(length=16), nullable=True))
    op.create_table(
        'document_signature',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_kind', sa.String(length=16), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('party', sa.String(length=16), nullable=False),
        sa.Column('signer_user_id', sa.Integer(), nullable=True),
        sa.Column('signer_name', sa.String(length=64), nullable=False),
        sa.Column('photo_id', sa.Integer(), nullable=True),
        sa.Column('refused', sa.Boolean(), nullable=False),
        sa.Column('refusal_reason', sa.String(length=255), nullable=False),
        sa.Column('witness', sa.String(length=64), nullable=False),
        sa.Column('reason', sa.String(length=255), nullable=False),
        sa.Column('captured_by', sa.Integer(), nullable=False),
        sa.Column('captured_at', UTC(), nullable=False),
        sa.Column('superseded_at', UTC(), nullable=True),
        sa.ForeignKeyConstraint(['signer_user_id'], ['app_user.id']),
        sa.ForeignKeyConstraint(['photo_id'], ['photo.id']),
        sa.ForeignKeyConstraint(['captured_by'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_document_signature_document', 'document_signature', ['document_kind', 'document_id'])
    op.create_table(
        'service_consent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('signer_name', sa.String(length=64), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('address', sa.String(length=128), nullable=False),
        sa.Column('agreed_at', UTC(), nullable=False),
        sa.Column('document_photo_id', sa.Integer(), nullable=True),
        sa.Column('recorded_by', sa.Integer(), nullable=False),
        sa.Column('revoked_at', UTC(), nullable=True),
        sa.Column('created_at', UTC(), nullable=False),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id']),
        sa.ForeignKeyConstraint(['document_photo_id'], ['photo.id']),
        sa.ForeignKeyConstraint(['recorded_by'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_service_consent_enterprise_id'), 'service_consent', ['enterprise_id'])
    op.create_table(
        'service_receipt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_kind', sa.String(length=16), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('document_number', sa.String(length=64), nullable=False),
        sa.Column('document_title', sa.String(length=32), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('method', sa.String(length=16), nullable=False),
        sa.Column('recipient_name', sa.String(length=64), nullable=False),
        sa.Column('served_at', UTC(), nullable=False),
        sa.Column('place', sa.String(length=255), nullable=False),
        sa.Column('signature_photo_id', sa.Integer(), nullable=True),
        sa.Column('left_reason', sa.String(length=255), nullable=False),
        sa.Column('witnesses', sa.JSON(), nullable=False),
        sa.Column('consent_id', sa.Integer(), nullable=True),
        sa.Column('address', sa.String(length=128), nullable=False),
        sa.Column('recorded_by', sa.Integer(), nullable=False),
        sa.Column('created_at', UTC(), nullable=False),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id']),
        sa.ForeignKeyConstraint(['signature_photo_id'], ['photo.id']),
        sa.ForeignKeyConstraint(['consent_id'], ['service_consent.id']),
        sa.ForeignKeyConstraint(['recorded_by'], ['app_user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_service_receipt_document', 'service_receipt', ['document_kind', 'document_id'])
    op.create_index(op.f('ix_service_receipt_enterprise_id'), 'service_receipt', ['enterprise_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_service_receipt_enterprise_id'), table_name='service_receipt')
    op.drop_index('ix_service_receipt_document', table_name='service_receipt')
    op.drop_table('service_receipt')
    op.drop_index(op.f('ix_service_consent_enterprise_id'), table_name='service_consent')
    op.drop_table('service_consent')
    op.drop_index('ix_document_signature_document', table_name='document_signature')
    op.drop_table('document_signature')
    with op.batch_alter_table('photo') as batch:
        batch.drop_column('purpose')
    with op.batch_alter_table('visit') as batch:
        for column in ('recusal_explained', 'credentials_shown', 'representative_phone', 'representative_title',
                       'representative_name', 'place_inspected', 'ended_at', 'record_number'):
            batch.drop_column(column)
