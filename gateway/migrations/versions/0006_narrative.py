"""annual summary narrative

Revision ID: 0006_narrative
Revises: 0005_trail
Create Date: 2026-12-08 01:26:25.721725
"""
from alembic import op
import sqlalchemy as sa
import services.kit.db


revision = '0006_narrative'
down_revision = '0005_trail'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_narrative',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('part', sa.String(length=30), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', services.kit.db.columns.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', services.kit.db.columns.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('year', 'part')
    )


def downgrade() -> None:
    op.drop_table('report_narrative')
