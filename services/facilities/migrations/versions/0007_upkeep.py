"""equipment upkeep (equipment, certificates, maintenance plans, work orders one per plan and due
date, meter readings, purchases), patrols (routes, checkpoints, schedules, patrols one per schedule
and start, scans, findings) and training
"""
import sqlalchemy as sa
from alembic import op

from services.kit.db import UtcDateTime

revision, down_revision, branch_labels, depends_on = "0007_upkeep", "0006_trail", None, None


def upgrade() -> None:
    op.create_table('training',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('topic', sa.String(length=300), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=1), nullable=False),
    sa.Column('trainer', sa.String(length=100), nullable=True),
    sa.Column('attendees', sa.JSON(), nullable=False),
    sa.Column('attendee_count', sa.Integer(), nullable=False),
    sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('training', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_held_on'), ['held_on'], unique=False)

    op.create_table('equipment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=True),
    sa.Column('maker', sa.String(length=200), nullable=True),
    sa.Column('model', sa.String(length=200), nullable=True),
    sa.Column('serial', sa.String(length=100), nullable=True),
    sa.Column('installed_on', sa.Date(), nullable=True),
    sa.Column('warranty_until_on', sa.Date(), nullable=True),
    sa.Column('explosive_site', sa.Boolean(), nullable=False),
    sa.Column('extinguisher_agent', sa.String(length=20), nullable=True),
    sa.Column('unit_code', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('retired_on', sa.Date(), nullable=True),
    sa.Column('run_hours', sa.Numeric(precision=12, scale=1), nullable=True),
    sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_unit_code'), ['unit_code'], unique=False)

    op.create_table('patrol_route',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('site', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=True),
    sa.Column('unit_code', sa.String(length=40), nullable=True),
    sa.Column('token', sa.String(length=40), nullable=False),
    sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['route_id'], ['patrol_route.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token')
    )
    with op.batch_alter_table('checkpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_checkpoint_route_id'), ['route_id'], unique=False)

    op.create_table('equipment_purchase',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('cost_yuan', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('purchased_on', sa.Date(), nullable=False),
    sa.Column('supplier', sa.String(length=200), nullable=True),
    sa.Column('equipment_id', sa.Integer(), nullable=True),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], ),
    sa.ForeignKeyConstraint(['equipment_id'], ['equipment.id'], ),
    sa.ForeignKeyConstraint(['replaces_id'], ['equipment.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('equipment_purchase', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_purchase_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_purchase_purchased_on'), ['purchased_on'], unique=False)

    op.create_table('maintenance_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('equipment_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('every_days', sa.Integer(), nullable=True),
    sa.Column('every_months', sa.Integer(), nullable=True),
    sa.Column('every_run_hours', sa.Integer(), nullable=True),
    sa.Column('checklist', sa.JSON(), nullable=False),
    sa.Column('issues_certificate', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('next_due_on', sa.Date(), nullable=True),
    sa.Column('last_done_on', sa.Date(), nullable=True),
    sa.Column('last_done_run_hours', sa.Numeric(precision=12, scale=1), nullable=True),
    sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['equipment_id'], ['equipment.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('maintenance_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_maintenance_plan_active'), ['active'], unique=False)
        batch_op.create_index(batch_op.f('ix_maintenance_plan_equipment_id'), ['equipment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_maintenance_plan_next_due_on'), ['next_due_on'], unique=False)

    op.create_table('meter_reading',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('equipment_id', sa.Integer(), nullable=False),
    sa.Column('read_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('read_on', sa.Date(), nullable=False),
    sa.Column('run_hours', sa.Numeric(precision=12, scale=1), nullable=False),
    sa.Column('reader', sa.String(length=100), nullable=False),
    sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['equipment_id'], ['equipment.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('meter_reading', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meter_reading_equipment_id'), ['equipment_id'], unique=False)

    op.create_table('patrol_schedule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=False),
    sa.Column('starts', sa.String(length=5), nullable=False),
    sa.Column('ends', sa.String(length=5), nullable=False),
    sa.Column('every_minutes', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['route_id'], ['patrol_route.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('patrol_schedule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_schedule_route_id'), ['route_id'], unique=False)

    op.create_table('patrol',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('slot_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('window_end_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('guard', sa.String(length=100), nullable=True),
    sa.Column('started_at', UtcDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', UtcDateTime(timezone=True), nullable=True),
    sa.Column('missed', sa.JSON(), nullable=False),
    sa.Column('flagged_at', UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['route_id'], ['patrol_route.id'], ),
    sa.ForeignKeyConstraint(['schedule_id'], ['patrol_schedule.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('schedule_id', 'slot_at', name='uq_patrol_schedule_slot')
    )
    with op.batch_alter_table('patrol', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_guard'), ['guard'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_route_id'), ['route_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_slot_at'), ['slot_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_window_end_at'), ['window_end_at'], unique=False)

    op.create_table('work_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('equipment_id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('technician', sa.String(length=100), nullable=True),
    sa.Column('assigned_at', UtcDateTime(timezone=True), nullable=True),
    sa.Column('started_at', UtcDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', UtcDateTime(timezone=True), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('run_hours', sa.Numeric(precision=12, scale=1), nullable=True),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('overdue_notified_at', UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], ),
    sa.ForeignKeyConstraint(['equipment_id'], ['equipment.id'], ),
    sa.ForeignKeyConstraint(['plan_id'], ['maintenance_plan.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_id', 'due_on', name='uq_work_order_plan_due')
    )
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_order_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_equipment_id'), ['equipment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_order_technician'), ['technician'], unique=False)

    op.create_table('certificate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('equipment_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('number', sa.String(length=100), nullable=True),
    sa.Column('issuer', sa.String(length=200), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=True),
    sa.Column('expiry_notified_at', UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['equipment_id'], ['equipment.id'], ),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_order.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_equipment_id'), ['equipment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_expires_on'), ['expires_on'], unique=False)

    op.create_table('patrol_finding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patrol_id', sa.Integer(), nullable=True),
    sa.Column('checkpoint_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=True),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('description', sa.String(length=2000), nullable=False),
    sa.Column('seen_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('reporter', sa.String(length=100), nullable=False),
    sa.Column('opens', sa.String(length=20), nullable=False),
    sa.Column('repair_id', sa.Integer(), nullable=True),
    sa.Column('deadline_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('done_at', UtcDateTime(timezone=True), nullable=True),
    sa.Column('done_note', sa.String(length=1000), nullable=True),
    sa.Column('verified_at', UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['checkpoint.id'], ),
    sa.ForeignKeyConstraint(['patrol_id'], ['patrol.id'], ),
    sa.ForeignKeyConstraint(['repair_id'], ['repair.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('patrol_finding', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_finding_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_finding_patrol_id'), ['patrol_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_finding_seen_at'), ['seen_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_finding_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_patrol_finding_unit_code'), ['unit_code'], unique=False)

    op.create_table('patrol_scan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patrol_id', sa.Integer(), nullable=False),
    sa.Column('checkpoint_id', sa.Integer(), nullable=False),
    sa.Column('scanned_at', UtcDateTime(timezone=True), nullable=False),
    sa.Column('guard', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['checkpoint.id'], ),
    sa.ForeignKeyConstraint(['patrol_id'], ['patrol.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('patrol_id', 'checkpoint_id', name='uq_patrol_scan_checkpoint')
    )
    with op.batch_alter_table('patrol_scan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patrol_scan_patrol_id'), ['patrol_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('patrol_scan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_scan_patrol_id'))

    op.drop_table('patrol_scan')
    with op.batch_alter_table('patrol_finding', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_finding_unit_code'))
        batch_op.drop_index(batch_op.f('ix_patrol_finding_status'))
        batch_op.drop_index(batch_op.f('ix_patrol_finding_seen_at'))
        batch_op.drop_index(batch_op.f('ix_patrol_finding_patrol_id'))
        batch_op.drop_index(batch_op.f('ix_patrol_finding_kind'))

    op.drop_table('patrol_finding')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_expires_on'))
        batch_op.drop_index(batch_op.f('ix_certificate_equipment_id'))

    op.drop_table('certificate')
    with op.batch_alter_table('work_order', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_order_technician'))
        batch_op.drop_index(batch_op.f('ix_work_order_status'))
        batch_op.drop_index(batch_op.f('ix_work_order_plan_id'))
        batch_op.drop_index(batch_op.f('ix_work_order_equipment_id'))
        batch_op.drop_index(batch_op.f('ix_work_order_due_on'))
        batch_op.drop_index(batch_op.f('ix_work_order_building_id'))

    op.drop_table('work_order')
    with op.batch_alter_table('patrol', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_window_end_at'))
        batch_op.drop_index(batch_op.f('ix_patrol_status'))
        batch_op.drop_index(batch_op.f('ix_patrol_slot_at'))
        batch_op.drop_index(batch_op.f('ix_patrol_route_id'))
        batch_op.drop_index(batch_op.f('ix_patrol_guard'))

    op.drop_table('patrol')
    with op.batch_alter_table('patrol_schedule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_schedule_route_id'))

    op.drop_table('patrol_schedule')
    with op.batch_alter_table('meter_reading', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meter_reading_equipment_id'))

    op.drop_table('meter_reading')
    with op.batch_alter_table('maintenance_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_maintenance_plan_next_due_on'))
        batch_op.drop_index(batch_op.f('ix_maintenance_plan_equipment_id'))
        batch_op.drop_index(batch_op.f('ix_maintenance_plan_active'))

    op.drop_table('maintenance_plan')
    with op.batch_alter_table('equipment_purchase', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_purchase_purchased_on'))
        batch_op.drop_index(batch_op.f('ix_equipment_purchase_building_id'))

    op.drop_table('equipment_purchase')
    with op.batch_alter_table('checkpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checkpoint_route_id'))

    op.drop_table('checkpoint')
    op.drop_table('patrol_route')
    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_unit_code'))
        batch_op.drop_index(batch_op.f('ix_equipment_status'))
        batch_op.drop_index(batch_op.f('ix_equipment_kind'))
        batch_op.drop_index(batch_op.f('ix_equipment_building_id'))

    op.drop_table('equipment')
    with op.batch_alter_table('training', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_held_on'))

    op.drop_table('training')
