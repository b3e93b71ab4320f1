"""API keys: the client that holds a key, its scopes, and the log of its calls

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 22:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import services.kit.db


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('scopes', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_api_key_client_id'), ['client_id'], unique=False)
    op.create_table(
        'api_key_call',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key_id', sa.Integer(), nullable=False),
        sa.Column('called_at', services.kit.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('method', sa.String(length=10), nullable=False),
        sa.Column('operation', sa.String(length=80), nullable=False),
        sa.Column('path', sa.String(length=300), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(['key_id'], ['api_key.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('api_key_call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_key_call_key_id'), ['key_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_api_key_call_called_at'), ['called_at'], unique=False)


def downgrade() -> None:
    op.drop_table('api_key_call')
    with op.batch_alter_table('api_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_key_client_id'))
        batch_op.drop_column('scopes')
        batch_op.drop_column('client_id')
