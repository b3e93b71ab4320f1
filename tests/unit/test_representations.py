"""One representation per kind everywhere (API.md): money is a JSON number in yuan with two
decimals, an instant is answered in +08:00. Every schema of every contract, of the kit and of the
gateway's own answers uses the kit's Money and Instant for them."""
import importlib
import pkgutil
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from marshmallow import Schema, fields

import gateway.routes
from services.kit.schemas import Instant, Money, load

MODULES = ["services.vehicles.contract", "services.facilities.contract", "services.reception.contract",
           "services.energy.contract", "services.integrations.contract", "services.kit.schemas", "services.kit.audit",
           "gateway.report.schemas"] + [f"gateway.routes.{m.name}" for m in pkgutil.iter_modules(gateway.routes.__path__)]


def schemas():
    for name in MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Schema) and value.__module__ == name:
                yield f"{name}.{value.__name__}", value


def leaves(name, field):
    """The field and what it holds (a list's items, a dict's values)."""
    yield name, field
    inner = getattr(field, "inner", None) or getattr(field, "value_field", None)
    if inner is not None:
        yield from leaves(name, inner)


def test_every_money_and_instant_field_is_of_the_kit_types():
    found, wrong = 0, []
    for where, schema in schemas():
        for key, declared in schema._declared_fields.items():
            for name, field in leaves(key, declared):
                if name.endswith("_yuan") or isinstance(field, Money):
                    found += 1
                    if not isinstance(field, Money):
                        wrong.append(f"{where}.{key}: money as {type(field).__name__}")
                if isinstance(field, fields.DateTime) or (name.endswith("_at") and not isinstance(field, fields.Date)):
                    found += 1
                    if not isinstance(field, Instant):
                        wrong.append(f"{where}.{key}: instant as {type(field).__name__}")
    assert found > 150 and not wrong, wrong


def test_money_is_a_number_with_two_decimals_never_a_string():
    class Bill(Schema):
        amount_yuan = Money()
        unit_price_yuan = Money(places=4, allow_none=True)

    assert Bill().dump({"amount_yuan": "90.00", "unit_price_yuan": None}) == {"amount_yuan": 90.0, "unit_price_yuan": None}
    assert Bill().dump({"amount_yuan": Decimal("90.005"), "unit_price_yuan": 0.65234}) == {
        "amount_yuan": 90.01, "unit_price_yuan": 0.6523}
    assert Bill().load({"amount_yuan": "12.345"})["amount_yuan"] == Decimal("12.35")
    assert "two decimals" in Bill._declared_fields["amount_yuan"].metadata["description"]


def test_an_instant_is_taken_with_any_offset_and_answered_in_beijing_time():
    class Stamp(Schema):
        at = Instant(allow_none=True)

    utc = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
    assert Stamp().dump({"at": utc}) == {"at": "2026-03-02T09:00:00+08:00"}
    assert Stamp().dump({"at": utc.replace(tzinfo=None)}) == {"at": "2026-03-02T09:00:00+08:00"}
    assert Stamp().dump({"at": None}) == {"at": None}
    assert load(Stamp(), {"at": "2026-03-02T03:00:00+02:00"})["at"] == utc
    assert load(Stamp(), {"at": "2026-03-02T03:00:00+02:00"})["at"].utcoffset() == timedelta(hours=2)
    with pytest.raises(Exception):
        load(Stamp(), {"at": "2026-03-02T03:00:00"})  # an instant needs its offset


def test_the_openapi_document_states_both_representations():
    from gateway.openapi import build_spec
    from gateway.service import routes

    properties = [(key, value) for schema in build_spec(routes)["components"]["schemas"].values()
                  for key, value in schema.get("properties", {}).items()]
    money = [value for key, value in properties if key.endswith("_yuan")]
    instants = [value for key, value in properties if value.get("format") == "date-time"]
    assert money and all(v["type"] == "number" and "JSON number" in v["description"] for v in money)
    assert instants and all("+08:00" in v["description"] for v in instants)
