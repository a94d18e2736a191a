"""inbox and SMS: per-user inbox items fed by the outbox, SMS messages with their delivery status, department heads

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 08:00:00

``inbox_item`` is one outbox event as one user sees it (read or not); ``sms_message`` is one text message to one
phone with its delivery status; ``app_user.department_head`` marks the heads the escalation ladder reaches.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import inspection.types

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('app_user') as batch:
        batch.add_column(sa.Column('department_head', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        'inbox_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('outbox_id', sa.Integer(), nullable=False),
        sa.Column('event_type', sa.String(length=48), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.String(length=1000), nullable=False),
        sa.Column('hazard_id', sa.Integer(), nullable=True),
        sa.Column('link', sa.String(length=200), nullable=False),
        sa.Column('created_at', inspection.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('read_at', inspection.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_inbox_item_user_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_item')),
        sa.UniqueConstraint('user_id', 'outbox_id', name=op.f('uq_inbox_item_user_id_outbox_id')),
    )
    op.create_index('ix_inbox_item_user_unread', 'inbox_item', ['user_id', 'read_at', 'id'], unique=False)
    op.create_table(
        'sms_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('inbox_item_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('phone', sa.String(length=32), nullable=False),
        sa.Column('text', sa.String(length=500), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('provider_id', sa.String(length=128), nullable=False),
        sa.Column('last_error', sa.String(length=500), nullable=False),
        sa.Column('next_attempt_at', inspection.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('created_at', inspection.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('sent_at', inspection.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['inbox_item_id'], ['inbox_item.id'],
                                name=op.f('fk_sms_message_inbox_item_id_inbox_item')),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_sms_message_user_id_app_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_message')),
        sa.UniqueConstraint('inbox_item_id', name=op.f('uq_sms_message_inbox_item_id')),
    )
    op.create_index(op.f('ix_sms_message_status'), 'sms_message', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_sms_message_status'), table_name='sms_message')
    op.drop_table('sms_message')
    op.drop_index('ix_inbox_item_user_unread', table_name='inbox_item')
    op.drop_table('inbox_item')
    with op.batch_alter_table('app_user') as batch:
        batch.drop_column('department_head')
