"""Rows kept only for a while, purged by age.

    python -m services.kit.retention [owner ...] [--dry-run] [--every HOURS]

Each rule is a table, the rows that may go and a default age in days, a setting
``RETENTION_<NAME>_DAYS``:
- ``outbox``: published outbox rows (never one still unsent), 7 days;
- ``processed_event``: the event ids a consumer applied, 30 days. They drop a redelivered
  duplicate, so this is the redelivery window: a parked event replayed later than this
  would be applied again (replay dead letters within it);
- ``delivery``: webhook deliveries that ended (delivered or parked) and their attempts (the
  delivery log), 90 days after their last change (integrations);
- ``api_key_call``: the calls made with API keys, 90 days (gateway);
- ``audit_entry``: the audit trail, 365 days, never fewer than ``AUDIT_MIN_DAYS`` (180: the
  six months of 网络安全法 art. 21): a shorter setting is raised to it. The oldest entries go;
  the chain check takes the first entry kept as the chain's start (``audit_chain.py``);
- ``visitor_personal_data``: a visitor's name, ID number (masked and hashed), company and
  purpose are erased (not the visit, which the figures count) this long after the check-in,
  180 days (reception).
``--every`` repeats the purge (the compose file's timer); Kubernetes runs it as a CronJob.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from datetime import timedelta

from sqlalchemy import bindparam, create_engine, inspect, text

from services.kit.config import database_url, settings_from_env
from services.kit.db import UtcDateTime, utcnow
from services.kit.migrate import OWNERS


@dataclasses.dataclass(frozen=True)
class RetentionSettings:
    outbox_days: int = 7
    processed_event_days: int = 30
    delivery_days: int = 90
    api_key_call_days: int = 90
    audit_entry_days: int = 365
    visitor_personal_data_days: int = 180


AUDIT_MIN_DAYS = 180


# (rule, table, statements, owners): ``:cutoff`` is now minus the rule's age; ``owners`` the
# databases whose table of that name the rule is written for (None: every owner's). Attempts go
# before their deliveries (foreign key), so the delivery rule deletes the attempts in the same
# transaction. Notifications' own ``delivery`` (its e-mails) is another table and kept.
RULES = (
    ("outbox", "outbox_event",
     ["DELETE FROM outbox_event WHERE published_at IS NOT NULL AND published_at < :cutoff"], None),
    ("processed_event", "processed_event",
     ["DELETE FROM processed_event WHERE processed_at < :cutoff"], None),
    ("delivery", "delivery",
     ["DELETE FROM delivery_attempt WHERE delivery_id IN (SELECT id FROM delivery "
      "WHERE status IN ('delivered', 'parked') AND updated_at < :cutoff)",
      "DELETE FROM delivery WHERE status IN ('delivered', 'parked') AND updated_at < :cutoff"], ("integrations",)),
    ("api_key_call", "api_key_call",
     ["DELETE FROM api_key_call WHERE called_at < :cutoff"], ("gateway",)),
    ("audit_entry", "audit_entry",
     ["DELETE FROM audit_entry WHERE at < :cutoff"], None),
    ("visitor_personal_data", "visitor",
     ["UPDATE visitor SET name = '', id_number_masked = '', id_number_hash = '', company = NULL, purpose = '', "
      "erased_at = CURRENT_TIMESTAMP, updated_at = CURRENT_TIMESTAMP "
      "WHERE erased_at IS NULL AND checked_in_at < :cutoff"], ("reception",)),
)


def rule_days(settings: RetentionSettings, rule: str) -> int:
    days = getattr(settings, f"{rule}_days")
    return max(days, AUDIT_MIN_DAYS) if rule == "audit_entry" else days


def purge(owner: str, settings: RetentionSettings | None = None, url: str | None = None,
          dry_run: bool = False) -> dict[str, int]:
    """Deletes what each rule allows in ``owner``'s database, one transaction per rule.
    Returns the rows removed (or that would be, with ``dry_run``) per table."""
    settings = settings or settings_from_env(RetentionSettings, "RETENTION")
    engine = create_engine(url or database_url(owner))
    removed = {}
    try:
        tables = set(inspect(engine).get_table_names())
        now = utcnow()
        for rule, table, statements, owners in RULES:
            if table not in tables or (owners is not None and owner not in owners):
                continue
            cutoff = now - timedelta(days=rule_days(settings, rule))
            with engine.begin() as connection:
                counts = [connection.execute(text(sql).bindparams(bindparam("cutoff", type_=UtcDateTime)),
                                             {"cutoff": cutoff}).rowcount for sql in statements]
                if dry_run:
                    connection.rollback()
            removed[table] = counts[-1]
            if len(counts) > 1:
                removed["delivery_attempt"] = counts[0]
    finally:
        engine.dispose()
    return removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.kit.retention",
                                     description="Purges published outbox rows, old processed events, "
                                                 "ended deliveries, API-key call logs and old audit entries, and "
                                                 "erases old visitors' personal data (RETENTION_*_DAYS).")
    parser.add_argument("owners", nargs="*", metavar="owner", help=f"{', '.join(OWNERS)} (all when none is named)")
    parser.add_argument("--dry-run", action="store_true", help="count what would go, delete nothing")
    parser.add_argument("--every", type=float, metavar="HOURS", help="purge again every HOURS, until stopped")
    args = parser.parse_args(argv)
    unknown = [owner for owner in args.owners if owner not in OWNERS]
    if unknown:
        parser.error(f"unknown owner {', '.join(unknown)} (owners: {', '.join(OWNERS)})")
    while True:
        for owner in args.owners or OWNERS:
            removed = purge(owner, dry_run=args.dry_run)
            summary = ", ".join(f"{table} {count}" for table, count in removed.items())
            print(f"{owner}: {'would remove' if args.dry_run else 'removed'} {summary or 'nothing'}", flush=True)
        if not args.every:
            return 0
        time.sleep(args.every * 3600)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
