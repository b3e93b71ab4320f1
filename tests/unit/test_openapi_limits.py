"""The API document states the limits the input schemas enforce, so that what it calls
valid is accepted and what it calls invalid is refused (the fuzzer checks the whole API)."""
import json
import re

import pytest

from gateway.http import dumps
from gateway.openapi import build_spec
from gateway.service import routes
from services.kit.errors import Invalid
from services.kit.schemas import PageQuery, load

SPEC = json.loads(dumps(build_spec(routes)))
SCHEMAS = SPEC["components"]["schemas"]


def operation(method, path):
    return SPEC["paths"][path][method]


def parameter(op, name):
    return next(p["schema"] for p in op["parameters"] if p["name"] == name)


@pytest.mark.parametrize("year, accepted", [(1899, False), (1900, True), (2026, True), (2200, True), (2201, False)])
def test_dates_state_the_years_load_accepts(year, accepted):
    stated = SCHEMAS["facilities.BookingCreate"]["properties"]["start_at"]["pattern"]
    assert bool(re.match(stated, f"{year:04d}-03-01T08:00:00+08:00")) is accepted
    query = {"limit": "5", "offset": "0"}
    from services.facilities.contract import PeriodQuery

    day = f"{year:04d}-03-01"
    if accepted:
        load(PeriodQuery(), {"from": day, "to": day})
    else:
        with pytest.raises(Invalid):
            load(PeriodQuery(), {"from": day, "to": day})
    assert load(PageQuery(), query)["limit"] == 5


def test_text_states_that_nul_is_refused_within_its_length():
    title = SCHEMAS["facilities.BookingCreate"]["properties"]["title"]
    assert re.match(title["pattern"], "周例会") and not re.match(title["pattern"], "a\x00b")
    assert not re.match(title["pattern"], "x" * 201)


def test_integers_state_their_bounds():
    listing = operation("get", "/api/v1/meeting-rooms")
    assert parameter(listing, "limit") == {"type": "integer", "default": 50, "minimum": 1, "maximum": 500}
    assert (parameter(listing, "offset")["minimum"], parameter(listing, "offset")["maximum"]) == (0, 2147483647)
    building = parameter(listing, "building_id")  # no bounds of its own: what the columns store
    assert (building["minimum"], building["maximum"]) == (-2147483648, 2147483647)
    with pytest.raises(Invalid):
        load(PageQuery(), {"offset": str(2**31)})
    path_id = operation("get", "/api/v1/rooms/{item_id}")["parameters"][0]["schema"]
    assert (path_id["minimum"], path_id["maximum"]) == (1, 2147483647)


def test_exclusive_bounds_and_rounding_are_stated():
    area = SCHEMAS["facilities.RoomCreate"]["properties"]["usable_area_m2"]
    assert area["exclusiveMinimum"] is True and area["minimum"] > 0  # 0.001 rounds to 0.00: refused


def test_cross_field_rules_are_stated_beside_the_fields():
    assert SCHEMAS["reception.CanteenReservationCreate"]["oneOf"]
    assert SCHEMAS["facilities.BookingCreate"]["x-ordered"] == [["start_at", "end_at", "<"]]
    report = operation("get", "/api/v1/reports/annual")
    assert report["x-query-schema"]["x-ordered"] == [["from", "to", "<=", 366]]
    assert parameter(report, "from")["pattern"] == "^(?:20\\d\\d|2100)-"


