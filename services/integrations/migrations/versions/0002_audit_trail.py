"""the audit trail (the same table in every service: services/kit/audit.py): pausing and resuming subscriptions"""
from services.kit.audit import create_audit_table as upgrade, drop_audit_table as downgrade  # noqa: F401

revision, down_revision, branch_labels, depends_on = "0002", "0001", None, None
