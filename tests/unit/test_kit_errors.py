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
