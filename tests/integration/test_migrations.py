"""Each owner's alembic history builds exactly the schema its models describe,
on SQLite and on PostgreSQL."""
import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from services.kit.migrate import OWNERS, upgrade

pytestmark = pytest.mark.integration


def models_of(owner):
    return importlib.import_module("gateway.models" if owner == "gateway" else f"services.{owner}.models")


@pytest.mark.parametrize("engine_kind", ["sqlite", "postgresql"])
@pytest.mark.parametrize("owner", OWNERS)
def test_upgrading_an_empty_database_matches_the_models(owner, engine_kind, databases, test_backends, tmp_path):
    if engine_kind == "postgresql":
        if test_backends.postgres_url is None:
            pytest.skip("no PostgreSQL reachable")
        url = databases.new_url(owner)
    else:
        url = f"sqlite:///{tmp_path}/{owner}.db"
    upgrade(owner, url)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, models_of(owner).Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


@pytest.mark.parametrize("owner", OWNERS)
def test_each_history_goes_down_to_nothing_and_up_again(owner, databases, test_backends, tmp_path):
    from alembic import command
    from sqlalchemy import inspect

    from services.kit.migrate import alembic_config

    url = databases.new_url(owner) if test_backends.postgres_url else f"sqlite:///{tmp_path}/{owner}.db"
    upgrade(owner, url)
    command.downgrade(alembic_config(owner, url), "base")
    engine = create_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    upgrade(owner, url)  # and the history builds again on what the downgrades left