def test_every_operation_states_the_answers_it_can_give():
    token = operation("post", "/api/v1/auth/token")["responses"]
    assert {"400", "401", "413", "429"} <= set(token)
    for path, operations in SPEC["paths"].items():
        for method, op in operations.items():
            codes = set(op["responses"])
            assert "400" in codes, (method, path)
            if "security" in op:
                assert {"401", "403"} <= codes, (method, path)
            if "{" in path or ("requestBody" in op and "security" in op):
                assert "404" in codes, (method, path)
            if method in ("post", "patch", "delete"):
                assert {"409", "422"} <= codes, (method, path)
            for code, answer in op["responses"].items():
                if code >= "400":
                    assert answer["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_whole_numbers_in_a_list_and_optional_bodies_are_stated():
    ids = SCHEMAS["vehicles.SafetyMeetingCreate"]["properties"]["attendee_ids"]["items"]
    assert (ids["minimum"], ids["maximum"]) == (-2147483648, 2147483647)
    assert operation("post", "/api/v1/dispatches/{dispatch_id}/cancel")["requestBody"]["required"] is False
    assert operation("post", "/api/v1/dispatches")["requestBody"]["required"] is True


def _decimal_fields(schema, seen=None):
    """Every decimal field with places in an input schema, nested ones too."""
    from marshmallow import fields

    seen = set() if seen is None else seen
    if id(schema) in seen:
        return
    seen.add(id(schema))
    for field in schema.fields.values():
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested):
            yield from _decimal_fields(inner.schema, seen)
        elif isinstance(inner, fields.Decimal) and inner.places is not None:
            yield inner


def test_money_bounds_stated_are_those_taken_after_rounding():
    """Money rounds half up (10000000.005 becomes 10000000.01, past a maximum of 10000000):
    the document's bound half a step out is exclusive exactly when rounding carries it past."""
    from decimal import Decimal

    from marshmallow import ValidationError

    from gateway.openapi import _rounded_bounds

    def taken(field, value) -> bool:
        try:
            field.deserialize(value)
        except ValidationError:
            return False
        return True

    checked = 0
    for route in routes.routes:
        if route.body is None:
            continue
        for field in _decimal_fields(route.body() if isinstance(route.body, type) else route.body):
            stated = _rounded_bounds(field)
            tiny = field.places / 1000
            for bound, exclusive, outward in (("maximum", "exclusiveMaximum", 1), ("minimum", "exclusiveMinimum", -1)):
                if bound not in stated:
                    continue
                edge = Decimal(stated[bound])
                assert taken(field, str(edge)) is not stated[exclusive], (route.path, field.name, bound, edge)
                assert taken(field, str(edge - outward * tiny)), (route.path, field.name, bound)
                assert not taken(field, str(edge + outward * tiny)), (route.path, field.name, bound)
                checked += 1
    assert checked > 20
    price = SCHEMAS["reception.MealPlan"]["properties"]["price_per_person_yuan"]
    assert price["exclusiveMaximum"] is True and price["maximum"] == 10000000.005


def test_free_form_rows_are_any_json_as_stated_and_each_row_is_bounded_alone():
    """A GPS batch's rows are any JSON but null in the document: a whole number past 32 bits
    inside one is that row's error (reported alone), never a 400 for the batch."""
    from services.vehicles.contract import GpsBatch, GpsTripIn

    rows = SCHEMAS["vehicles.GpsBatch"]["properties"]["trips"]["items"]
    assert "anyOf" in rows and "maximum" not in json.dumps(rows)
    huge = {"trip_id": "t1", "vehicle_id": 2**63, "start_at": "2026-01-01T08:00:00+08:00",
            "end_at": "2026-01-01T09:00:00+08:00", "distance_km": 1}
    assert load(GpsBatch(), {"trips": [huge, [2**70], 2**64]})["trips"][0] == huge
    with pytest.raises(Invalid) as refused:
        load(GpsTripIn(), huge)
    assert "vehicle_id" in refused.value.errors


def test_an_email_is_held_to_what_mail_servers_take():
    from services.notifications.contract import PreferencesUpdate

    stated = SCHEMAS["notifications.PreferencesUpdate"]["properties"]["email"]
    assert "email" in json.dumps(stated) and "pattern" in json.dumps(stated)
    assert load(PreferencesUpdate(), {"email": "a" * 64 + "@example.cn"})["email"]
    for address in ("a" * 65 + "@example.cn", "a@" + "b" * 250 + ".cn"):
        with pytest.raises(Invalid) as refused:
            load(PreferencesUpdate(), {"email": address})
        assert "email" in refused.value.errors
