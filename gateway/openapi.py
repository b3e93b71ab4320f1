"""The OpenAPI 3 document, built from the routes and the same marshmallow schemas
that validate requests, and the docs page (Swagger UI served from this process)."""
from __future__ import annotations

import inspect
import re
from decimal import Decimal
from pathlib import Path

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from marshmallow import Schema, fields, validate
from werkzeug.wrappers import Response

from services.kit.schemas import DATE_YEARS, MAX_ID, InputSchema, Years, year_pattern

PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")

ERRORS = {
    400: "Invalid input: `errors` names each field",
    401: "No or bad credentials",
    403: "Not allowed for this role",
    404: "Not found (also another unit's record)",
    409: "Conflict: duplicate, double booking, or wrong state",
    413: "The body is larger than the gateway takes",
    422: "A business rule refused it: `rule` names it",
    429: "Too many requests: wait the seconds of `Retry-After`",
    503: "A service is down",
    504: "A service did not answer in time",
}


class Problem(Schema):
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    rule = fields.String()


# What http(s) URL and e-mail fields take (within what marshmallow's validators accept).
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
URL_PATTERN = rf"^https?://(?:{_LABEL}\.)*[A-Za-z0-9][A-Za-z0-9-]{{0,61}}[A-Za-z0-9](?::[0-9]{{1,5}})?(?:[/?#]\S*)?$"
EMAIL_PATTERN = rf"^[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@(?:{_LABEL}\.)+[A-Za-z]{{2,6}}$"
# Any JSON value but null (``fields.Raw`` without ``allow_none``).
NOT_NULL = {"anyOf": [{"type": kind} for kind in ("object", "array", "string", "number", "boolean")]}


def _rounded_bounds(field) -> dict:
    """A decimal is rounded to its places (money half up, other decimals half to even) before
    its range is checked, so 0.001 is refused where the range starts above 0, and -0.004 taken
    where it starts at 0: the bounds stated are those of the value as sent. A value half a step
    beyond a bound is taken or refused as the field's own rounding takes it to the bound or past."""
    step = field.places
    half, stated = step / 2, {}

    def rounded(value: Decimal) -> Decimal:
        return value.quantize(step, rounding=field.rounding) if field.rounding else value.quantize(step)

    for rule in field.validators:
        if not isinstance(rule, validate.Range):
            continue
        if rule.min is not None:
            low = Decimal(str(rule.min)) + (0 if rule.min_inclusive else step)
            stated.update(minimum=low - half, exclusiveMinimum=rounded(low - half) < low)
        if rule.max is not None:
            high = Decimal(str(rule.max)) - (0 if rule.max_inclusive else step)
            stated.update(maximum=high + half, exclusiveMaximum=rounded(high + half) > high)
    return stated


def _limits(converter, field, ret, **kwargs) -> dict:
    """The limits the input schemas enforce that apispec does not read from the validators:
    the years ``load`` takes (1900 to 2200, or a field's narrower ``Years``), the text a
    database can store (no NUL), exclusive bounds, http(s) URLs, and what a field of the suite's
    own, or a field's metadata, gives as its ``json_schema``."""
    extra = {**getattr(field, "json_schema", {}), **field.metadata.get("json_schema", {})}
    if not isinstance(getattr(field, "root", None), InputSchema):
        return extra
    for rule in field.validators:
        if isinstance(rule, validate.Range):
            if rule.min is not None and not rule.min_inclusive:
                extra["exclusiveMinimum"] = True
            if rule.max is not None and not rule.max_inclusive:
                extra["exclusiveMaximum"] = True
    if isinstance(field, fields.Decimal) and field.places is not None:
        extra.update(_rounded_bounds(field))
    if isinstance(field, fields.Raw) and type(field) is fields.Raw and not field.allow_none:
        extra.update(NOT_NULL)
    if isinstance(field, fields.Nested) and field.allow_none and "anyOf" in ret:
        # apispec allows any object beside the nested one; it is the nested schema or null
        extra["anyOf"] = [{**branch, "enum": [None]} if branch.get("type") == "object" else branch
                          for branch in ret["anyOf"]]
    if isinstance(field, (fields.Date, fields.DateTime)):
        first, last = DATE_YEARS
        for rule in field.validators:
            if isinstance(rule, Years):
                first, last = max(first, rule.first), min(last, rule.last)
        extra["pattern"] = year_pattern(first, last)
    elif isinstance(field, fields.Url):
        extra.update(format="uri", pattern=URL_PATTERN)
    elif isinstance(field, fields.Email):
        extra.update(pattern=EMAIL_PATTERN)
    elif isinstance(field, fields.String) and "pattern" not in ret and "enum" not in ret:
        longest = ret.get("maxLength")
        # the lengths are stated apart; a bound past the fuzzer's regex engine (a file's base64) stays out of it
        extra["pattern"] = (rf"^[^\u0000]{{{ret.get('minLength', 0)},{longest or ''}}}$" if (longest or 0) <= 100_000
                            else r"^[^\u0000]*$")
    return extra


def schema_rules(schema) -> dict:
    """The JSON Schema of a schema's own cross-field rules (``states`` in services/kit/schemas.py)."""
    cls = schema if isinstance(schema, type) else type(schema)
    merged: dict = {}
    stated = [method.json_schema for _, method in inspect.getmembers(cls, inspect.isfunction)
              if hasattr(method, "json_schema")]
    stated += [klass.__dict__["json_schema"] for klass in cls.__mro__ if "json_schema" in klass.__dict__]
    for rules in stated:
        for key, value in rules.items():
            if key == "x-ordered":
                merged.setdefault(key, []).extend(value)
            elif key in merged:
                merged.setdefault("allOf", []).append({key: value})
            else:
                merged[key] = value
    return merged


