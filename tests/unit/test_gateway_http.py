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


def test_odd_methods_share_one_metric_label(app):
    from prometheus_client import REGISTRY

    for n in range(20):
        assert Client(app).open(f"/x{n}", method=f"M{n}").status_code == 404
    methods = {sample.labels["method"] for family in REGISTRY.collect() if family.name == "gateway_http_requests"
               for sample in family.samples}
    assert "other" in methods and not any(method.startswith("M") for method in methods)


def test_request_latency_is_labelled_by_status_class(app):
    from prometheus_client import REGISTRY

    assert Client(app).get("/no/such/route").status_code == 404
    statuses = {sample.labels.get("status") for family in REGISTRY.collect()
                if family.name == "gateway_http_request_duration_seconds" for sample in family.samples
                if sample.labels.get("route") == "unmatched"}
    assert "4xx" in statuses and statuses <= {"1xx", "2xx", "3xx", "4xx", "5xx"}


@pytest.mark.parametrize("body", ["[" * 50_000, "[" * 50_000 + "]" * 50_000, json.dumps({"a": [[[[0]]]] * 1}).replace(
    "[[[[0]]]]", "[" * 40 + "0" + "]" * 40)])
def test_json_nested_past_the_limit_is_400_naming_it(app, body, caplog):
    app.max_body_bytes = 200_000
    response = post(app, body)
    assert response.status_code == 400 and response.headers["Content-Type"] == "application/problem+json"
    assert "32 levels" in response.json["detail"] and response.json["errors"]["_body"]
    assert app.rpc.calls == [] and not [record for record in caplog.records if record.levelname == "ERROR"]


def test_json_nested_up_to_the_limit_is_taken(app):
    body = {"a": json.loads("[" * 31 + "0" + "]" * 31)}  # 32 levels with the object
    assert post(app, json.dumps(body)).status_code == 201


def _raw_exchange(wsgi_app, request: bytes) -> bytes:
    import eventlet
    import eventlet.wsgi

    sock = eventlet.listen(("127.0.0.1", 0))
    server = eventlet.spawn(eventlet.wsgi.server, sock, wsgi_app, log_output=False)
    try:
        client = eventlet.connect(sock.getsockname())
        client.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = client.recv(65536)
            if not chunk:
                break
            answer += chunk
        client.close()
        return answer
    finally:
        server.kill()
        sock.close()


