"""The gateway's routes: thin, each one a role check and one RPC.

Role sets here are the coarse gate (API.md); each service checks the caller again
and scopes a unit user to its own unit.
"""
from __future__ import annotations

from dataclasses import dataclass

from marshmallow import Schema, fields, validate

from gateway.http import Routes
from services.energy import contract as energy
from services.facilities import contract as facilities
from services.kit.context import ROLES
from services.kit.schemas import InputSchema, PageQuery, load, page_of
from services.reception import contract as reception
from services.vehicles import contract as vehicles

routes = Routes()


# auth, users and keys ----------------------------------------------------------
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


# the services' resources -------------------------------------------------------
@dataclass(frozen=True)
class Resource:
    """A collection served by one service: list, create and read one, by RPC."""

    path: str
    service: str
    singular: str
    plural: str
    tag: str
    readers: tuple
    writers: tuple
    create: type
    out: type
    query: type
    create_method: str = ""

    def register(self, routes: Routes) -> None:
        create_method = self.create_method or f"create_{self.singular}"

        def list_items(call):
            return call.rpc(self.service, f"list_{self.plural}", call.query())

        def create_item(call):
            return 201, call.rpc(self.service, create_method, call.json())

        def get_item(call):
            return call.rpc(self.service, f"get_{self.singular}", call.args["item_id"])

        label = self.singular.replace("_", " ")
        routes.get(self.path, self.readers, summary=f"List {self.plural.replace('_', ' ')}", tag=self.tag,
                   query=self.query, response=self.out, many=True)(list_items)
        routes.post(self.path, self.writers, summary=f"Register a {label}", tag=self.tag,
                    body=self.create, response=self.out, status=201)(create_item)
        routes.get(f"{self.path}/<int:item_id>", self.readers, summary=f"Read one {label}", tag=self.tag,
                   response=self.out)(get_item)


FLEET_READERS = ("dispatcher", "leader", "unit_user")
FACILITY_READERS = ("facility_manager", "technician", "leader", "unit_user")
RECEPTION_READERS = ("reception_officer", "leader", "unit_user")
ENERGY_READERS = ("energy_officer", "leader", "unit_user")

RESOURCES = (
    Resource("/api/v1/vehicles", "vehicles", "vehicle", "vehicles", "vehicles", FLEET_READERS, ("dispatcher",),
             vehicles.VehicleCreate, vehicles.Vehicle, vehicles.VehicleQuery),
    Resource("/api/v1/buildings", "facilities", "building", "buildings", "facilities", FACILITY_READERS,
             ("facility_manager",), facilities.BuildingCreate, facilities.Building, facilities.BuildingQuery),
    Resource("/api/v1/rooms", "facilities", "room", "rooms", "facilities", FACILITY_READERS,
             ("facility_manager",), facilities.RoomCreate, facilities.Room, facilities.RoomQuery),
    Resource("/api/v1/visitors", "reception", "visitor", "visitors", "reception", RECEPTION_READERS,
             ("reception_officer",), reception.VisitorCreate, reception.Visitor, reception.VisitorQuery,
             create_method="register_visitor"),
    Resource("/api/v1/institutions", "energy", "institution", "institutions", "energy", ENERGY_READERS,
             ("energy_officer",), energy.InstitutionCreate, energy.Institution, energy.InstitutionQuery),
)
for resource in RESOURCES:
    resource.register(routes)


@routes.patch("/api/v1/rooms/<int:room_id>", ("facility_manager",), summary="Change a room's area, type or unit",
              tag="facilities", body=facilities.RoomUpdate, response=facilities.Room)
def update_room(call):
    return call.rpc("facilities", "update_room", call.args["room_id"], call.json())


@routes.post("/api/v1/visitors/<int:visitor_id>/check-out", ("reception_officer",), summary="Check a visitor out",
             tag="reception", response=reception.Visitor)
def check_out_visitor(call):
    return call.rpc("reception", "check_out_visitor", call.args["visitor_id"])


# health, the API document and its docs page (no credentials needed) ----------
@routes.get("/health", None, summary="The gateway process is alive", tag="health")
def health(call):
    return {"status": "ok", "service": "gateway"}


@routes.get("/health/services", None, summary="Each service, checked over RPC with a short timeout", tag="health")
def health_services(call):
    report = call.app.check_services()
    down = any(entry["status"] != "ok" for entry in report.values())
    return (503 if down else 200), {"status": "degraded" if down else "ok", "services": report}


@routes.get("/api/v1/openapi.json", None, summary="This document", tag="docs")
def openapi_document(call):
    return call.app.openapi()


@routes.get("/docs", None, summary="The API reference page", tag="docs")
def docs(call):
    from gateway.openapi import docs_page

    return docs_page()


@routes.get("/docs/static/<path:filename>", None, summary="Assets of the docs page", tag="docs")
def docs_static(call):
    from gateway.openapi import docs_asset

    return docs_asset(call.args["filename"])
