"""The audit trail made tamper-evident, verified and taken away.

    python -m services.kit.audit_chain verify [owner ...]
    python -m services.kit.audit_chain export OWNER|all --output FILE [--format csv|jsonl|xlsx]
                                             [--since ISO] [--until ISO]

Each service's entries form one hash chain in the order of their ids: an entry's ``hash`` covers
its content and ``prev_hash``, the hash of the entry before it. Altering an entry breaks its own
link, removing one breaks the next entry's, and ``verify`` names the first broken link (exit 1).

The hash is HMAC with ``AUDIT_CHAIN_KEY`` when that is set (then whoever holds the database but
not the key cannot forge a chain again), else a plain digest; SM3 where OpenSSL offers it, else
SHA-256 (``AUDIT_HASH_ALGORITHM``). Each hash carries its algorithm (``hmac-sm3:<hex>``), so a
chain verifies across a change of setting.

Writers of one chain are serialised: on PostgreSQL by a transaction-scoped advisory lock, on
SQLite by taking the write lock before reading the last hash (one writer per file). So two
transactions never link to the same predecessor, and the ids follow the chain.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import hmac
import json
import os
import sys
from datetime import datetime, timezone

from sqlalchemy import bindparam, create_engine, select, text

from services.kit.db.columns import UtcDateTime, utcnow
from services.kit.sheets import append_row, csv_cell

CONTENT = ("at", "actor", "actor_kind", "address", "action", "entity", "entity_id", "changes", "request_id", "outcome")
EXPORTED = ("id", *CONTENT, "prev_hash", "hash")


def sm3_available() -> bool:
    try:
        hashlib.new("sm3")
        return True
    except ValueError:
        return False


def hash_algorithm() -> str:
    """``AUDIT_HASH_ALGORITHM``: sm3 or sha256; sm3 by default where OpenSSL offers it."""
    chosen = os.environ.get("AUDIT_HASH_ALGORITHM") or ("sm3" if sm3_available() else "sha256")
    if chosen not in ("sm3", "sha256"):
        raise ValueError(f"AUDIT_HASH_ALGORITHM must be sm3 or sha256, not {chosen}")
    return chosen


def _key() -> bytes | None:
    key = os.environ.get("AUDIT_CHAIN_KEY")
    return key.encode() if key else None


def _instant(value) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:  # SQLite read without the column's type
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


def canonical(entry: dict, prev_hash: str | None) -> bytes:
    """The bytes an entry's hash covers: its content and its predecessor's hash."""
    content = {name: entry.get(name) for name in CONTENT}
    content["at"] = _instant(content["at"])
    if isinstance(content["changes"], str):
        content["changes"] = json.loads(content["changes"])
    content["prev_hash"] = prev_hash
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def digest(entry: dict, prev_hash: str | None, scheme: str | None = None) -> str:
    """``<scheme>:<hex>``; ``scheme`` (``hmac-sm3``, ``sha256``...) is the setting's unless given,
    as when an existing hash is checked."""
    key = _key()
    if scheme is None:
        scheme = ("hmac-" if key else "") + hash_algorithm()
    algorithm = scheme.removeprefix("hmac-")
    body = canonical(entry, prev_hash)
    if scheme.startswith("hmac-"):
        if key is None:
            raise RuntimeError("the chain is keyed: set AUDIT_CHAIN_KEY to verify it")
        value = hmac.new(key, body, lambda: hashlib.new(algorithm)).hexdigest()
    else:
        value = hashlib.new(algorithm, body).hexdigest()
    return f"{scheme}:{value}"


def _as_dict(entry) -> dict:
    return {name: getattr(entry, name) for name in CONTENT}


def lock_chain(session, table: str = "audit_entry") -> None:
    """Hold the chain until this transaction ends (see the module's doc)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"audit_chain:{table}"})
    else:  # a write statement takes SQLite's write lock (no row changes)
        session.execute(text(f"UPDATE {table} SET id = id WHERE id < 0"))


def seal(session, model, entries: list) -> None:
    """Adds ``entries`` (audit model instances) to the session, linked onto the chain."""
    if not entries:
        return
    lock_chain(session, model.__tablename__)
    previous = session.scalar(select(model.hash).order_by(model.id.desc()).limit(1))
    for entry in entries:
        entry.at = entry.at or utcnow()
        entry.actor_kind = entry.actor_kind or "user"
        entry.outcome = entry.outcome or "success"
        entry.prev_hash = previous
        entry.hash = previous = digest(_as_dict(entry), previous)
        session.add(entry)


def _rows(connection, table: str = "audit_entry", since=None, until=None):
    clauses, params = [], {}
    if since is not None:
        clauses.append("at >= :since")
        params["since"] = since
    if until is not None:
        clauses.append("at < :until")
        params["until"] = until
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    statement = text(f"SELECT {', '.join(EXPORTED)} FROM {table}{where} ORDER BY id")
    if params:
        statement = statement.bindparams(*[bindparam(name, type_=UtcDateTime) for name in params])
    statement = statement.columns(at=UtcDateTime())
    for row in connection.execute(statement, params):
        yield dict(row._mapping)


def seal_existing(connection, table: str = "audit_entry") -> int:
    """Links the entries written before the chain existed (a migration's step); returns how many."""
    previous, count = None, 0
    for row in list(_rows(connection, table)):
        if row["hash"] is not None:
            previous = row["hash"]
            continue
        sealed = digest(row, previous)
        connection.execute(text(f"UPDATE {table} SET prev_hash = :prev, hash = :hash WHERE id = :id"),
                           {"prev": previous, "hash": sealed, "id": row["id"]})
        previous, count = sealed, count + 1
    return count


def verify_rows(rows) -> tuple[int, dict | None]:
    """How many entries hold, and the first broken link: ``{"id", "reason"}``, or None.

    The first entry kept may link to one the retention purged: its ``prev_hash`` is taken as given.
    Where ``AUDIT_CHAIN_KEY`` is set every link must be keyed: set it before the first migration."""
    previous, checked, keyed = None, 0, _key() is not None
    for row in rows:
        if row["hash"] is None:
            return checked, {"id": row["id"], "reason": "the entry is not sealed (no hash)"}
        if keyed and not row["hash"].startswith("hmac-"):
            return checked, {"id": row["id"], "reason": "its link is not keyed although AUDIT_CHAIN_KEY is set "
                                                        "(the chain was sealed again without the key)"}
        if checked and row["prev_hash"] != previous:
            return checked, {"id": row["id"], "reason": "its prev_hash is not the hash of the entry before it "
                                                        "(an entry was removed or reordered)"}
        scheme = row["hash"].rpartition(":")[0]
        if not hmac.compare_digest(digest(row, row["prev_hash"], scheme), row["hash"]):
            return checked, {"id": row["id"], "reason": "its content does not match its hash (the entry was altered)"}
        previous, checked = row["hash"], checked + 1
    return checked, None


def verify(url: str, table: str = "audit_entry") -> tuple[int, dict | None]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return verify_rows(_rows(connection, table))
    finally:
        engine.dispose()


def _plain(value):
    if isinstance(value, datetime):
        return _instant(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def export(owners: list[str], output: str, fmt: str = "jsonl", since=None, until=None, urls: dict | None = None) -> int:
    """Writes the entries of ``owners`` (each with its ``service``) to ``output``; returns how many."""
    from services.kit.config import database_url

    header = ("service", *EXPORTED)
    rows = []
    for owner in owners:
        engine = create_engine((urls or {}).get(owner) or database_url(owner))
        try:
            with engine.connect() as connection:
                rows.extend({"service": owner, **row} for row in _rows(connection, since=since, until=until))
        finally:
            engine.dispose()
    rows.sort(key=lambda row: (_instant(row["at"]), row["service"], row["id"]))
    if fmt == "jsonl":
        with open(output, "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps({key: (_instant(v) if isinstance(v, datetime) else v) for key, v in row.items()},
                                        ensure_ascii=False, default=str) + "\n")
    elif fmt == "csv":
        with open(output, "w", encoding="utf-8-sig", newline="") as handle:  # the BOM: Excel reads the Chinese
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows([[csv_cell(_plain(row[name])) for name in header] for row in rows])
    elif fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "audit"
        append_row(sheet, header)
        for row in rows:
            append_row(sheet, [_plain(row[name]) for name in header])
        book.save(output)
    else:
        raise ValueError(f"unknown format {fmt}")
    return len(rows)


def audited_owners() -> tuple[str, ...]:
    from services.kit.migrate import OWNERS

    return tuple(owner for owner in OWNERS if owner != "notifications")  # notifications keeps its deliveries


def main(argv: list[str] | None = None) -> int:
    from services.kit.config import database_url

    parser = argparse.ArgumentParser(prog="python -m services.kit.audit_chain",
                                     description="Verifies and exports the audit trail of each service.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("verify", help="check each chain; exit 1 naming the first broken link")
    check.add_argument("owners", nargs="*", metavar="owner")
    check.add_argument("--service", action="append", dest="services", default=[], help="the same as naming an owner")
    out = commands.add_parser("export", help="write the trail to a file an auditor takes away")
    out.add_argument("owners", nargs="*", metavar="owner", help="all when none is named")
    out.add_argument("--service", action="append", dest="services", default=[])
    out.add_argument("--output", "-o", required=True)
    out.add_argument("--format", choices=("jsonl", "csv", "xlsx"), default=None,
                     help="by default the output's extension, else jsonl")
    out.add_argument("--since", type=datetime.fromisoformat, help="ISO 8601 instant (with its offset)")
    out.add_argument("--until", type=datetime.fromisoformat)
    args = parser.parse_args(argv)
    owners = [*args.owners, *args.services]
    owners = list(audited_owners()) if not owners or owners == ["all"] else owners
    unknown = [owner for owner in owners if owner not in audited_owners()]
    if unknown:
        parser.error(f"unknown service {', '.join(unknown)} (audited: {', '.join(audited_owners())})")
    if args.command == "export":
        fmt = args.format or (args.output.rsplit(".", 1)[-1] if args.output.rsplit(".", 1)[-1] in
                              ("csv", "jsonl", "xlsx") else "jsonl")
        for name in ("since", "until"):
            value = getattr(args, name)
            if value is not None and value.tzinfo is None:
                parser.error(f"--{name} needs an offset (e.g. +08:00)")
        count = export(owners, args.output, fmt, args.since, args.until)
        print(f"{count} entries of {', '.join(owners)} written to {args.output}")
        return 0
    broken = False
    for owner in owners:
        checked, fault = verify(database_url(owner))
        if fault is None:
            print(f"{owner}: {checked} entries, the chain holds")
        else:
            broken = True
            print(f"{owner}: BROKEN at entry {fault['id']}: {fault['reason']} ({checked} entries before it hold)")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
