"""Schemathesis over every operation of the OpenAPI document, with a real admin token and
every check: no 5xx, every answer fits its documented status, schema and content type, data
that breaks the schema is refused with a 4xx, and data the document says is valid is never
refused as invalid (400). A 422 is a business rule refusing a well-formed request (say, a
reading for a month that has not begun, or a webhook host that does not resolve): the
document names it for each operation that has rules. The figures (cases, operations,
failures by check) are printed at the end of the run."""
import json
import os
from datetime import date, datetime, timedelta

import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure, FailureGroup

from gateway.http import dumps
from gateway.openapi import build_spec
from gateway.service import routes
from services.kit.errors import Invalid
from services.kit.schemas import ANSWER_TIMEZONE
from services.reception.domain import id_check_character, validate_id_number
from services.vehicles.domain import _VIN_VALUES, PLATE, normalise_plate, normalise_vin, vin_check_digit

pytestmark = pytest.mark.e2e

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 25))  # `make fuzz`: 100

CONFIG = SchemathesisConfig.from_dict({
    "checks": {"positive_data_acceptance": {
        "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]}},
})

# The formats the document names beyond JSON Schema's own, drawn as the services check them.
schemathesis.openapi.format("cn-plate", st.from_regex(PLATE, fullmatch=True))
schemathesis.openapi.format("vin", st.text(sorted(_VIN_VALUES), min_size=17, max_size=17).map(
    lambda vin: vin[:8] + vin_check_digit(vin) + vin[9:]))
schemathesis.openapi.format("cn-resident-id", st.from_regex(r"[0-9]{17}", fullmatch=True).map(
    lambda first17: first17 + id_check_character(first17)))
FORMAT_CHECKS = {"cn-plate": normalise_plate, "vin": normalise_vin, "cn-resident-id": validate_id_number}


def keeps_formats(body, body_schema) -> bool:
    """Values of those formats pass their service's check (the coverage phase draws from
    the length alone)."""
    if not isinstance(body, dict):
        return True
    for name, prop in body_schema.get("properties", {}).items():
        check = FORMAT_CHECKS.get(prop.get("format"))
        if check and isinstance(body.get(name), str):
            try:
                check(body[name])
            except Invalid:
                return False
    return True


# The same document the gateway serves (built from the same routes and schemas; another
# test checks the served one), loaded when the tests are collected.
schema = schemathesis.openapi.from_dict(json.loads(dumps(build_spec(routes))), config=CONFIG)
# Operations that end a session or an account are left out: the fuzzer's admin would end its own
# token (logout, a new password) or disable the stack's users that the other e2e tests log in as,
# and every later case would be refused 401. Their rules are tested in tests/unit/test_gateway_auth.py.
schema = schema.exclude(path_regex=r"^/api/v1/(auth/(logout|password)|users/\{[^}]+\}(/(disable|password|roles))?)$")


def _instant(value):
    """A date, an instant, or a month (YYYY-MM, read as its first day)."""
    if not isinstance(value, str):
        return None
    if len(value) == 7 and value[4:5] == "-":
        value += "-01"
    for parse in (datetime.fromisoformat, date.fromisoformat):
        try:
            return parse(value.replace("Z", "+00:00"))
        except ValueError:
            continue
    return None


def _at(values, path: str) -> list:
    """The values at a dotted path; ``*`` steps into each item of a list."""
    found = [values]
    for step in path.split("."):
        if step == "*":
            found = [item for value in found if isinstance(value, list) for item in value]
        else:
            found = [value.get(step) for value in found if isinstance(value, dict)]
    return found


def _pairs(values, first: str, then: str):
    shared = first.rsplit("*", 1)[0] if "*" in first and then.startswith(first.rsplit("*", 1)[0]) else ""
    if shared:  # the two fields of each item
        for item in _at(values, shared + "*"):
            yield from _pairs(item, first[len(shared) + 2:], then[len(shared) + 2:])
        return
    for start in _at(values, first):
        for end in _at(values, then):
            yield start, end


def _day_beside(value, other):
    """An instant beside a date is its day in Asia/Shanghai (the rules' day)."""
    if isinstance(value, datetime) and value.tzinfo is not None and type(other) is date:
        return value.astimezone(ANSWER_TIMEZONE).date()
    return value


def keeps_order(values, ordered) -> bool:
    """The document's ``x-ordered`` rules: one field's value before (or at) another's, at
    most so many days apart. JSON Schema cannot say them; the fuzzer is held to them."""
    for first, then, relation, *within in ordered:
        for start, end in _pairs(values, first, then):
            start, end = _day_beside(_instant(start), _instant(end)), _day_beside(_instant(end), _instant(start))
            if start is None or end is None or type(start) is not type(end):
                continue
            if isinstance(start, datetime) and (start.tzinfo is None) != (end.tzinfo is None):
                continue
            if end < start or (relation == "<" and end == start):
                return False
            if within and end - start > timedelta(days=within[0]):
                return False
    return True


@schema.hook
def filter_case(context, case):
    """Generated data the document's own cross-field rules exclude is not sent."""
    definition = case.operation.definition.raw
    rules = definition.get("x-query-schema")
    if rules and case.query is not None:
        if not keeps_order(case.query, rules.get("x-ordered", ())):
            return False
        fragment = {key: value for key, value in rules.items() if not key.startswith("x-")}
        if fragment and not jsonschema.Draft4Validator(fragment).is_valid(case.query):
            return False
    body_ref = (definition.get("requestBody", {}).get("content", {}).get("application/json", {})
                .get("schema", {}).get("$ref", ""))
    if body_ref:
        body_schema = schema.raw_schema["components"]["schemas"][body_ref.rsplit("/", 1)[1]]
        if not keeps_order(case.body, body_schema.get("x-ordered", ())) or not keeps_formats(case.body, body_schema):
            return False
    return True


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],  # a failure is reported as found, not shrunk
          suppress_health_check=list(HealthCheck))
def test_no_operation_answers_5xx_or_breaks_its_document(case, stack, admin, fuzz_figures):
    fuzz_figures["cases"] += 1
    fuzz_figures["operations"].add(case.operation.label)
    try:
        case.call_and_validate(base_url=stack.base, headers={"Authorization": admin.headers["Authorization"]})
    except Failure as failure:
        fuzz_figures["failures"][failure.kind_title] += 1
        raise
    except FailureGroup as group:
        for failure in group.exceptions:
            fuzz_figures["failures"][failure.kind_title] += 1
        raise

