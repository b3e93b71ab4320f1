"""Every owner's database backed up together, and restored together.

    python -m services.kit.backup backup DIR     (``make backup``)
    python -m services.kit.backup restore DIR    (``make restore BACKUP=DIR``, the suite stopped)

PostgreSQL databases are dumped with ``pg_dump --format=custom`` (one consistent snapshot per
database), all six started at once so that their snapshots lie within a moment of each other;
SQLite files are copied with SQLite's online backup. ``manifest.json`` records when the backup
began and which file holds which owner.

The snapshots are not one instant: an event published by one service after its snapshot may be
applied by another before its own, or the reverse. A restore converges because every outbox row
published since ``RESTORE_REPUBLISH_SECONDS`` (600) before the backup began is marked unsent again:
the restored services publish those events once more, and each consumer drops those its restored
``processed_event`` table already holds and applies the ones it had not. (An event committed after
its producer's snapshot but applied before its consumer's cannot be recovered by either; stop the
suite during ``make backup`` when even that window matters.)
"""
from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, create_engine, inspect, text
from sqlalchemy.engine import make_url

from services.kit.config import database_url, env_float
from services.kit.db import UtcDateTime, utcnow
from services.kit.migrate import OWNERS

MANIFEST = "manifest.json"


def libpq_url(url: str) -> str:
    """The URL as ``pg_dump`` and ``pg_restore`` read it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def sqlite_path(url: str) -> Path:
    return Path(make_url(url).database)


def backup(folder: Path, urls: dict[str, str] | None = None) -> dict:
    urls = urls or {owner: database_url(owner) for owner in OWNERS}
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"started_at": utcnow().isoformat(), "files": {}}
    dumps = {}
    for owner, url in urls.items():
        if url.startswith("sqlite"):
            target = folder / f"{owner}.db"
            with sqlite3.connect(sqlite_path(url)) as source, sqlite3.connect(target) as copy:
                source.backup(copy)
        else:
            target = folder / f"{owner}.dump"
            dumps[owner] = subprocess.Popen(["pg_dump", "--format=custom", f"--file={target}", libpq_url(url)],
                                            stderr=subprocess.PIPE, text=True)
        manifest["files"][owner] = target.name
    failed = {owner: dump.communicate()[1].strip() for owner, dump in dumps.items() if dump.wait() != 0}
    if failed:
        raise RuntimeError(f"pg_dump failed: {failed}")
    manifest["finished_at"] = utcnow().isoformat()
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest


def restore(folder: Path, urls: dict[str, str] | None = None) -> dict[str, int]:
    """Restores each owner's file into its (empty or existing) database, then marks recently
    published outbox rows unsent again. Returns how many rows each owner will publish again."""
    manifest = json.loads((folder / MANIFEST).read_text())
    urls = urls or {owner: database_url(owner) for owner in manifest["files"]}
    since = datetime.fromisoformat(manifest["started_at"]) - timedelta(
        seconds=env_float("RESTORE_REPUBLISH_SECONDS", 600.0))
    republished = {}
    for owner, name in manifest["files"].items():
        url, source = urls[owner], folder / name
        if url.startswith("sqlite"):
            target = sqlite_path(url)
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(source, target)
        else:
            subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                            f"--dbname={libpq_url(url)}", str(source)], check=True, capture_output=True, text=True)
        republished[owner] = republish_since(url, since)
    return republished


def republish_since(url: str, since: datetime) -> int:
    engine = create_engine(url)
    try:
        if "outbox_event" not in inspect(engine).get_table_names():
            return 0
        with engine.begin() as connection:
            return connection.execute(
                text("UPDATE outbox_event SET published_at = NULL WHERE published_at >= :since")
                .bindparams(bindparam("since", type_=UtcDateTime)), {"since": since}).rowcount
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.kit.backup",
                                     description="Backs up or restores every owner's database together "
                                                 "(the <OWNER>_DATABASE_URL each part runs with).")
    parser.add_argument("action", choices=("backup", "restore"))
    parser.add_argument("folder", type=Path, help="backup: created; restore: a folder `backup` wrote")
    args = parser.parse_args(argv)
    if args.action == "backup":
        manifest = backup(args.folder)
        print(f"backed up {', '.join(manifest['files'])} to {args.folder}")
    else:
        for owner, count in restore(args.folder).items():
            print(f"restored {owner} ({count} outbox event(s) to publish again)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
