"""a meeting's reference: what its room booking and car requests carry, unique

Meetings made before it get the reference their bookings were made with (``meeting-<id>``).
"""
import sqlalchemy as sa
from alembic import op

revision, down_revision, branch_labels, depends_on = "0004", "0003", None, None


def upgrade():
    with op.batch_alter_table("meeting") as batch_op:
        batch_op.add_column(sa.Column("reference", sa.String(length=64), nullable=True))
    op.execute("UPDATE meeting SET reference = 'meeting-' || id")
    with op.batch_alter_table("meeting") as batch_op:
        batch_op.create_index("ix_meeting_reference", ["reference"], unique=True)


def downgrade():
    with op.batch_alter_table("meeting") as batch_op:
        batch_op.drop_index("ix_meeting_reference")
        batch_op.drop_column("reference")
