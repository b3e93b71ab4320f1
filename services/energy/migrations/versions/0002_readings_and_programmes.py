"""readings imports targets fleet programmes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa
import services.kit.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('energy_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=True),
    sa.Column('rows_total', sa.Integer(), nullable=False),
    sa.Column('rows_imported', sa.Integer(), nullable=False),
    sa.Column('rows_rejected', sa.Integer(), nullable=False),
    sa.Column('readings_created', sa.Integer(), nullable=False),
    sa.Column('readings_corrected', sa.Integer(), nullable=False),
    sa.Column('readings_unchanged', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('energy_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_energy_import_unit_code'), ['unit_code'], unique=False)

    op.create_table('fleet_fuel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('transaction_id', sa.Integer(), nullable=False),
    sa.Column('vehicle_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('fuel_type', sa.String(length=20), nullable=False),
    sa.Column('liters', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('kwh', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('amount_yuan', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('filled_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('transaction_id')
    )
    with op.batch_alter_table('fleet_fuel', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fleet_fuel_period'), ['period'], unique=False)
        batch_op.create_index(batch_op.f('ix_fleet_fuel_unit_code'), ['unit_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_fleet_fuel_vehicle_id'), ['vehicle_id'], unique=False)

    op.create_table('assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('total_score', sa.Integer(), nullable=False),
    sa.Column('must_pass_met', sa.Boolean(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('assessed_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_unit_code'), ['unit_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_year'), ['year'], unique=False)

    op.create_table('audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('audited_on', sa.Date(), nullable=False),
    sa.Column('auditor', sa.String(length=200), nullable=False),
    sa.Column('scope', sa.Text(), nullable=True),
    sa.Column('findings', sa.Text(), nullable=True),
    sa.Column('potential_saving_kgce', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('created_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_unit_code'), ['unit_code'], unique=False)

    op.create_table('demonstration_site',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('designated_on', sa.Date(), nullable=False),
    sa.Column('created_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('institution_id')
    )
    with op.batch_alter_table('demonstration_site', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_demonstration_site_unit_code'), ['unit_code'], unique=False)

    op.create_table('project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('scope', sa.Text(), nullable=True),
    sa.Column('energy_type', sa.String(length=20), nullable=True),
    sa.Column('investment_yuan', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('expected_saving_rate', sa.Numeric(precision=6, scale=4), nullable=False),
    sa.Column('unit_price_yuan', sa.Numeric(precision=10, scale=4), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('created_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_unit_code'), ['unit_code'], unique=False)

    op.create_table('reading',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('energy_type', sa.String(length=20), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=16, scale=3), nullable=False),
    sa.Column('unit', sa.String(length=8), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['energy_import.id'], ),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('institution_id', 'period', 'energy_type')
    )
    with op.batch_alter_table('reading', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reading_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reading_period'), ['period'], unique=False)
        batch_op.create_index(batch_op.f('ix_reading_unit_code'), ['unit_code'], unique=False)

    op.create_table('risk_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=40), nullable=False),
    sa.Column('at_risk', sa.Boolean(), nullable=False),
    sa.Column('projected', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('target', sa.Numeric(precision=14, scale=3), nullable=False),
    sa.Column('evaluated_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('institution_id', 'year', 'indicator')
    )
    with op.batch_alter_table('risk_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_flag_institution_id'), ['institution_id'], unique=False)

    op.create_table('target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('per_area_kgce_m2', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('per_person_kgce', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('water_per_person_m3', sa.Numeric(precision=12, scale=3), nullable=True),
    sa.Column('created_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('institution_id', 'year')
    )
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_target_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_target_unit_code'), ['unit_code'], unique=False)

    op.create_table('waste_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('weight_kg', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('created_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('institution_id', 'period', 'category')
    )
    with op.batch_alter_table('waste_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waste_record_institution_id'), ['institution_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_waste_record_period'), ['period'], unique=False)
        batch_op.create_index(batch_op.f('ix_waste_record_unit_code'), ['unit_code'], unique=False)

    op.create_table('reading_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reading_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=16, scale=3), nullable=False),
    sa.Column('unit', sa.String(length=8), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('recorded_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('replaced_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('replaced_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['energy_import.id'], ),
    sa.ForeignKeyConstraint(['reading_id'], ['reading.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reading_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reading_revision_reading_id'), ['reading_id'], unique=False)

    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group', sa.String(length=40), nullable=False, server_default='general'))

    


def downgrade() -> None:
    
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.drop_column('group')

    with op.batch_alter_table('reading_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reading_revision_reading_id'))

    op.drop_table('reading_revision')
    with op.batch_alter_table('waste_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waste_record_unit_code'))
        batch_op.drop_index(batch_op.f('ix_waste_record_period'))
        batch_op.drop_index(batch_op.f('ix_waste_record_institution_id'))

    op.drop_table('waste_record')
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_target_unit_code'))
        batch_op.drop_index(batch_op.f('ix_target_institution_id'))

    op.drop_table('target')
    with op.batch_alter_table('risk_flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_flag_institution_id'))

    op.drop_table('risk_flag')
    with op.batch_alter_table('reading', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reading_unit_code'))
        batch_op.drop_index(batch_op.f('ix_reading_period'))
        batch_op.drop_index(batch_op.f('ix_reading_institution_id'))

    op.drop_table('reading')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_unit_code'))
        batch_op.drop_index(batch_op.f('ix_project_institution_id'))

    op.drop_table('project')
    with op.batch_alter_table('demonstration_site', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_demonstration_site_unit_code'))

    op.drop_table('demonstration_site')
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_unit_code'))
        batch_op.drop_index(batch_op.f('ix_audit_institution_id'))

    op.drop_table('audit')
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_year'))
        batch_op.drop_index(batch_op.f('ix_assessment_unit_code'))
        batch_op.drop_index(batch_op.f('ix_assessment_institution_id'))

    op.drop_table('assessment')
    with op.batch_alter_table('fleet_fuel', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fleet_fuel_vehicle_id'))
        batch_op.drop_index(batch_op.f('ix_fleet_fuel_unit_code'))
        batch_op.drop_index(batch_op.f('ix_fleet_fuel_period'))

    op.drop_table('fleet_fuel')
    with op.batch_alter_table('energy_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_energy_import_unit_code'))

    op.drop_table('energy_import')
    
