"""the whole audit trail (services/kit/audit.py): actor kind, address, outcome and the hash chain; the
driver's phone encrypted at rest (services/kit/crypto.py), the numbers already stored encrypted here"""
import sqlalchemy as sa
from alembic import op

from services.kit.audit import add_trail_columns, drop_trail_columns
from services.kit.crypto import decrypt, encrypt_column

revision, down_revision, branch_labels, depends_on = "0007_trail", "0006", None, None


def upgrade() -> None:
    add_trail_columns()
    with op.batch_alter_table("driver") as batch:
        batch.alter_column("phone", type_=sa.String(length=256), existing_nullable=True)
    encrypt_column(op.get_bind(), "driver", "id", "phone", "driver.phone")


def downgrade() -> None:
    connection = op.get_bind()
    for key, stored in connection.execute(sa.text("SELECT id, phone FROM driver WHERE phone IS NOT NULL")).all():
        connection.execute(sa.text("UPDATE driver SET phone = :value WHERE id = :key"),
                           {"value": decrypt(stored, "driver.phone"), "key": key})
    with op.batch_alter_table("driver") as batch:
        batch.alter_column("phone", type_=sa.String(length=30), existing_nullable=True)
    drop_trail_columns()
