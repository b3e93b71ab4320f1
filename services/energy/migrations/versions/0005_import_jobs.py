"""imports run as jobs off the request: status, progress, the sheet until the job ends, its lease

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa

from services.kit.db import UtcDateTime


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('energy_import', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=10), server_default='succeeded', nullable=False))
        batch_op.add_column(sa.Column('rows_done', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('error', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('content', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('caller', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('request_id', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('claim', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('locked_until', UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('started_at', UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('finished_at', UtcDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_energy_import_status'), ['status'], unique=False)
    # the imports made before were done when they were answered
    op.execute("UPDATE energy_import SET rows_done = rows_total")


def downgrade() -> None:
    with op.batch_alter_table('energy_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_energy_import_status'))
        for column in ('finished_at', 'started_at', 'attempts', 'locked_until', 'claim', 'request_id', 'caller',
                       'content', 'error', 'rows_done', 'status'):
            batch_op.drop_column(column)
