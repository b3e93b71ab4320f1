"""a dispatch's reference (reception's meeting) and the meeting references reception abandoned"""
import sqlalchemy as sa
from alembic import op

from services.kit.db import UtcDateTime

revision, down_revision, branch_labels, depends_on = "0006", "0005", None, None


def upgrade():
    with op.batch_alter_table("dispatch") as batch_op:
        batch_op.add_column(sa.Column("reference", sa.String(length=100), nullable=True))
        batch_op.create_index("ix_dispatch_reference", ["reference"], unique=False)
    op.create_table(
        "released_reference",
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("released_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("reference"),
    )


def downgrade():
    op.drop_table("released_reference")
    with op.batch_alter_table("dispatch") as batch_op:
        batch_op.drop_index("ix_dispatch_reference")
        batch_op.drop_column("reference")
