"""Alembic, one history per database owner, driven from code.

``python -m services.kit.migrate [owner ...]`` upgrades each owner's database to
head (all owners when none is named); ``current`` prints each database's revision and
the head; ``check`` exits 1 when a database is behind its head. Each ``migrations/env.py``
calls ``run_env`` with its own metadata; the URL is the same one the owner runs with.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alembic import command, context
from alembic.config import Config

from services.kit.config import ROOT, SERVICES, database_url

OWNERS = SERVICES + ("gateway",)


def migrations_dir(owner: str) -> Path:
    base = ROOT / "gateway" if owner == "gateway" else ROOT / "services" / owner
    return base / "migrations"


def alembic_config(owner: str, url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir(owner)))
    config.set_main_option("sqlalchemy.url", (url or database_url(owner)).replace("%", "%%"))
    return config


def upgrade(owner: str, url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(owner, url), revision)


def revisions(owner: str, url: str | None = None) -> tuple[set[str], set[str]]:
    """The database's current revisions and the history's heads."""
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    config = alembic_config(owner, url)
    engine = create_engine(url or database_url(owner))
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    return current, set(ScriptDirectory.from_config(config).get_heads())


def run_env(target_metadata) -> None:
    """The body of every ``env.py``."""
    from sqlalchemy import engine_from_config, pool

    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    render_as_batch = url.startswith("sqlite")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True, render_as_batch=render_as_batch)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=render_as_batch, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


ACTIONS = ("upgrade", "current", "check")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.kit.migrate",
        description="Alembic for each database owner. upgrade (the default): to head; current: each "
                    "database's revision and the head; check: exit 1 when a database is behind its head.",
    )
    parser.add_argument("words", nargs="*", metavar="[upgrade|current|check] [owner ...]",
                        help=f"owners: {', '.join(OWNERS)} (all when none is named)")
    words = parser.parse_args(argv).words
    action = words.pop(0) if words and words[0] in ACTIONS else "upgrade"
    unknown = [word for word in words if word not in OWNERS]
    if unknown:
        parser.error(f"unknown owner {', '.join(unknown)} (owners: {', '.join(OWNERS)})")
    behind = []
    for owner in words or OWNERS:
        if action == "upgrade":
            upgrade(owner)
            print(f"migrated {owner}")
            continue
        current, heads = revisions(owner)
        state = "at head" if current == heads else "behind"
        if current != heads:
            behind.append(owner)
        print(f"{owner}: {', '.join(sorted(current)) or 'empty'} (head {', '.join(sorted(heads))}, {state})")
    return 1 if action == "check" and behind else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
