"""Logging in, and the admins' management of users and API keys."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from gateway.auth import TooManyAttempts
from gateway.routes import routes
from services.kit.audit import AuditEntry, AuditQuery
from services.kit.config import SERVICES
from services.kit.context import ROLES
from services.kit.schemas import InputSchema, PageQuery, load, page_of


class TokenRequest(InputSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))


class TokenResponse(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()


class UserCreate(InputSchema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.@-]{2,80}$"))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=10, max=200))
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True, validate=validate.Length(min=1))
    unit_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40))


class User(Schema):
    id = fields.Integer()
    username = fields.String()
    roles = fields.List(fields.String())
    unit_code = fields.String(allow_none=True)
    active = fields.Boolean()
    created_at = fields.AwareDateTime()


class ApiKeyCreate(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True, validate=validate.Length(min=1))
    unit_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40))


class ApiKey(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    roles = fields.List(fields.String())
    unit_code = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = fields.AwareDateTime()
    last_used_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)


class ApiKeyCreated(ApiKey):
    key = fields.String(metadata={"description": "shown once; only a hash is kept"})


class Me(Schema):
    name = fields.String()
    roles = fields.List(fields.String())
    unit_code = fields.String(allow_none=True)
    kind = fields.String()


ADMIN = ("admin",)
ANYONE = ROLES


@routes.post("/api/v1/auth/token", None, summary="Log in: exchange a username and password for a token",
             tag="auth", body=TokenRequest, response=TokenResponse)
def issue_token(call):
    wait = call.app.login_limit.allow(call.request.remote_addr or "?")
    if wait:
        raise TooManyAttempts("too many login attempts from this address", int(wait) + 1)
    data = load(TokenRequest(), call.json())
    user = call.app.accounts.login(data["username"], data["password"])
    return call.app.tokens.issue(user)


@routes.get("/api/v1/auth/me", ANYONE, summary="Who the credentials belong to", tag="auth", response=Me)
def who_am_i(call):
    return Me().dump(call.caller)


@routes.post("/api/v1/users", ADMIN, summary="Create a user", tag="admin", body=UserCreate, response=User, status=201)
def create_user(call):
    data = load(UserCreate(), call.json())
    return User().dump(call.app.accounts.create_user(**data))


@routes.get("/api/v1/users", ADMIN, summary="List users", tag="admin", query=PageQuery, response=User, many=True)
def list_users(call):
    q = load(PageQuery(), call.query())
    items, total = call.app.accounts.list_users(q["limit"], q["offset"])
    return page_of(User(many=True).dump(items), total)


@routes.post("/api/v1/api-keys", ADMIN, summary="Create an API key for a system (the key is shown once)",
             tag="admin", body=ApiKeyCreate, response=ApiKeyCreated, status=201)
def create_api_key(call):
    data = load(ApiKeyCreate(), call.json())
    key, secret = call.app.accounts.create_api_key(created_by=call.caller.name, **data)
    return {**ApiKey().dump(key), "key": secret}


@routes.get("/api/v1/api-keys", ADMIN, summary="List API keys", tag="admin", query=PageQuery, response=ApiKey, many=True)
def list_api_keys(call):
    q = load(PageQuery(), call.query())
    items, total = call.app.accounts.list_api_keys(q["limit"], q["offset"])
    return page_of(ApiKey(many=True).dump(items), total)


@routes.delete("/api/v1/api-keys/<int:key_id>", ADMIN, summary="Revoke an API key", tag="admin", response=ApiKey)
def revoke_api_key(call):
    return ApiKey().dump(call.app.accounts.revoke_api_key(call.args["key_id"]))


class AuditEntryQuery(AuditQuery):
    service = fields.String(required=True, validate=validate.OneOf(SERVICES),
                            metadata={"description": "whose trail: each service keeps its own"})


@routes.get("/api/v1/audit-entries", ADMIN, summary="The audit trail of one service: approvals, rejections, "
            "assignments, allocations and corrections (who, when, what changed), newest first",
            tag="admin", query=AuditEntryQuery, response=AuditEntry, many=True)
def list_audit_entries(call):
    query = call.query()
    load(AuditEntryQuery(), query)  # names the bad field here, before any call
    return call.rpc(query.pop("service"), "list_audit_entries", query)
