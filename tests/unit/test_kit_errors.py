"""Errors cross RPC as themselves, with their fields and rule codes."""
from nameko.exceptions import deserialize, serialize

from services.kit.errors import Conflict, Invalid, NotFound, RuleViolation, ServiceError, ServiceTimeout


def round_trip(exc):
    return deserialize(serialize(exc))


def test_invalid_keeps_its_field_errors():
    back = round_trip(Invalid("bad", {"plate": ["not a plate"]}))
    assert type(back) is Invalid
    assert back.errors == {"plate": ["not a plate"]} and back.detail == "bad"


def test_rule_violation_keeps_its_rule_code():
    back = round_trip(RuleViolation("too many", "reception.accompany_limit", {"accompanying": ["at most 3"]}))
    assert type(back) is RuleViolation
    assert back.rule == "reception.accompany_limit"
    assert back.errors == {"accompanying": ["at most 3"]}


def test_every_error_is_a_service_error_and_keeps_its_class():
    for error in (NotFound("x"), Conflict("y", {"vin": ["taken"]}), ServiceTimeout("z")):
        back = round_trip(error)
        assert type(back) is type(error) and isinstance(back, ServiceError)
        assert back.detail == error.detail and back.errors == error.errors


def test_a_taken_unique_key_is_a_conflict_naming_the_field_not_the_value(tmp_path, caplog):
    import logging
    from datetime import date

    import pytest
    from sqlalchemy.orm import sessionmaker

    from services.kit.db import make_engine
    from services.vehicles.models import Base, Driver, Vendor

    def driver(name):
        return Driver(name=name, staff_number="110101199001011234", licence_class="C1", licence_expires_on=date(2030, 1, 1))

    engine = make_engine(f"sqlite:///{tmp_path}/unique.db", metadata=Base.metadata)
    Base.metadata.create_all(engine)
    session = sessionmaker(engine)
    with session.begin() as s:
        s.add_all([Vendor(name="中石化城关站", kind="fuel"), driver("张三")])
    caplog.set_level(logging.INFO)
    for row, field in ((Vendor(name="中石化城关站", kind="fuel"), "name"),
                       (driver("李四"), "staff_number")):
        with pytest.raises(Conflict) as taken, session.begin() as s:
            s.add(row)
        assert taken.value.errors == {field: ["already exists"]}
    assert "110101199001011234" not in caplog.text + str(taken.value.args)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert "duplicate driver refused: staff_number" in caplog.text


# tables a service fills from its own work or other services' events, never from a caller's field
INTERNAL_KEYS = {"outbox_event", "fleet_fuel", "risk_flag"}


def test_every_unique_key_of_every_service_is_reported_on_a_field_of_its_contract():
    import importlib

    from marshmallow import Schema
    from sqlalchemy import UniqueConstraint

    from services.kit.db import unique_field

    for name in ("vehicles", "facilities", "reception", "energy", "integrations"):
        metadata = importlib.import_module(f"services.{name}.models").Base.metadata
        contract = importlib.import_module(f"services.{name}.contract")
        fields = {f.data_key or key for schema in vars(contract).values()
                  if isinstance(schema, type) and issubclass(schema, Schema)
                  for key, f in schema._declared_fields.items()}
        for table in metadata.tables.values():
            keys = [c for c in (*table.constraints, *table.indexes)
                    if isinstance(c, UniqueConstraint) or getattr(c, "unique", False)]
            for key in keys if table.name not in INTERNAL_KEYS else ():
                field = unique_field(metadata, table.name, [column.name for column in key.columns])
                assert field in fields, (name, table.name, field)
