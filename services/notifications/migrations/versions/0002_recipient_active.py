"""a recipient's account may be disabled or deleted: their mail stops

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision, down_revision, branch_labels, depends_on = "0002", "0001", None, None


def upgrade() -> None:
    with op.batch_alter_table("recipient") as batch:
        batch.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("recipient") as batch:
        batch.drop_column("active")
