"""users: a token version that ends a user's tokens, the audit trail of user changes; the
per-account lockout's columns go (failed logins slow the next attempt down in the gateway instead)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 21:50:00.000000
"""
from alembic import op
import sqlalchemy as sa
import services.kit.db
from services.kit.audit import create_audit_table, drop_audit_table


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_version', sa.Integer(), nullable=False, server_default='0'))
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
    create_audit_table()


def downgrade() -> None:
    drop_audit_table()
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', services.kit.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.drop_column('token_version')
