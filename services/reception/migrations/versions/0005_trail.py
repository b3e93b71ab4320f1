"""the whole audit trail (services/kit/audit.py): actor kind, address, outcome and the hash chain; a
visitor's keyed-hash algorithm (hmac-sha256 for every hash so far) and the time its personal data was erased"""
import sqlalchemy as sa
from alembic import op

from services.kit.audit import add_trail_columns, drop_trail_columns
from services.kit.db import UtcDateTime

revision, down_revision, branch_labels, depends_on = "0005_trail", "0004", None, None


def upgrade() -> None:
    add_trail_columns()
    with op.batch_alter_table("visitor") as batch:
        batch.add_column(sa.Column("id_number_hash_algorithm", sa.String(length=16), nullable=False,
                                   server_default="hmac-sha256"))
        batch.add_column(sa.Column("erased_at", UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("visitor") as batch:
        batch.drop_column("erased_at")
        batch.drop_column("id_number_hash_algorithm")
    drop_trail_columns()
