"""occupants allocations inspections repairs meeting rooms

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 02:06:19.416202
"""
from alembic import op
import sqlalchemy as sa
import services.kit.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('meeting_room',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=True),
    sa.Column('location', sa.String(length=300), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('equipment', sa.JSON(), nullable=False),
    sa.Column('created_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('allocation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('from_unit_code', sa.String(length=40), nullable=True),
    sa.Column('to_unit_code', sa.String(length=40), nullable=True),
    sa.Column('allocated_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('allocated_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocation_from_unit_code'), ['from_unit_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocation_room_id'), ['room_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocation_to_unit_code'), ['to_unit_code'], unique=False)

    op.create_table('booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_room_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('start_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('end_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('attendees', sa.Integer(), nullable=True),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('series_id', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('booked_by', sa.String(length=100), nullable=False),
    sa.Column('cancelled_at', services.kit.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_room_id'], ['meeting_room.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.create_index('ix_booking_room_time', ['meeting_room_id', 'start_at', 'end_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_series_id'), ['series_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_unit_code'), ['unit_code'], unique=False)

    op.create_table('inspection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=True),
    sa.Column('inspected_on', sa.Date(), nullable=False),
    sa.Column('inspector', sa.String(length=100), nullable=False),
    sa.Column('recorded_area_m2', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('measured_area_m2', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_room_id'), ['room_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_unit_code'), ['unit_code'], unique=False)

    op.create_table('occupant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('rank', sa.String(length=20), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=False),
    sa.Column('created_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('occupant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_occupant_room_id'), ['room_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_occupant_unit_code'), ['unit_code'], unique=False)

    op.create_table('repair',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=True),
    sa.Column('reporter', sa.String(length=100), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=True),
    sa.Column('room_id', sa.Integer(), nullable=True),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('description', sa.String(length=2000), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reported_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('due_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('technician', sa.String(length=100), nullable=True),
    sa.Column('assigned_at', services.kit.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('started_at', services.kit.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', services.kit.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('work_note', sa.String(length=2000), nullable=True),
    sa.Column('confirmed_at', services.kit.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('complaints', sa.Integer(), nullable=False),
    sa.Column('last_complaint', sa.String(length=2000), nullable=True),
    sa.Column('created_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['building.id'], ),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('repair', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_repair_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_reported_at'), ['reported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_technician'), ['technician'], unique=False)
        batch_op.create_index(batch_op.f('ix_repair_unit_code'), ['unit_code'], unique=False)

    op.create_table('rectification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inspection_id', sa.Integer(), nullable=False),
    sa.Column('room_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=40), nullable=True),
    sa.Column('finding', sa.String(length=1000), nullable=False),
    sa.Column('deadline_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('done_at', services.kit.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('done_note', sa.String(length=1000), nullable=True),
    sa.Column('verified_at', services.kit.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('verified_by', sa.String(length=100), nullable=True),
    sa.Column('overdue_notified_at', services.kit.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['inspection_id'], ['inspection.id'], ),
    sa.ForeignKeyConstraint(['room_id'], ['room.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rectification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_deadline_on'), ['deadline_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_inspection_id'), ['inspection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_room_id'), ['room_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_unit_code'), ['unit_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('rectification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_unit_code'))
        batch_op.drop_index(batch_op.f('ix_rectification_status'))
        batch_op.drop_index(batch_op.f('ix_rectification_room_id'))
        batch_op.drop_index(batch_op.f('ix_rectification_inspection_id'))
        batch_op.drop_index(batch_op.f('ix_rectification_deadline_on'))

    op.drop_table('rectification')
    with op.batch_alter_table('repair', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_repair_unit_code'))
        batch_op.drop_index(batch_op.f('ix_repair_technician'))
        batch_op.drop_index(batch_op.f('ix_repair_status'))
        batch_op.drop_index(batch_op.f('ix_repair_reported_at'))
        batch_op.drop_index(batch_op.f('ix_repair_due_at'))
        batch_op.drop_index(batch_op.f('ix_repair_category'))
        batch_op.drop_index(batch_op.f('ix_repair_building_id'))

    op.drop_table('repair')
    with op.batch_alter_table('occupant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_occupant_unit_code'))
        batch_op.drop_index(batch_op.f('ix_occupant_room_id'))

    op.drop_table('occupant')
    with op.batch_alter_table('inspection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_unit_code'))
        batch_op.drop_index(batch_op.f('ix_inspection_room_id'))

    op.drop_table('inspection')
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_unit_code'))
        batch_op.drop_index(batch_op.f('ix_booking_series_id'))
        batch_op.drop_index('ix_booking_room_time')

    op.drop_table('booking')
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocation_to_unit_code'))
        batch_op.drop_index(batch_op.f('ix_allocation_room_id'))
        batch_op.drop_index(batch_op.f('ix_allocation_from_unit_code'))

    op.drop_table('allocation')
    op.drop_table('meeting_room')
