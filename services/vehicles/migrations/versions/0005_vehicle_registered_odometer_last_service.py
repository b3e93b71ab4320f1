"""the odometer a vehicle was registered with (its first fuel fill is held to it) and the last
service before registration (a fleet taken over with its service history)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registered_odometer_km', sa.Numeric(precision=10, scale=1), nullable=True))
        batch_op.add_column(sa.Column('last_service_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('last_service_odometer_km', sa.Numeric(precision=10, scale=1), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('vehicle', schema=None) as batch_op:
        batch_op.drop_column('last_service_odometer_km')
        batch_op.drop_column('last_service_on')
        batch_op.drop_column('registered_odometer_km')
