"""Schemathesis over every operation of the OpenAPI document, with a real admin token:
no 5xx, every answer fits its documented schema and content type, and data that breaks
the schema is refused with a 4xx."""
import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance, negative_data_rejection, response_schema_conformance,
)
from schemathesis.checks import not_a_server_error

from gateway.http import dumps
from gateway.openapi import build_spec
from gateway.service import routes

pytestmark = pytest.mark.e2e

MAX_EXAMPLES = 25


# The same document the gateway serves (built from the same routes and schemas; another
# test checks the served one), loaded when the tests are collected.
schema = schemathesis.openapi.from_dict(json.loads(dumps(build_spec(routes))))


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture])
def test_no_operation_answers_5xx_or_breaks_its_schema(case, stack, admin):
    case.call_and_validate(
        base_url=stack.base,
        headers={"Authorization": admin.headers["Authorization"]},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance, negative_data_rejection],
    )
