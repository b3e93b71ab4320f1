"""The gateway's HTTP core with a stand-in for the services (the real ones are in e2e)."""
import json

import pytest
from werkzeug.test import Client

from gateway.auth import Unauthorized
from gateway.http import GatewayApp, Routes
from gateway.openapi import build_spec
from services.kit.context import Caller
from services.kit.errors import Conflict, Invalid, NotFound, RuleViolation, ServiceTimeout, ServiceUnavailable


class ServicesStandIn:
    def __init__(self):
        self.raises = None
        self.calls = []

    def call(self, service, method, *args, context=None, **kwargs):
        self.calls.append((service, method, args, context))
        if self.raises:
            raise self.raises
        return {"ok": True}


def authenticate(request):
    token = request.headers.get("Authorization", "")
    if token == "Bearer clerk":
        return Caller("clerk", ("unit_user",), "U1")
    if token == "Bearer dispatcher":
        return Caller("d", ("dispatcher",))
    if token == "Bearer scoped":  # a key scoped to one operation
        return Caller("key:gps", ("dispatcher",), kind="api_key", scopes=("read_things",))
    raise Unauthorized("no")


@pytest.fixture
def app():
    routes = Routes()

    @routes.post("/things", ("dispatcher",))
    def create(call):
        return 201, call.rpc("things", "create", call.json())

    @routes.get("/things", ("dispatcher",))
    def read_things(call):
        return {"items": []}

    @routes.get("/public", None)
    def public(call):
        return {"public": True}

    return GatewayApp(routes, ServicesStandIn(), authenticate, max_body_bytes=1000)


def post(app, body, token="dispatcher", **kwargs):
    return Client(app).post("/things", data=body, headers={"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}, **kwargs)


def test_no_credentials_is_401_with_a_problem_body(app):
    response = Client(app).post("/things", data="{}")
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_role_outside_the_route_is_403(app):
    assert post(app, "{}", token="clerk").status_code == 403
    assert app.rpc.calls == []


def test_a_scoped_key_calls_only_its_operations(app):
    assert Client(app).get("/things", headers={"Authorization": "Bearer scoped"}).status_code == 200
    refused = post(app, "{}", token="scoped")
    assert refused.status_code == 403 and "create" in refused.json["detail"]
    assert app.rpc.calls == []


def test_the_caller_and_request_id_travel_with_the_rpc(app):
    response = post(app, '{"a": 1}', headers={"X-Request-ID": "abc-123"})
    assert response.status_code == 201 and response.headers["X-Request-ID"] == "abc-123"
    service, method, args, context = app.rpc.calls[0]
    assert (service, method, args) == ("things", "create", ({"a": 1},))
    assert context["request_id"] == "abc-123" and Caller.from_wire(context["caller"]).name == "d"


def test_a_request_id_is_made_when_none_or_a_bad_one_is_sent(app):
    first = Client(app).get("/public")
    second = Client(app).get("/public", headers={"X-Request-ID": "bad id with spaces"})
    assert first.headers["X-Request-ID"] and second.headers["X-Request-ID"] != "bad id with spaces"


@pytest.mark.parametrize("body", ["{bad", "", "\xff\xfe", "[1,"])
def test_malformed_json_is_400_never_500(app, body):
    response = post(app, body.encode("latin-1"))
    assert response.status_code == 400 and "_body" in response.json["errors"]


def test_a_huge_body_is_413(app):
    assert post(app, json.dumps({"x": "y" * 2000})).status_code == 413


@pytest.mark.parametrize("error, status", [
    (Invalid("bad", {"f": ["wrong"]}), 400), (NotFound("gone"), 404), (Conflict("taken"), 409),
    (RuleViolation("no", "reception.accompany_limit"), 422), (ServiceUnavailable("down"), 503),
    (ServiceTimeout("slow"), 504),
])
def test_service_errors_map_to_status_by_class(app, error, status):
    app.rpc.raises = error
    response = post(app, "{}")
    assert response.status_code == status
    body = response.json
    assert body["status"] == status and body["title"]
    if isinstance(error, Invalid):
        assert body["errors"] == {"f": ["wrong"]}
    if isinstance(error, RuleViolation):
        assert body["rule"] == "reception.accompany_limit"


def test_an_unexpected_error_is_500_without_a_trace(app):
    app.rpc.raises = ZeroDivisionError("secret detail")
    response = post(app, "{}")
    assert response.status_code == 500
    assert "secret detail" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_unknown_routes_and_methods_are_problems(app):
    assert Client(app).get("/nowhere").status_code == 404
    response = Client(app).delete("/public")
    assert response.status_code == 405 and response.headers["Content-Type"] == "application/problem+json"


def test_the_openapi_document_comes_from_the_real_routes_and_schemas():
    from gateway.service import routes

    spec = build_spec(routes)
    assert spec["openapi"].startswith("3.")
    create = spec["paths"]["/api/v1/vehicles"]["post"]
    schema_ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    vehicle_create = spec["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert {"plate", "vin", "seats"} <= set(vehicle_create["properties"])
    assert "plate" in vehicle_create["required"]
    assert "401" in create["responses"] and "400" in create["responses"]
    listing = spec["paths"]["/api/v1/vehicles"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"limit", "offset", "status", "unit_code"}
    assert "security" not in spec["paths"]["/health"]["get"]


def test_the_login_route_lets_an_office_in_and_answers_429_with_retry_after_to_repeated_failures(tmp_path):
    from sqlalchemy.orm import sessionmaker

    from gateway.app import Gateway
    from gateway.auth import Accounts, LoginPolicy, Tokens
    from services.kit.db import make_engine
    from services.kit.migrate import upgrade

    url = f"sqlite:///{tmp_path}/gw.db"
    upgrade("gateway", url)
    accounts = Accounts(sessionmaker(make_engine(url), expire_on_commit=False),
                        LoginPolicy(free_failures_per_name=100, free_failures_per_address=2, first_delay_seconds=30))
    accounts.create_user("clerk", "office-pass-word", ["leader"])
    client = Client(Gateway(ServicesStandIn(), accounts, Tokens("k" * 64, 60)))

    def log_in(username, password):
        return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                           environ_base={"REMOTE_ADDR": "192.0.2.7"})

    assert [log_in("clerk", "office-pass-word").status_code for _ in range(8)] == [200] * 8
    answers = [log_in(name, "wrong") for name in ("clerk", "nobody", "clerk", "nobody")]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert answers[0].get_json() == answers[1].get_json()  # a known and an unknown name alike
    assert answers[3].headers["Retry-After"] == "30" and log_in("clerk", "office-pass-word").status_code == 429
