"""The gateway's HTTP core: a lean WSGI app on eventlet.

Routing (werkzeug), request ids, authentication and role checks in one place, JSON
bodies with a size limit, and every error answered as RFC 9457 problem+json, mapped
from the typed service errors by class hierarchy. Nothing unmapped leaks: it is
logged with the request id and answered 500 without a trace.
"""
from __future__ import annotations

import json
import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Callable
from urllib.parse import urlsplit

from nameko.exceptions import RemoteError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge
from werkzeug.exceptions import NotFound as RouteNotFound
from werkzeug.routing import IntegerConverter, Map, RequestRedirect, Rule
from werkzeug.wrappers import Request, Response

from gateway import messages
from gateway.auth import TooManyAttempts, Unauthorized
from services.kit import tracing
from services.kit.context import Caller, current_address, current_caller_name, current_request_id
from services.kit.db import as_service_error
from services.kit.metrics import GATEWAY_RPC_CALLS, HTTP_REQUESTS, HTTP_SECONDS, status_class
from services.kit.schemas import MAX_ID
from services.kit.errors import (
    Conflict, Forbidden, Invalid, NotFound, RuleViolation, ServiceError, ServiceTimeout, ServiceUnavailable,
)

log = logging.getLogger("gateway")

PROBLEM = "application/problem+json"
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")

# The methods a metric may name; any other counts as "other", so that odd methods sent by
# anyone (no credentials needed) cannot add a label, and memory, per request.
METHOD_LABELS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))

# Most specific first: the first class an error is an instance of decides.
STATUS_BY_ERROR = (
    (Invalid, 400), (Unauthorized, 401), (Forbidden, 403), (NotFound, 404), (Conflict, 409),
    (RuleViolation, 422), (ServiceUnavailable, 503), (ServiceTimeout, 504), (ServiceError, 500),
)


def status_of(exc: BaseException) -> int | None:
    """The HTTP status of a service's error (500 for one without its own); None for other errors."""
    for error_class, status in STATUS_BY_ERROR:
        if isinstance(exc, error_class):
            return status
    return None


class BodyTooLarge(Exception):
    pass


def json_depth(value) -> int:
    """How deeply arrays and objects nest in a parsed JSON value (a scalar is 0)."""
    depth, level = 0, [(value, 1)]
    while level:
        item, at = level.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            depth = max(depth, at)
            level.extend((child, at + 1) for child in children if isinstance(child, (dict, list)))
    return depth


PATH_VARIABLE = re.compile(r"<[^>]*>")


