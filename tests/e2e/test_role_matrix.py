"""Every route × every role: the roles a route names get past the gate (and the system
administrator every gate but the security and audit administrators'), every other role gets
403, and nobody gets a 5xx. (Unit scoping, 404 for another unit's records, is checked per
service.) The administrators' own operations are named with their roles below (三员分立)."""
import re
import uuid

import pytest
import requests

from gateway.service import routes
from services.kit.context import AUDIT_ADMIN, ROLES, SECURITY_ADMIN, SEPARATED_DUTIES, SYSTEM_ADMIN
from tests.e2e.conftest import token_for

pytestmark = pytest.mark.e2e

PROTECTED = [route for route in routes.routes if route.roles is not None]
# routes that end the caller's sessions: the matrix logs its users in again after each
ENDS_SESSIONS = {"log_out", "change_own_password"}


# 三员分立: who does each of the administrators' operations (and nobody else, a leader included)
ADMINISTRATION = {
    **dict.fromkeys(("create_user", "disable_user", "enable_user", "set_user_password", "delete_user"),
                    {SYSTEM_ADMIN}),
    "list_users": {SYSTEM_ADMIN, SECURITY_ADMIN},
    **dict.fromkeys(("set_user_roles", "create_api_key", "list_api_keys", "revoke_api_key", "list_api_key_calls",
                     "list_client_calls", "allow_host", "list_allowed_hosts", "remove_allowed_host"),
                    {SECURITY_ADMIN}),
    "list_audit_entries": {AUDIT_ADMIN},
}


def allowed_roles(route) -> set[str]:
    """The roles the route names; the system administrator besides, unless the route is the security or
    the audit administrator's work."""
    system = set() if set(route.roles) & SEPARATED_DUTIES else {SYSTEM_ADMIN}
    return {role for role in ROLES if role in route.roles} | system


def test_each_administrators_operation_is_theirs_alone():
    by_name = {route.handler.__name__: route for route in PROTECTED}
    assert {name: allowed_roles(by_name[name]) for name in ADMINISTRATION} == ADMINISTRATION


def concrete(path: str) -> str:
    # no user's id: user 1 is the stack's admin, whom the admin routes would disable or delete
    return re.sub(r"<(?:\w+:)?\w+>", "2147483647" if path.startswith("/api/v1/users/") else "1", path)


@pytest.fixture(scope="module")
def tokens(stack, admin):
    issued = {"users": {}}
    for role in ROLES:
        username = f"matrix-{role}-{uuid.uuid4().hex[:6]}"
        body = {"username": username, "password": "matrix-password-1", "roles": [role]}
        if role == "unit_user":
            body["unit_code"] = "U-MATRIX"
        assert admin.post(stack.url("/api/v1/users"), json=body, timeout=10).status_code == 201
        issued["users"][role] = username
        issued[role] = token_for(stack, username, "matrix-password-1")
    return issued


@pytest.mark.parametrize("route", PROTECTED, ids=lambda r: r.endpoint)
def test_only_the_routes_roles_pass_its_gate(stack, tokens, route):
    outcomes = {}
    for role in ROLES:
        response = requests.request(route.method, stack.url(concrete(route.path)), json={}, timeout=15,
                                    headers={"Authorization": f"Bearer {tokens[role]}"})
        outcomes[role] = response.status_code
        assert response.status_code < 500, (role, response.status_code, response.text[:300])
    if route.handler.__name__ in ENDS_SESSIONS:
        for role, username in tokens["users"].items():
            tokens[role] = token_for(stack, username, "matrix-password-1")
    allowed = allowed_roles(route)
    refused = {role for role, status in outcomes.items() if status == 403}
    assert refused == set(ROLES) - allowed, outcomes
