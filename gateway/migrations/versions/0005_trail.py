"""the whole audit trail (services/kit/audit.py): actor kind, address, outcome and the hash chain"""
from services.kit.audit import add_trail_columns, drop_trail_columns

revision, down_revision, branch_labels, depends_on = "0005_trail", "0004", None, None


def upgrade() -> None:
    add_trail_columns()


def downgrade() -> None:
    drop_trail_columns()
