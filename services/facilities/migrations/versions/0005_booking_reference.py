"""a single booking's reference is unique; references reception abandoned; the meeting check

Bookings that shared a reference before (a meeting's id reused after a failed request) keep it
on the latest; the others get ``#<id>`` appended, so facilities' check of meeting bookings
finds them orphaned and releases them.
"""
import sqlalchemy as sa
from alembic import op

from services.kit.db import UtcDateTime

revision, down_revision, branch_labels, depends_on = "0005", "0004", None, None

SINGLE_BOOKING = sa.text("series_id IS NULL")


def upgrade():
    op.execute(
        "UPDATE booking SET reference = substr(reference, 1, 88) || '#' || id "
        "WHERE series_id IS NULL AND reference IS NOT NULL AND id < ("
        "SELECT max(latest.id) FROM booking latest WHERE latest.reference = booking.reference "
        "AND latest.series_id IS NULL)"
    )
    with op.batch_alter_table("booking") as batch_op:
        batch_op.add_column(sa.Column("meeting_checked_at", UtcDateTime(timezone=True), nullable=True))
    op.create_index("uq_booking_reference", "booking", ["reference"], unique=True, sqlite_where=SINGLE_BOOKING,
                    postgresql_where=SINGLE_BOOKING)
    op.create_table(
        "released_reference",
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("released_at", UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("reference"),
    )


def downgrade():
    op.drop_table("released_reference")
    op.drop_index("uq_booking_reference", table_name="booking")
    with op.batch_alter_table("booking") as batch_op:
        batch_op.drop_column("meeting_checked_at")
