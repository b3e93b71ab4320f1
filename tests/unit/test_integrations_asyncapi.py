"""The events catalogue validates against the AsyncAPI 2.6.0 JSON schema and names
every event of every contract.

``asyncapi-2.6.0.schema.json`` is the official schema as published in the npm package
``@asyncapi/specs`` 6.11.1 (``schemas/2.6.0-without-$id.json``, Apache-2.0), kept here so
the test runs offline."""
import json
from pathlib import Path

import jsonschema
import pytest

from gateway.asyncapi import build_asyncapi
from services.integrations import contract as integrations

SCHEMA = json.loads((Path(__file__).parent / "asyncapi-2.6.0.schema.json").read_text())


@pytest.fixture(scope="module")
def document():
    return json.loads(json.dumps(build_asyncapi()))  # as served


def test_the_document_validates_against_the_asyncapi_schema(document):
    errors = list(jsonschema.Draft7Validator(SCHEMA).iter_errors(document))
    assert errors == []


def test_the_schema_check_would_catch_a_broken_document(document):
    broken = json.loads(json.dumps(document))
    broken["channels"]["webhook"]["subscribe"]["message"] = "not a message"
    del broken["info"]["version"]
    assert len(list(jsonschema.Draft7Validator(SCHEMA).iter_errors(broken))) >= 2


def test_every_event_of_every_contract_is_in_the_catalogue(document):
    for source, contract in integrations.SOURCES.items():
        for event_type in contract.EVENTS:
            assert f"{source}.events/{event_type}" in document["channels"]
            assert f"{event_type}.webhook" in document["components"]["messages"]
    assert "integrations.events/subscription_paused" in document["channels"]


def test_a_real_event_matches_its_payload_schema(document):
    schemas = document["components"]
    schema = {**schemas["schemas"]["reception.VisitorCheckedIn"], "components": schemas}
    event = {"event_id": "e-1", "occurred_at": "2026-03-02T01:00:00+00:00", "visitor_id": 1, "name": "张三",
             "host_name": "李四", "host_unit_code": "u-1", "purpose": "petition",
             "checked_in_at": "2026-03-02T01:00:00+00:00"}
    jsonschema.validate(event, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({k: v for k, v in event.items() if k != "visitor_id"}, schema)