def _chunked(body: bytes, size: int = 7) -> bytes:
    pieces = [body[i:i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


def test_a_chunked_json_body_is_read(app):
    head = (b"POST /things HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer dispatcher\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    answer = _raw_exchange(app, head + _chunked(b'{"name": "chunked body"}'))
    assert answer.startswith(b"HTTP/1.1 201"), answer[:300]
    assert app.rpc.calls[0][2] == ({"name": "chunked body"},)


def test_a_chunked_body_past_the_limit_is_413(app):
    head = (b"POST /things HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer dispatcher\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    answer = _raw_exchange(app, head + _chunked(json.dumps({"x": "y" * 2000}).encode(), 500))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert app.rpc.calls == []


def test_repeated_slashes_redirect_to_the_path_with_single_ones():
    from gateway.service import routes

    real = GatewayApp(routes, ServicesStandIn(), authenticate)
    response = Client(real).get("/api/v1//vehicles?limit=5")
    assert response.status_code == 308 and response.headers["Location"] == "/api/v1/vehicles?limit=5"
    assert Client(real).post("/api//v1/vehicles//", data="{}").headers["Location"] == "/api/v1/vehicles/"
    assert Client(real).get("/api/v1//nowhere").status_code == 404


def test_an_id_out_of_range_is_404_on_every_route_with_an_id():
    import re

    from gateway.service import routes

    real = GatewayApp(routes, ServicesStandIn(), authenticate)
    for route in routes.routes:
        if "<int:" not in route.path:
            continue
        for bad in ("0", "2147483648", "99999999999999999999"):
            path = re.sub(r"<[^>]+>", "x", re.sub(r"<int:[^>]+>", bad, route.path))
            response = Client(real).open(path, method=route.method, headers={"Authorization": "Bearer dispatcher"})
            assert response.status_code == 404, (route.method, path, response.status_code)
    assert Client(real).put("/api/v1/vehicles/1").status_code == 405  # a method no rule of that path has


def test_the_public_port_does_not_serve_metrics_and_the_ops_port_does():
    from gateway.app import ops_app
    from gateway.service import routes

    public = GatewayApp(routes, ServicesStandIn(), authenticate)
    assert Client(public).get("/metrics").status_code == 404
    assert "/metrics" not in build_spec(routes)["paths"]
    Client(public).get("/health")
    ops = Client(ops_app).get("/metrics")
    assert ops.status_code == 200 and "gateway_http_requests_total" in ops.get_data(as_text=True)
    assert Client(ops_app).get("/health").json == {"status": "ok", "service": "gateway"}
    assert Client(ops_app).get("/api/v1/vehicles").status_code == 404


def test_a_requested_path_cannot_forge_a_log_line(app, monkeypatch):
    import io
    import logging

    from services.kit.context import setup_logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        for log_format in ("text", "json"):
            monkeypatch.setenv("LOG_FORMAT", log_format)
            setup_logging("gateway", "INFO")
            stream = io.StringIO()
            root.handlers[0].setStream(stream)
            Client(app).get("/api/v1/nope%0A2026-12-07%20ERROR%20forged%E2%80%A8x%1B[31m")
            lines = stream.getvalue().splitlines()
            assert len(lines) == 1 and "\\n2026-12-07 ERROR forged\\u2028x\\x1b[31m" in lines[0].replace("\\\\", "\\")
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])


def _document_paths():
    """Each path of the OpenAPI document as werkzeug spells it, with the methods the document lists."""
    import re

    from gateway.service import routes

    spec = build_spec(routes)
    for path, operations in spec["paths"].items():
        methods = {method.upper() for method in operations}
        params = {p["name"]: p["schema"].get("type") for op in operations.values() for p in op["parameters"]
                  if p.get("in") == "path"}
        yield re.sub(r"{(\w+)}", lambda m: f"<{'int:' if params[m[1]] == 'integer' else ''}{m[1]}>", path), methods


def test_every_method_the_document_lists_answers_404_to_an_id_out_of_range():
    import re

    from gateway.service import routes

    real = GatewayApp(routes, ServicesStandIn(), authenticate)
    wrong = []
    for path, methods in _document_paths():
        if "<int:" not in path:
            continue
        for bad in ("0", "2147483648", "99999999999999999999"):
            concrete = re.sub(r"<[^>]+>", "x", re.sub(r"<int:[^>]+>", bad, path))
            for method in sorted(methods):
                response = Client(real).open(concrete, method=method, headers={"Authorization": "Bearer dispatcher"})
                if response.status_code != 404:
                    wrong.append((method, concrete, response.status_code))
    assert wrong == []


def test_options_and_a_405_allow_exactly_the_methods_the_document_lists():
    import re

    from gateway.service import routes

    real = GatewayApp(routes, ServicesStandIn(), authenticate)
    wrong = []
    for path, methods in _document_paths():
        concrete = re.sub(r"<[^>]+>", "x", re.sub(r"<int:[^>]+>", "1", path))
        response = Client(real).options(concrete)
        allowed = {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}
        if response.status_code != 204 or allowed - {"HEAD", "OPTIONS"} != methods:
            wrong.append((concrete, response.status_code, sorted(allowed), sorted(methods)))
        refused = Client(real).put(concrete)  # no path has PUT: 405, naming the same methods
        allowed = {m.strip() for m in refused.headers.get("Allow", "").split(",") if m.strip()}
        if refused.status_code != 405 or allowed - {"HEAD", "OPTIONS"} != methods:
            wrong.append(("PUT", concrete, refused.status_code, sorted(allowed), sorted(methods)))
    assert wrong == []
    assert Client(real).options("/api/v1/vehicles/0").status_code == 404


def test_an_optional_body_sent_is_a_json_object_and_null_is_not_leaving_it_out(tmp_path):
    """A cancel's body may be left out ({}), but a body sent as null or a list is bad input
    (the document says a JSON object), never taken as no body."""
    from sqlalchemy.orm import sessionmaker

    from gateway.app import Gateway
    from gateway.auth import Accounts, Tokens
    from services.kit.db import make_engine
    from services.kit.migrate import upgrade

    url = f"sqlite:///{tmp_path}/gw.db"
    upgrade("gateway", url)
    accounts = Accounts(sessionmaker(make_engine(url), expire_on_commit=False))
    accounts.create_user("boss", "dispatch-pass-word", ["system_admin"])
    services = ServicesStandIn()
    client = Client(Gateway(services, accounts, Tokens("k" * 64, 60)))
    token = client.post("/api/v1/auth/token", json={"username": "boss", "password": "dispatch-pass-word"}).get_json()
    auth = {"Authorization": f"Bearer {token['access_token']}", "Content-Type": "application/json"}
    for path in ("/api/v1/dispatches/1/cancel", "/api/v1/receptions/1/cancel"):
        assert client.post(path, headers=auth).status_code == 200
        assert services.calls[-1][2][-1] == {}
        for body in ("null", "[]", "3"):
            refused = client.post(path, data=body, headers=auth)
            assert refused.status_code == 400 and "_body" in refused.get_json()["errors"], (path, body)