class RecordId(IntegerConverter):
    """``<int:…>`` in a path: a record id, 1 to 2^31-1 (a larger number matches no route)."""

    def __init__(self, url_map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


@dataclass
class Route:
    path: str
    method: str
    handler: Callable
    roles: tuple[str, ...] | None  # None: public
    summary: str = ""
    tag: str = ""
    body: object = None  # marshmallow schema class of the request body
    query: object = None  # marshmallow schema class of the query string
    response: object = None  # marshmallow schema class of the answer
    many: bool = False
    status: int = 200
    extra: dict = field(default_factory=dict)

    @property
    def endpoint(self) -> str:
        return f"{self.method} {self.path}"


class Routes:
    """Collects routes with their roles and schemas; the OpenAPI document reads them too."""

    def __init__(self):
        self.routes: list[Route] = []

    def add(self, method: str, path: str, roles, **kwargs):
        def register(handler):
            self.routes.append(Route(path=path, method=method, handler=handler, roles=roles, **kwargs))
            return handler

        return register

    def get(self, path, roles, **kwargs):
        return self.add("GET", path, roles, **kwargs)

    def post(self, path, roles, **kwargs):
        return self.add("POST", path, roles, **kwargs)

    def patch(self, path, roles, **kwargs):
        return self.add("PATCH", path, roles, **kwargs)

    def delete(self, path, roles, **kwargs):
        return self.add("DELETE", path, roles, **kwargs)


class Call:
    """What a handler gets: the request, the caller and a way to reach the services."""

    def __init__(self, app: "GatewayApp", request: Request, request_id: str, caller: Caller | None, args: dict):
        self.app = app
        self.request = request
        self.request_id = request_id
        self.caller = caller
        self.args = args

    def json(self):
        if self.request.content_length and self.request.content_length > self.app.max_body_bytes:
            raise BodyTooLarge()
        raw = self.request.get_data(cache=True)
        if len(raw) > self.app.max_body_bytes:
            raise BodyTooLarge()
        if not raw:
            raise Invalid("the request needs a JSON body", {"_body": ["missing"]})
        limit = self.app.max_json_depth
        too_deep = Invalid(f"the body nests arrays and objects deeper than {limit} levels",
                           {"_body": [f"nested deeper than {limit} levels"]})
        try:
            body = json.loads(raw)
        except RecursionError:  # deeper than the parser goes, so deeper than the limit too
            raise too_deep from None
        except (ValueError, UnicodeDecodeError):
            raise Invalid("the body is not valid JSON", {"_body": ["malformed JSON"]}) from None
        if json_depth(body) > limit:
            raise too_deep
        return body

    def query(self) -> dict:
        return {key: value for key, value in self.request.args.items()}

    def rpc(self, service: str, method: str, *args, **kwargs):
        context = {"request_id": self.request_id, "caller": self.caller.to_wire() if self.caller else None,
                   "address": self.request.remote_addr, tracing.HEADER: tracing.current_traceparent()}
        outcome = "ok"
        try:
            return self.app.rpc.call(service, method, *args, context=context, **kwargs)
        except Exception as exc:
            outcome = type(exc).__name__
            raise
        finally:
            GATEWAY_RPC_CALLS.labels(service, method, outcome).inc()


def _json_default(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def problem(status: int, title: str, detail: str = "", language: str = messages.ENGLISH, rule: str | None = None,
            errors: dict | None = None, params: dict | None = None, **extra) -> Response:
    """A problem+json answer in ``language``: ``title``, ``detail`` and the ``errors`` messages are
    English and rendered through the message catalogue (``gateway/messages.py``)."""
    body = {"type": "about:blank", "title": messages.title(status, language, title), "status": status}
    detail = (messages.rule_detail(rule, params, detail, language) if rule
              else messages.detail(detail, status, language))
    if detail:
        body["detail"] = detail
    body.update({key: value for key, value in
                 (("errors", messages.messages(errors, language)), ("rule", rule), *extra.items()) if value})
    response = Response(dumps(body), status=status, mimetype=PROBLEM)
    response.headers["Content-Language"] = language
    return response


def error_response(exc: BaseException, request_id: str, language: str = messages.ENGLISH) -> Response:
    if isinstance(exc, (BodyTooLarge, RequestEntityTooLarge)):
        return problem(413, "Request body too large", language=language)
    if isinstance(exc, TooManyAttempts):
        response = problem(429, "Too many requests", str(exc), language)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    exc = as_service_error(exc)  # the gateway's own database down: 503, as a service's is
    status = status_of(exc)
    if status == 401:
        response = problem(401, "Unauthorized", str(exc), language, rule=getattr(exc, "rule", None))
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response
    if status is not None and status != 500:
        return problem(
            status, exc.title, exc.detail, language,
            errors=getattr(exc, "errors", None), rule=getattr(exc, "rule", None), params=getattr(exc, "params", None),
        )
    if isinstance(exc, RemoteError):
        log.error("unhandled error in a service: %s", exc.exc_type)
    else:
        log.exception("unhandled error in the gateway")
    return problem(500, "Internal error", f"the error was logged with request id {request_id}", language)


class GatewayApp:
    def __init__(self, routes: Routes, rpc, authenticate, max_body_bytes: int = 1 << 20, max_json_depth: int = 32):
        self.routes = routes
        self.rpc = rpc
        self.authenticate = authenticate
        self.max_body_bytes = max_body_bytes
        self.max_json_depth = max_json_depth
        self.url_map = Map(
            [Rule(route.path, endpoint=route.endpoint, methods=[route.method]) for route in routes.routes],
            strict_slashes=False, converters={"int": RecordId},
        )
        self.by_endpoint = {route.endpoint: route for route in routes.routes}

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        request = Request(environ)
        if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked" and not environ.get("CONTENT_LENGTH"):
            # the WSGI server decodes the chunks and ends the stream; werkzeug reads such a
            # body only when told so, and then no further than max_content_length: one byte
            # past the limit tells a body too large (Call.json) from one that fits
            environ["wsgi.input_terminated"] = True
            request.max_content_length = self.max_body_bytes + 1
        sent_id = request.headers.get("X-Request-ID", "")
        request_id = sent_id if REQUEST_ID.match(sent_id) else uuid.uuid4().hex
        current_request_id.set(request_id)
        current_caller_name.set("-")
        method = request.method if request.method in METHOD_LABELS else "other"
        # the request's span, under the caller's traceparent when it sent one (tracing.py)
        begun = tracing.start(f"HTTP {method}", request.headers.get(tracing.HEADER), tracing.SpanKind.SERVER,
                              **{"http.request.method": method, "suite.request_id": request_id})
        current_address.set(request.remote_addr)
        response = self.dispatch(request, request_id)  # answers every failure itself
        response.headers["X-Request-ID"] = request_id
        self.after_request(request, response, request_id)
        elapsed = time.perf_counter() - started
        route = environ.get("suite.route", "unmatched")
        HTTP_REQUESTS.labels(method, route, response.status_code).inc()
        HTTP_SECONDS.labels(method, route, status_class(response.status_code)).observe(elapsed)
        log.info("%s %s %d %.1fms", request.method, request.path, response.status_code, elapsed * 1000,
                 extra={"outcome": response.status_code, "route": route})
        begun[0].update_name(f"{method} {route}")
        begun[0].set_attributes({"http.route": route, "http.response.status_code": response.status_code})
        tracing.finish(begun)
        return response(environ, start_response)

    def refused(self, caller: Caller, route) -> None:
        """A hook for a caller refused an operation its roles or scopes do not allow (the audit trail)."""

    def after_request(self, request: Request, response: Response, request_id: str) -> None:
        """A hook for what is kept of a request once it is answered (the gateway's call log)."""

    def dispatch(self, request: Request, request_id: str) -> Response:
        language = messages.negotiate(request.headers.get("Accept-Language"))
        adapter = self.url_map.bind_to_environ(request.environ)
        if request.method == "OPTIONS":
            return self.options(adapter, request, language)
        try:
            endpoint, args = adapter.match()
        except MethodNotAllowed:
            allowed = self.allowed_methods(adapter)
            if not allowed:
                # e.g. PATCH /vehicles/0: only GET's rule has that shape, and its id is out of range
                return problem(404, "Not found", f"no route for {request.path}", language)
            response = problem(405, "Method not allowed", language=language)
            response.headers["Allow"] = ", ".join([*allowed, "OPTIONS"])
            return response
        except RouteNotFound:
            return problem(404, "Not found", f"no route for {request.path}", language)
        except RequestRedirect as exc:  # repeated slashes: the same path with single ones
            response = problem(308, "Permanent redirect", "the path has repeated slashes", language)
            target = urlsplit(exc.new_url)
            response.headers["Location"] = target.path + (f"?{target.query}" if target.query else "")
            return response
        except HTTPException as exc:
            return problem(exc.code or 400, exc.name, language=language)
        route = self.by_endpoint[endpoint]
        request.environ["suite.route"] = route.path
        request.environ["suite.operation"] = route.handler.__name__
        try:
            caller = None
            if route.roles is not None:
                caller = self.authenticate(request)
                current_caller_name.set(caller.name)
                if not caller.has_any(route.roles):
                    self.refused(caller, route)
                    raise Forbidden(f"this route needs one of the roles: {', '.join(route.roles)}")
                if caller.scopes and route.handler.__name__ not in caller.scopes:
                    self.refused(caller, route)
                    raise Forbidden(f"this API key is not scoped to the operation {route.handler.__name__}")
            result = route.handler(Call(self, request, request_id, caller, args))
            if isinstance(result, Response):
                return result
            status = route.status
            if isinstance(result, tuple):
                status, result = result
            return Response(dumps(result), status=status, mimetype="application/json")
        except Exception as exc:
            return error_response(exc, request_id, language)

    def options(self, adapter, request: Request, language: str) -> Response:
        allowed = self.allowed_methods(adapter)
        if not allowed:
            return problem(404, "Not found", f"no route for {request.path}", language)
        return Response(status=204, headers={"Allow": ", ".join([*allowed, "OPTIONS"])})

    @staticmethod
    def allowed_methods(adapter) -> list[str]:
        """The methods of the one path the request names, as the OpenAPI document lists them.

        /units/export and /units/<code> both match "/units/export": the path with fewer
        variables is the one named, as werkzeug would pick it for GET. None when no rule
        matches the path, e.g. for an id out of range."""
        shapes = {}
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
            try:
                rule, _ = adapter.match(method=method, return_rule=True)
            except HTTPException:
                continue
            shapes.setdefault(PATH_VARIABLE.sub("<>", rule.rule), []).append(method)
        return shapes[min(shapes, key=lambda shape: shape.count("<>"))] if shapes else []
