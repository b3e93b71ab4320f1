"""the whole audit trail (services/kit/audit.py): actor kind, address, outcome and the hash chain; the
client's contact_phone encrypted at rest (services/kit/crypto.py), the numbers already stored encrypted here"""
import sqlalchemy as sa
from alembic import op

from services.kit.audit import add_trail_columns, drop_trail_columns
from services.kit.crypto import decrypt, encrypt_column

revision, down_revision, branch_labels, depends_on = "0003_trail", "0002", None, None


def upgrade() -> None:
    add_trail_columns()
    with op.batch_alter_table("client") as batch:
        batch.alter_column("contact_phone", type_=sa.String(length=309), existing_nullable=True)
    encrypt_column(op.get_bind(), "client", "id", "contact_phone", "client.contact_phone")


def downgrade() -> None:
    connection = op.get_bind()
    for key, stored in connection.execute(sa.text("SELECT id, contact_phone FROM client WHERE contact_phone IS NOT NULL")).all():
        connection.execute(sa.text("UPDATE client SET contact_phone = :value WHERE id = :key"),
                           {"value": decrypt(stored, "client.contact_phone"), "key": key})
    with op.batch_alter_table("client") as batch:
        batch.alter_column("contact_phone", type_=sa.String(length=40), existing_nullable=True)
    drop_trail_columns()
