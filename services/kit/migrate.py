"""Alembic, one history per database owner, driven from code.

``python -m services.kit.migrate [owner ...]`` upgrades each owner's database to
head (all owners when none is named). Each ``migrations/env.py`` calls ``run_env``
with its own metadata; the URL is the same one the owner runs with.
"""
from __future__ import annotations

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


def main(argv: list[str]) -> None:
    for owner in argv or OWNERS:
        upgrade(owner)
        print(f"migrated {owner}")


if __name__ == "__main__":
    main(sys.argv[1:])
