"""sites: tenancies with dates and units, visits limited to a set of items, lease applications (先验后批)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 08:00:00

``plant_site_tenant`` becomes a tenancy: a unit (building, floor, room), a start date (the old ``since_date``; where
it was empty, the day the site was registered), an end date (null: open-ended) and who ended it and why. The
unique (site, enterprise) pair goes: a tenant may rent several units, and again after a lease ended; overlapping
tenancies of one tenant in one unit are refused by the service. ``visit.item_codes`` limits a visit to a set of
checklist items (the pre-lease inspection). ``lease_application`` holds the 先验后批 program.
"""
from collections.abc import Sequence
from datetime import UTC, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHANGHAI = timedelta(hours=8)  # no daylight saving in China


def upgrade() -> None:
    with op.batch_alter_table('plant_site_tenant') as batch:
        batch.drop_constraint('uq_plant_site_tenant_site_id_enterprise_id', type_='unique')
        batch.alter_column('since_date', new_column_name='start_date')
        batch.add_column(sa.Column('unit', sa.String(length=64), server_default='', nullable=False))
        batch.add_column(sa.Column('end_date', sa.Date(), nullable=True))
        batch.add_column(sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('ended_by', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('end_reason', sa.String(length=200), server_default='', nullable=False))
        batch.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key('fk_plant_site_tenant_ended_by_app_user', 'app_user', ['ended_by'], ['id'])
    sites = sa.table('plant_site', sa.column('id', sa.Integer()), sa.column('created_at', sa.DateTime(timezone=True)))
    tenancies = sa.table('plant_site_tenant', sa.column('site_id', sa.Integer()), sa.column('start_date', sa.Date()),
                         sa.column('created_at', sa.DateTime(timezone=True)))
    registered = sa.select(sites.c.created_at).where(sites.c.id == tenancies.c.site_id).scalar_subquery()
    op.execute(tenancies.update().values(created_at=registered))
    bind = op.get_bind()
    for site_id, created_at in bind.execute(sa.select(sites.c.id, sites.c.created_at)).all():
        # the day the site was registered, in Shanghai (created_at is UTC; SQLite hands back naive values)
        if created_at is not None:
            utc = created_at.replace(tzinfo=None) if created_at.tzinfo is None else \
                created_at.astimezone(UTC).replace(tzinfo=None)
            day = (utc + SHANGHAI).date()
            bind.execute(tenancies.update().where(tenancies.c.site_id == site_id, tenancies.c.start_date.is_(None))
                         .values(start_date=day))
    with op.batch_alter_table('plant_site_tenant') as batch:
        batch.alter_column('start_date', existing_type=sa.Date(), nullable=False)
        batch.alter_column('created_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.create_index('ix_plant_site_tenant_site_id_enterprise_id', ['site_id', 'enterprise_id'], unique=False)

    with op.batch_alter_table('visit') as batch:
        batch.add_column(sa.Column('item_codes', sa.JSON(), nullable=True))

    op.create_table(
        'lease_application',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('lessor_id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('unit', sa.String(length=64), nullable=False),
        sa.Column('area_m2', sa.Float(), nullable=False),
        sa.Column('intended_use', sa.String(length=200), nullable=False),
        sa.Column('term_start', sa.Date(), nullable=False),
        sa.Column('term_end', sa.Date(), nullable=True),
        sa.Column('combustible_dust', sa.Boolean(), nullable=False),
        sa.Column('gas', sa.Boolean(), nullable=False),
        sa.Column('hazardous_chemicals', sa.Boolean(), nullable=False),
        sa.Column('dormitories', sa.Boolean(), nullable=False),
        sa.Column('building_frame', sa.Boolean(), nullable=False),
        sa.Column('building_storeys', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('visit_id', sa.Integer(), nullable=True),
        sa.Column('approver_kind', sa.String(length=16), nullable=False),
        sa.Column('approver_name', sa.String(length=128), nullable=False),
        sa.Column('conditions', sa.JSON(), nullable=False),
        sa.Column('reasons', sa.JSON(), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('tenancy_id', sa.Integer(), nullable=True),
        sa.Column('filed_by', sa.Integer(), nullable=False),
        sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['site_id'], ['plant_site.id'], name=op.f('fk_lease_application_site_id_plant_site')),
        sa.ForeignKeyConstraint(['lessor_id'], ['enterprise.id'],
                                name=op.f('fk_lease_application_lessor_id_enterprise')),
        sa.ForeignKeyConstraint(['tenant_id'], ['enterprise.id'],
                                name=op.f('fk_lease_application_tenant_id_enterprise')),
        sa.ForeignKeyConstraint(['visit_id'], ['visit.id'], name=op.f('fk_lease_application_visit_id_visit')),
        sa.ForeignKeyConstraint(['decided_by'], ['app_user.id'],
                                name=op.f('fk_lease_application_decided_by_app_user')),
        sa.ForeignKeyConstraint(['filed_by'], ['app_user.id'], name=op.f('fk_lease_application_filed_by_app_user')),
        sa.ForeignKeyConstraint(['tenancy_id'], ['plant_site_tenant.id'],
                                name=op.f('fk_lease_application_tenancy_id_plant_site_tenant')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lease_application')),
    )
    with op.batch_alter_table('lease_application') as batch:
        batch.create_index('ix_lease_application_site_id', ['site_id'], unique=False)
        batch.create_index('ix_lease_application_lessor_id', ['lessor_id'], unique=False)
        batch.create_index('ix_lease_application_tenant_id', ['tenant_id'], unique=False)
        batch.create_index('ix_lease_application_status', ['status'], unique=False)


def downgrade() -> None:
    op.drop_table('lease_application')
    with op.batch_alter_table('visit') as batch:
        batch.drop_column('item_codes')
    with op.batch_alter_table('plant_site_tenant') as batch:
        batch.drop_index('ix_plant_site_tenant_site_id_enterprise_id')
        batch.drop_constraint('fk_plant_site_tenant_ended_by_app_user', type_='foreignkey')
        for column in ('created_at', 'end_reason', 'ended_by', 'ended_at', 'end_date', 'unit'):
            batch.drop_column(column)
        batch.alter_column('start_date', new_column_name='since_date', existing_type=sa.Date(), nullable=True)
    # several tenancies of one tenant in one site would break the old unique pair: keep the newest only
    op.execute('DELETE FROM plant_site_tenant WHERE id NOT IN '
               '(SELECT MAX(id) FROM plant_site_tenant GROUP BY site_id, enterprise_id)')
    with op.batch_alter_table('plant_site_tenant') as batch:
        batch.create_unique_constraint('uq_plant_site_tenant_site_id_enterprise_id', ['site_id', 'enterprise_id'])

