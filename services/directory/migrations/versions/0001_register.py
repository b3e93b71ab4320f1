"""the register of units, its merges, the event tables and the audit trail

Revision ID: 0001
Revises:
Create Date: 2026-12-07 22:20:00
"""
from alembic import op
import sqlalchemy as sa

from services.kit.audit import create_audit_table, drop_audit_table
from services.kit.db import UtcDateTime, create_event_tables, drop_event_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unit",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("short_name", sa.String(length=60), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("parent_code", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("staffing", sa.Integer(), nullable=True),
        sa.Column("headcount_on_staff", sa.Integer(), nullable=True),
        sa.Column("headcount_off_staff", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("initials", sa.String(length=300), nullable=False),
        sa.Column("successor_code", sa.String(length=40), nullable=True),
        sa.Column("merged_on", sa.Date(), nullable=True),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["parent_code"], ["unit.code"]),
        sa.ForeignKeyConstraint(["successor_code"], ["unit.code"]),
        sa.PrimaryKeyConstraint("code"),
        sa.UniqueConstraint("name"),
    )
    op.create_index("ix_unit_kind", "unit", ["kind"])
    op.create_index("ix_unit_parent_code", "unit", ["parent_code"])
    op.create_index("ix_unit_status", "unit", ["status"])
    op.create_table(
        "unit_merge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("predecessor_code", sa.String(length=40), nullable=False),
        sa.Column("successor_code", sa.String(length=40), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["predecessor_code"], ["unit.code"]),
        sa.ForeignKeyConstraint(["successor_code"], ["unit.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("predecessor_code"),
    )
    op.create_index("ix_unit_merge_successor_code", "unit_merge", ["successor_code"])
    create_event_tables()
    create_audit_table()


def downgrade() -> None:
    drop_audit_table()
    drop_event_tables()
    op.drop_index("ix_unit_merge_successor_code", table_name="unit_merge")
    op.drop_table("unit_merge")
    op.drop_index("ix_unit_status", table_name="unit")
    op.drop_index("ix_unit_parent_code", table_name="unit")
    op.drop_index("ix_unit_kind", table_name="unit")
    op.drop_table("unit")
