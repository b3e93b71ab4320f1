"""users: the second factor (TOTP, recovery codes), the password rules' dates and history, the
idle timeout's activity per token; and 三员分立: the one `admin` role becomes the three
administrators' roles (system_admin, security_admin, audit_admin), which is what the basic profile
gives its first admin; an API key that was `admin` becomes `system_admin` (a system's key keeps the
registers it kept, never the security or the audit administrator's work). docs/security.md says
how a level-3 installation then separates them.

Revision ID: 0007_identity
Revises: 0006_narrative
Create Date: 2026-12-08 01:30:00.000000
"""
import json

from alembic import op
import sqlalchemy as sa
import services.kit.db


revision = '0007_identity'
down_revision = '0006_narrative'
branch_labels = None
depends_on = None

ADMIN_ROLES = ["system_admin", "security_admin", "audit_admin"]


def _roles(raw) -> list:
    return json.loads(raw) if isinstance(raw, str) else list(raw or [])


def _replace_roles(table: str, new_roles, old_role: str = "admin") -> None:
    connection = op.get_bind()
    rows = sa.table(table, sa.column("id", sa.Integer()), sa.column("roles", sa.JSON()))
    for row_id, raw in connection.execute(sa.select(rows.c.id, rows.c.roles)).all():
        roles = _roles(raw)
        if old_role in roles:
            connection.execute(rows.update().where(rows.c.id == row_id).values(roles=new_roles(roles)))


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_pending_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', services.kit.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recovery_codes', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('password_changed_at', services.kit.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('password_history', sa.JSON(), nullable=True))
    op.create_table(
        'session_activity',
        sa.Column('token_id', sa.String(length=40), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('last_seen_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('token_id'),
    )
    op.create_index('ix_session_activity_user_id', 'session_activity', ['user_id'])
    op.create_index('ix_session_activity_last_seen_at', 'session_activity', ['last_seen_at'])
    op.execute(sa.text("UPDATE app_user SET password_changed_at = created_at"))
    _replace_roles('app_user', lambda roles: [r for r in roles if r != 'admin'] +
                   [r for r in ADMIN_ROLES if r not in roles])
    _replace_roles('api_key', lambda roles: [r for r in roles if r != 'admin'] +
                   (['system_admin'] if 'system_admin' not in roles else []))


def downgrade() -> None:
    _replace_roles('app_user', lambda roles: ['admin'] + [r for r in roles if r not in ADMIN_ROLES],
                   old_role='system_admin')
    _replace_roles('api_key', lambda roles: ['admin'] + [r for r in roles if r not in ADMIN_ROLES],
                   old_role='system_admin')
    op.drop_index('ix_session_activity_last_seen_at', table_name='session_activity')
    op.drop_index('ix_session_activity_user_id', table_name='session_activity')
    op.drop_table('session_activity')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        for column in ('password_history', 'password_changed_at', 'recovery_codes', 'totp_last_step',
                       'totp_enabled_at', 'totp_pending_secret', 'totp_secret'):
            batch_op.drop_column(column)
