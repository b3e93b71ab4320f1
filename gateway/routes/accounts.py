"""Logging in (with a second factor where the user has one), enrolling a second factor, and the
administrators' management of users (the system administrator), roles and API keys (the security
administrator) and the reading of the audit trail (the audit administrator): 三员分立."""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from eventlet.greenpool import GreenPool
from werkzeug.wrappers import Response

from gateway import messages
from gateway.auth import qr_svg
from gateway.routes import routes

from services.kit import audit as kit_audit
from services.kit.audit import AuditEntry, AuditQuery
from services.kit.config import SERVICES
from services.kit.context import ADMIN_ROLES, AUDIT_READERS, ROLES, SECURITY_ADMIN, SYSTEM_ADMIN
from services.kit.errors import Forbidden, Invalid, RuleViolation
from services.kit.schemas import ID, InputSchema, Instant, PageQuery, load, page_of, states


# gateway/auth.py refuses a unit user without its unit
UNIT_USER_HAS_A_UNIT = {"anyOf": [{"properties": {"roles": {"items": {"not": {"enum": ["unit_user"]}}}}},
                                  {"required": ["unit_code"], "properties": {"unit_code": {"type": "string"}}}]}


class TokenRequest(InputSchema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))
    totp_code = fields.String(load_default=None, allow_none=True, load_only=True,
                              validate=validate.Regexp(r"^\d{6}$"), metadata={
                                  "description": "the current code of the user's authenticator app, for a user with a "
                                                 "second factor (else 401 rule auth.totp_required)"})
    recovery_code = fields.String(load_default=None, allow_none=True, load_only=True,
                                  validate=validate.Length(min=1, max=40),
                                  metadata={"description": "one of the user's recovery codes instead of a TOTP code; "
                                                           "each is good once"})
    new_password = fields.String(load_default=None, allow_none=True, load_only=True,
                                 validate=validate.Length(min=1, max=200),
                                 metadata={"description": "a new password when the current one has expired "
                                                          "(401 rule auth.password_expired without it)"})


class TotpEnrolment(Schema):
    secret = fields.String(metadata={"description": "base32, for an app that cannot scan; shown once"})
    otpauth_uri = fields.String()
    qr_svg = fields.String(metadata={"description": "the otpauth URI as a QR code (SVG)"})


class TotpConfirm(InputSchema):
    code = fields.String(required=True, load_only=True, validate=validate.Regexp(r"^\d{6}$"))


class RecoveryCodes(Schema):
    recovery_codes = fields.List(fields.String(), metadata={"description": "each good once; shown once, only "
                                                                           "hashes are kept"})


class TokenResponse(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()


@states(UNIT_USER_HAS_A_UNIT)
class UserCreate(InputSchema):
    username = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_.@-]{2,80}$"))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200), metadata={
        "description": "PASSWORD_MIN_LENGTH (10) characters or more, not the username nor containing it, not a "
                       "common password, not one character repeated (else 422 auth.weak_password)"})
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True, validate=validate.Length(min=1))
    unit_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40))


class PasswordSet(InputSchema):
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200),
                             metadata={"description": "the new password (the policy of POST /users)"})


class PasswordChange(InputSchema):
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200),
                             metadata={"description": "the new password (the policy of POST /users)"})


class RolesSet(InputSchema):
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True, validate=validate.Length(min=1))
    unit_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40))


class User(Schema):
    id = fields.Integer()
    username = fields.String()
    roles = fields.List(fields.String())
    unit_code = fields.String(allow_none=True)
    active = fields.Boolean()
    created_at = Instant()
    totp_enabled = fields.Function(lambda user: user.totp_secret is not None, metadata={
        "type": "boolean", "description": "whether the user logs in with a second factor (TOTP)"})
    password_changed_at = Instant(allow_none=True)


@states(UNIT_USER_HAS_A_UNIT)
class ApiKeyCreate(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True, validate=validate.Length(min=1))
    unit_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40))
    client_id = fields.Integer(load_default=None, allow_none=True, validate=ID,
                               metadata={"description": "the integration client whose system holds the key"})
    scopes = fields.List(fields.String(validate=validate.Length(min=1, max=80)), load_default=None, allow_none=True,
                         validate=validate.Length(max=200), metadata={"x-operation-names": True,
                             "description": "operations (x-scope in this document) the key may call, within its "
                                            "roles; none: every operation its roles allow"})


