"""The OpenAPI 3 document, built from the routes and the same marshmallow schemas
that validate requests, and the docs page (Swagger UI served from this process)."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields
from werkzeug.wrappers import Response

from services.kit.schemas import MAX_ID

PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")

ERRORS = {
    400: "Invalid input: `errors` names each field",
    401: "No or bad credentials",
    403: "Not allowed for this role",
    404: "Not found (also another unit's record)",
    409: "Conflict: duplicate, double booking, or wrong state",
    422: "A business rule refused it: `rule` names it",
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


def _schema_name(schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    module = cls.__module__.split(".")
    owner = module[1] if module[0] == "services" else module[0]
    return f"{owner}.{cls.__name__}"


def build_spec(routes, version: str = "1.0.0") -> dict:
    spec = APISpec(
        title="County logistics service center API", version=version, openapi_version="3.0.3",
        plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
        info={"description": "Vehicles, facilities, reception and energy of the county's logistics service center."},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.security_scheme("apiKey", {"type": "apiKey", "in": "header", "name": "X-API-Key"})
    spec.components.schema("Problem", schema=Problem)
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    paths: dict[str, dict] = {}
    for route in routes.routes:
        path = PATH_PARAM.sub(r"{\2}", route.path)
        operation: dict = {
            "summary": route.summary, "tags": [route.tag] if route.tag else [],
            "operationId": route.handler.__name__ + "_" + re.sub(r"\W+", "_", path).strip("_"),
            "parameters": [
                {"in": "path", "name": name, "required": True,
                 "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID} if conv == "int" else {"type": "string"}}
                for conv, name in PATH_PARAM.findall(route.path)
            ],
            "responses": {},
        }
        if route.roles is not None:  # the name an API key is scoped to
            operation["x-scope"] = route.handler.__name__
        if route.query is not None:
            operation["parameters"].append({"in": "query", "schema": route.query})
        if route.body is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": route.body}}}
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
        codes = [400, 503, 504]
        if route.roles is not None:
            operation["security"] = [{"bearer": []}, {"apiKey": []}]
            codes += [401, 403]
        if "<" in route.path:
            codes.append(404)
        if route.method in ("POST", "PATCH", "DELETE"):
            codes += [409, 422]
        for code in sorted(set(codes)):
            operation["responses"][str(code)] = {
                "description": ERRORS[code], "content": {"application/problem+json": {"schema": problem_ref}},
            }
        paths.setdefault(path, {})[route.method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return _numbers_as_numbers(spec.to_dict())


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