class Converter(OpenAPIConverter):
    def schema2jsonschema(self, schema):
        return {**super().schema2jsonschema(schema), **schema_rules(schema)}


class Plugin(MarshmallowPlugin):
    Converter = Converter


def _schema_name(schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    module = cls.__module__.split(".")
    owner = module[1] if module[0] == "services" else module[0]
    return f"{owner}.{cls.__name__}"


def build_spec(routes, version: str = "1.0.0") -> dict:
    plugin = Plugin(schema_name_resolver=_schema_name)
    spec = APISpec(
        title="County logistics service center API", version=version, openapi_version="3.0.3",
        plugins=[plugin],
        info={"description": "Vehicles, facilities, reception and energy of the county's logistics service center."},
    )
    plugin.converter.add_attribute_function(_limits)
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.security_scheme("apiKey", {"type": "apiKey", "in": "header", "name": "X-API-Key"})
    spec.components.schema("Problem", schema=Problem)
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    paths: dict[str, dict] = {}
    spelled: dict[str, str] = {}  # rules of one shape are one path: the first one's names name it
    for route in routes.routes:
        route_path = spelled.setdefault(PATH_PARAM.sub(r"<\1>", route.path), route.path)
        path = PATH_PARAM.sub(r"{\2}", route_path)
        operation: dict = {
            "summary": route.summary, "tags": [route.tag] if route.tag else [],
            "operationId": route.handler.__name__ + "_" + re.sub(r"\W+", "_", path).strip("_"),
            "parameters": [
                {"in": "path", "name": name, "required": True,
                 "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID} if conv == "int" else {"type": "string"}}
                for conv, name in PATH_PARAM.findall(route_path)
            ],
            "responses": {},
        }
        if route.roles is not None:  # the name an API key is scoped to
            operation["x-scope"] = route.handler.__name__
        if route.query is not None:
            operation["parameters"].append({"in": "query", "schema": route.query})
            rules = schema_rules(route.query)
            if rules:  # parameters cannot say them: the query string as one object must fit this
                operation["x-query-schema"] = rules
        if route.body is not None:
            operation["requestBody"] = {"required": not route.extra.get("body_optional"),
                                        "content": {"application/json": {"schema": route.body}}}
        elif route.extra.get("request_body"):  # a body that is not JSON, e.g. a multipart upload
            operation["requestBody"] = route.extra["request_body"]
        if route.response is not None:
            schema = route.response
            if route.many:
                schema = {"type": "object", "required": ["items", "total"], "properties": {
                    "items": {"type": "array", "items": route.response}, "total": {"type": "integer"}}}
            ok = {"description": "OK", "content": {"application/json": {"schema": schema}}}
        else:
            ok = {"description": "OK"}
        for media_type, body_schema in route.extra.get("other_content", {}).items():  # e.g. a spreadsheet
            ok.setdefault("content", {})[media_type] = {"schema": body_schema}
        if route.extra.get("response_headers"):  # e.g. the Location of an accepted job
            ok["headers"] = route.extra["response_headers"]
        operation["responses"][str(route.status)] = ok
        codes = [400, 503, 504, *route.extra.get("statuses", ())]
        if route.roles is not None:
            operation["security"] = [{"bearer": []}, {"apiKey": []}]
            codes += [401, 403]
        if "<" in route.path or (route.roles is not None and (route.query or "requestBody" in operation)):
            codes.append(404)  # the record in the path, or one the request names
        if route.method in ("POST", "PATCH", "DELETE"):
            codes += [409, 422]
        if "requestBody" in operation:
            codes.append(413)
        for code in sorted(set(codes)):
            operation["responses"][str(code)] = {
                "description": ERRORS[code], "content": {"application/problem+json": {"schema": problem_ref}},
            }
        paths.setdefault(path, {})[route.method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    scopes = sorted(operation["x-scope"] for operations in paths.values() for operation in operations.values()
                    if "x-scope" in operation)
    for schema in document["components"]["schemas"].values():  # a list of them, e.g. an API key's scopes
        for prop in schema.get("properties", {}).values():
            if prop.pop("x-operation-names", False):
                prop["items"]["enum"] = scopes
    return _numbers_as_numbers(document)


NUMERIC_KEYWORDS = {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "default"}


def _numbers_as_numbers(node, key=None):
    """Decimal bounds (money, areas) come out of apispec as Decimal or text; JSON Schema wants numbers."""
    if isinstance(node, dict):
        return {k: _numbers_as_numbers(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [_numbers_as_numbers(v) for v in node]
    if isinstance(node, Decimal):
        return float(node)
    if key in NUMERIC_KEYWORDS - {"default"} and isinstance(node, str):
        try:
            return float(node)
        except ValueError:
            return node
    return node


def docs_assets_dir() -> Path:
    import swagger_ui_bundle

    return Path(swagger_ui_bundle.swagger_ui_path)


DOCS_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>County logistics API</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script src="/docs/static/swagger-ui-standalone-preset.js"></script>
<script>window.ui = SwaggerUIBundle({url: "/api/v1/openapi.json", dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: "StandaloneLayout"});</script>
</body></html>"""

STATIC_TYPES = {".css": "text/css", ".js": "application/javascript", ".png": "image/png", ".map": "application/json"}


def docs_page() -> Response:
    return Response(DOCS_PAGE, mimetype="text/html")


def docs_asset(filename: str) -> Response:
    folder = docs_assets_dir().resolve()
    path = (folder / filename).resolve()
    if folder not in path.parents or not path.is_file() or path.suffix not in STATIC_TYPES:
        from services.kit.errors import NotFound

        raise NotFound("no such asset")
    response = Response(path.read_bytes(), mimetype=STATIC_TYPES[path.suffix])
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