class ApiKey(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    roles = fields.List(fields.String())
    unit_code = fields.String(allow_none=True)
    created_by = fields.String()
    created_at = Instant()
    last_used_at = Instant(allow_none=True)
    revoked_at = Instant(allow_none=True)
    client_id = fields.Integer(allow_none=True)
    scopes = fields.List(fields.String(), allow_none=True)


class ApiKeyCreated(ApiKey):
    key = fields.String(metadata={"description": "shown once; only a hash is kept"})


class ApiKeyCall(Schema):
    id = fields.Integer()
    key_id = fields.Integer()
    called_at = Instant()
    method = fields.String()
    operation = fields.String()
    path = fields.String()
    status = fields.Integer()
    request_id = fields.String()


class Me(Schema):
    name = fields.String()
    roles = fields.List(fields.String())
    unit_code = fields.String(allow_none=True)
    kind = fields.String()


# 三员分立 (services/kit/context.py): the system administrator keeps the users, the security
# administrator their roles and the keys, the audit administrator reads the trail
USER_ADMINS = (SYSTEM_ADMIN,)
USER_READERS = (SYSTEM_ADMIN, SECURITY_ADMIN)
ROLE_ADMINS = (SECURITY_ADMIN,)
KEY_ADMINS = (SECURITY_ADMIN,)
ANYONE = ROLES


@routes.post("/api/v1/auth/token", None, summary="Log in: exchange a username and password for a token",
             tag="auth", body=TokenRequest, response=TokenResponse, extra={"statuses": (401, 429)})
def issue_token(call):
    data = load(TokenRequest(), call.json())
    user = call.app.accounts.login(data["username"], data["password"], call.request.remote_addr or "?",
                                   totp_code=data["totp_code"], recovery_code=data["recovery_code"],
                                   new_password=data["new_password"], language=language_of(call))
    return call.app.tokens.issue(user)


def language_of(call) -> str:
    """``zh-CN`` when the request asks for Chinese, else ``en``."""
    return messages.negotiate(call.request.headers.get("Accept-Language"))


def _a_person(call) -> str:
    if call.caller.kind != "user":
        raise Forbidden("only a person who logged in has a password and a session")
    return call.caller.name


@routes.post("/api/v1/auth/logout", ANYONE, tag="auth", status=204,
             summary="Log out: ends every token and console session of the caller (within seconds on every replica)")
def log_out(call):
    call.app.accounts.logout(_a_person(call))
    return Response(status=204)


@routes.post("/api/v1/auth/password", ANYONE, tag="auth", body=PasswordChange, status=204,
             summary="Change one's own password (ends every token and console session of the caller)")
def change_own_password(call):
    data = load(PasswordChange(), call.json())
    call.app.accounts.change_own_password(_a_person(call), data["current_password"], data["password"],
                                          language=language_of(call))
    return Response(status=204)


@routes.post("/api/v1/auth/totp", ANYONE, tag="auth", response=TotpEnrolment, status=201,
             summary="Start enrolling a second factor: a TOTP secret and its QR code for an authenticator app "
                     "(it holds once a code of it is confirmed)")
def start_totp_enrolment(call):
    secret, uri = call.app.accounts.start_totp(_a_person(call))
    return {"secret": secret, "otpauth_uri": uri, "qr_svg": qr_svg(uri)}


@routes.post("/api/v1/auth/totp/confirm", ANYONE, tag="auth", body=TotpConfirm, response=RecoveryCodes,
             summary="Confirm the second factor with its current code: from now on a login needs a code; "
                     "answers the recovery codes, once")
def confirm_totp_enrolment(call):
    data = load(TotpConfirm(), call.json())
    return {"recovery_codes": call.app.accounts.confirm_totp(_a_person(call), data["code"])}


@routes.get("/api/v1/auth/me", ANYONE, summary="Who the credentials belong to", tag="auth", response=Me)
def who_am_i(call):
    return Me().dump(call.caller)


def check_may_grant(caller, roles) -> None:
    """An administrator's role is granted by the security administrator only (三员分立)."""
    if set(roles) & set(ADMIN_ROLES) and SECURITY_ADMIN not in caller.roles:
        raise Forbidden("an administrator's role is granted by the security administrator",
                        {"roles": ["an administrator's role is granted by the security administrator"]})


@routes.post("/api/v1/users", USER_ADMINS, summary="Create a user (an administrator's role: the security "
             "administrator's)", tag="admin", body=UserCreate, response=User, status=201)
def create_user(call):
    data = load(UserCreate(), call.json())
    check_may_grant(call.caller, data["roles"])
    return User().dump(call.app.accounts.create_user(**data, actor=call.caller.name, language=language_of(call)))


@routes.post("/api/v1/users/<int:user_id>/roles", ROLE_ADMINS, tag="admin", body=RolesSet, response=User,
             summary="Set a user's roles (the security administrator's; not one's own; the user's tokens end)")
def set_user_roles(call):
    data = load(RolesSet(), call.json())
    return User().dump(call.app.accounts.set_roles(call.args["user_id"], data["roles"], data["unit_code"],
                                                   call.caller.name))


@routes.post("/api/v1/users/<int:user_id>/disable", USER_ADMINS, tag="admin", response=User,
             summary="Disable a user: no login, and their tokens and console sessions end within seconds")
def disable_user(call):
    return User().dump(call.app.accounts.disable(call.args["user_id"], call.caller.name))


@routes.post("/api/v1/users/<int:user_id>/enable", USER_ADMINS, tag="admin", response=User,
             summary="Enable a disabled user again (the tokens they had stay ended)")
def enable_user(call):
    return User().dump(call.app.accounts.enable(call.args["user_id"], call.caller.name))


@routes.post("/api/v1/users/<int:user_id>/password", USER_ADMINS, tag="admin", body=PasswordSet, response=User,
             summary="Set a user's password (ends their tokens and console sessions)")
def set_user_password(call):
    data = load(PasswordSet(), call.json())
    return User().dump(call.app.accounts.set_password(call.args["user_id"], data["password"], call.caller.name,
                                                      language=language_of(call)))


@routes.delete("/api/v1/users/<int:user_id>", USER_ADMINS, tag="admin", response=User,
               summary="Delete a user (their tokens and console sessions end within seconds)")
def delete_user(call):
    return User().dump(call.app.accounts.delete_user(call.args["user_id"], call.caller.name))


@routes.get("/api/v1/users", USER_READERS, summary="List users", tag="admin", query=PageQuery, response=User, many=True)
def list_users(call):
    q = load(PageQuery(), call.query())
    items, total = call.app.accounts.list_users(q["limit"], q["offset"])
    return page_of(User(many=True).dump(items), total)


@routes.post("/api/v1/api-keys", KEY_ADMINS, summary="Create an API key for a system (the key is shown once)",
             tag="admin", body=ApiKeyCreate, response=ApiKeyCreated, status=201)
def create_api_key(call):
    data = load(ApiKeyCreate(), call.json())
    operations = {route.handler.__name__ for route in call.app.routes.routes if route.roles is not None}
    unknown = {f"scopes.{n}": ["no such operation"]
               for n, scope in enumerate(data["scopes"] or ()) if scope not in operations}
    if unknown:
        raise Invalid("unknown operations", unknown)
    if data["client_id"] is not None:  # 404 for an unknown client, as for any record a request names
        call.rpc("integrations", "get_client", data["client_id"], False)
    key, secret = call.app.accounts.create_api_key(created_by=call.caller.name, **data)
    return {**ApiKey().dump(key), "key": secret}


@routes.get("/api/v1/api-keys", KEY_ADMINS, summary="List API keys", tag="admin", query=PageQuery, response=ApiKey, many=True)
def list_api_keys(call):
    q = load(PageQuery(), call.query())
    items, total = call.app.accounts.list_api_keys(q["limit"], q["offset"])
    return page_of(ApiKey(many=True).dump(items), total)


@routes.delete("/api/v1/api-keys/<int:key_id>", KEY_ADMINS, summary="Revoke an API key", tag="admin", response=ApiKey)
def revoke_api_key(call):
    return ApiKey().dump(call.app.accounts.revoke_api_key(call.args["key_id"], call.caller))


@routes.get("/api/v1/api-keys/<int:key_id>/calls", KEY_ADMINS, summary="The calls made with an API key, newest first",
            tag="admin", query=PageQuery, response=ApiKeyCall, many=True)
def list_api_key_calls(call):
    q = load(PageQuery(), call.query())
    items, total = call.app.accounts.list_calls(q["limit"], q["offset"], key_id=call.args["key_id"])
    return page_of(ApiKeyCall(many=True).dump(items), total)


@routes.get("/api/v1/integrations/clients/<int:client_id>/calls", KEY_ADMINS, tag="integrations-admin", query=PageQuery,
            response=ApiKeyCall, many=True, summary="The calls a client's systems made with its API keys, newest first")
def list_client_calls(call):
    q = load(PageQuery(), call.query())
    call.rpc("integrations", "get_client", call.args["client_id"], False)  # 404 for an unknown client
    items, total = call.app.accounts.list_calls(q["limit"], q["offset"], client_id=call.args["client_id"])
    return page_of(ApiKeyCall(many=True).dump(items), total)


# every service keeps a trail (integrations: subscriptions paused and resumed) except notifications,
# which keeps its deliveries; the gateway keeps its own (users, API keys, downloads of personal data)
AUDITED_SERVICES = tuple(service for service in SERVICES if service != "notifications") + ("gateway",)


class AuditEntryQuery(AuditQuery):
    service = fields.String(validate=validate.OneOf(AUDITED_SERVICES),
                            metadata={"description": "one service's trail; every service's, merged, when absent"})


class MergedAuditEntry(AuditEntry):
    service = fields.String(metadata={"description": "whose trail (and hash chain) the entry is in"})


def _trail_of(call, service: str, q: dict) -> dict:
    if service == "gateway":
        items, total = call.app.accounts.list_audit_entries(q)
        page = page_of(AuditEntry(many=True).dump(items), total)
    else:
        page = call.rpc(service, "list_audit_entries", AuditQuery().dump(q))
    for item in page["items"]:
        item["service"] = service
    return page


@routes.get("/api/v1/audit-entries", AUDIT_READERS, tag="admin", query=AuditEntryQuery, response=MergedAuditEntry,
            many=True, extra={"statuses": [422]}, summary="The audit trail: every service's and the gateway's entries merged, newest first "
            "(who, from where, what, on which record, with what outcome, in which request); one service's with service")
def list_audit_entries(call):
    q = load(AuditEntryQuery(), call.query())  # names the bad field here, before any call
    page = _merged_trail(call, q)
    # who read the trail, and what they asked, is in the trail too (the auditor's own actions)
    call.app.accounts.record(call.caller, "read", "audit_entry", None, {"query": [None, call.query()]})
    return page


def _merged_trail(call, q: dict) -> dict:
    service = q.pop("service", None)
    if service is not None:
        return _trail_of(call, service, q)
    depth = q["offset"] + q["limit"]
    if depth > kit_audit.MERGE_DEPTH:
        raise RuleViolation("the merged trail pages no deeper than this: narrow it with since and until",
                            "audit.merge_depth", {"offset": [f"offset + limit at most {kit_audit.MERGE_DEPTH}"]})
    each = {**q, "offset": 0, "limit": depth}  # the newest ``depth`` of each trail hold the page
    pages = dict(GreenPool(len(AUDITED_SERVICES)).imap(lambda name: (name, _trail_of(call, name, each)),
                                                       AUDITED_SERVICES))
    merged = sorted((item for page in pages.values() for item in page["items"]),
                    key=lambda item: (item["at"], item["service"], item["id"]), reverse=True)
    return page_of(merged[q["offset"]:depth], sum(page["total"] for page in pages.values()))
