"""an index on a dispatch's departure: the statistics of a period read the dispatches that
departed in it (a year of ten was found by reading every driven dispatch)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('dispatch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_departed_at'), ['departed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('dispatch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_departed_at'))
