"""the request and the trace each relayed event came from, carried on to its webhook sends

Revision ID: 0004
Revises: 0003_trail
"""
from alembic import op
import sqlalchemy as sa

revision, down_revision, branch_labels, depends_on = "0004", "0003_trail", None, None


def upgrade() -> None:
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("request_id", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("traceparent", sa.String(length=55), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("event") as batch:
        batch.drop_column("traceparent")
        batch.drop_column("request_id")
