"""Administer users and API keys from the command line.

    python -m gateway.cli create-user NAME --role dispatcher [--unit U001] [--password P]
    python -m gateway.cli create-api-key NAME --role unit_user --unit U001
    python -m gateway.cli revoke-api-key ID
    python -m gateway.cli set-password NAME   (asks for it; ends the user's tokens)
    python -m gateway.cli disable-user NAME   (no login; the user's tokens end within seconds)
    python -m gateway.cli enable-user NAME
    python -m gateway.cli delete-user NAME
    python -m gateway.cli set-roles NAME --role R [--role R] [--unit U]
    python -m gateway.cli reset-totp NAME   (a new second factor: secret, QR URI, recovery codes, shown once)
    python -m gateway.cli ensure-admin      (what `make run` and deploy/ do at start)

A password not given is asked for, or generated and printed once; every password meets the
policy (docs/security.md). Changes to users are in the gateway's audit trail, by "cli".

``ensure-admin`` follows ``SECURITY_PROFILE`` (gateway/security.py). Under ``basic`` it creates one
admin (``ADMIN_USERNAME``, ``ADMIN_PASSWORD``) holding the three administrators' roles. Under
``level3`` it creates the three administrators apart, each from ``<ROLE>_USERNAME``,
``<ROLE>_PASSWORD`` and ``<ROLE>_TOTP_SECRET`` (ROLE: SYSTEM_ADMIN, SECURITY_ADMIN, AUDIT_ADMIN;
names default to sysadmin, secadmin, auditadmin); what is not given is generated and printed once.
"""
from __future__ import annotations

import argparse
import getpass
import secrets
import sys

from sqlalchemy.orm import sessionmaker

import pyotp

from gateway.auth import WEAK_PASSWORD, Accounts, otpauth_uri, password_min_length
from gateway.security import NOT_GRADED, SecurityProfile
from services.kit.config import database_url, env
from services.kit.context import ADMIN_ROLES
from services.kit.db import make_engine
from services.kit.errors import RuleViolation, ServiceError


def accounts() -> Accounts:
    return Accounts(sessionmaker(make_engine(database_url("gateway"), pool_size=1), expire_on_commit=False),
                    profile=SecurityProfile.from_env())


# the level-3 profile's first administrators: the prefix of their variables, their default names
FIRST_ADMINISTRATORS = {"system_admin": ("SYSTEM_ADMIN", "sysadmin"), "security_admin": ("SECURITY_ADMIN", "secadmin"),
                        "audit_admin": ("AUDIT_ADMIN", "auditadmin")}


def ensure_admin(store: Accounts, out=print) -> None:
    """Creates the first administrators when there are no users yet: the basic profile's one admin
    holding the three roles, or the level-3 profile's three apart, each with a second factor."""
    if not store.profile.graded:
        out(NOT_GRADED)
    if store.user_count():
        names = (", ".join(env(f"{prefix}_USERNAME", name) for prefix, name in FIRST_ADMINISTRATORS.values())
                 if store.profile.graded else env("ADMIN_USERNAME", "admin"))
        out(f"log in as an existing user (the first administrators: {names})")
        return
    if not store.profile.graded:
        _first(store, out, "ADMIN", env("ADMIN_USERNAME", "admin"), list(ADMIN_ROLES))
        return
    for role, (prefix, default_name) in FIRST_ADMINISTRATORS.items():
        _first(store, out, prefix, env(f"{prefix}_USERNAME", default_name), [role])


def _first(store: Accounts, out, prefix: str, username: str, roles: list[str]) -> None:
    password = env(f"{prefix}_PASSWORD", "")
    generated = not password
    password = password or secrets.token_urlsafe(12)
    totp_secret = None
    if store.profile.totp_required(roles):
        totp_secret = env(f"{prefix}_TOTP_SECRET", "") or pyotp.random_base32()
    try:
        store.create_user(username, password, roles, totp_secret=totp_secret)  # the given password meets the policy too
    except RuleViolation as exc:
        if exc.rule != WEAK_PASSWORD:
            raise
        # `make run` calls this too: one line, no traceback, and a non-zero exit
        raise SystemExit(f"{prefix}_PASSWORD does not meet the password policy (docs/security.md: at least "
                         f"{password_min_length()} characters, not the username, not a common password, not one "
                         f"character repeated): it {'; it '.join(exc.errors.get('password', []))}") from None
    what = "admin" if prefix == "ADMIN" else roles[0]
    if generated:
        out(f"created the first {what}: username '{username}', password '{password}' (shown once; "
            f"set {prefix}_PASSWORD to choose it)")
    else:
        out(f"created the first {what} '{username}' with the password from {prefix}_PASSWORD")
    if totp_secret and not env(f"{prefix}_TOTP_SECRET", ""):
        out(f"  its second factor (shown once; set {prefix}_TOTP_SECRET to choose it): secret {totp_secret}, "
            f"for an authenticator app: {otpauth_uri(totp_secret, username)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.cli", description="Users and API keys of the gateway")
    commands = parser.add_subparsers(dest="command", required=True)
    user = commands.add_parser("create-user")
    user.add_argument("username")
    user.add_argument("--role", action="append", required=True, dest="roles")
    user.add_argument("--unit", dest="unit_code")
    user.add_argument("--password")
    key = commands.add_parser("create-api-key")
    key.add_argument("name")
    key.add_argument("--role", action="append", required=True, dest="roles")
    key.add_argument("--unit", dest="unit_code")
    key.add_argument("--scope", action="append", dest="scopes", help="an operation the key may call (x-scope)")
    key.add_argument("--client", type=int, dest="client_id", help="the integration client holding the key")
    revoke = commands.add_parser("revoke-api-key")
    revoke.add_argument("key_id", type=int)
    for name in ("set-password", "disable-user", "enable-user", "delete-user"):
        commands.add_parser(name).add_argument("username")
    roles = commands.add_parser("set-roles")
    roles.add_argument("username")
    roles.add_argument("--role", action="append", required=True, dest="roles")
    roles.add_argument("--unit", dest="unit_code")
    commands.add_parser("reset-totp").add_argument("username")
    commands.add_parser("ensure-admin")
    args = parser.parse_args(argv)
    store = accounts()
    try:
        if args.command == "create-user":
            secret = args.password or (getpass.getpass("password: ") if sys.stdin.isatty() else secrets.token_urlsafe(12))
            store.create_user(args.username, secret, args.roles, args.unit_code)
            print(f"created {args.username}" + ("" if args.password or sys.stdin.isatty() else f" with password {secret}"))
        elif args.command == "create-api-key":
            record, secret = store.create_api_key(args.name, args.roles, args.unit_code, created_by="cli",
                                                  client_id=args.client_id, scopes=args.scopes)
            print(f"API key {record.id} for {args.name} (shown once): {secret}")
        elif args.command == "revoke-api-key":
            store.revoke_api_key(args.key_id)
            print(f"revoked API key {args.key_id}")
        elif args.command == "set-password":
            store.set_password(args.username, getpass.getpass("new password: "))
            print("password changed; the user's tokens have ended")
        elif args.command == "disable-user":
            store.disable(args.username, "cli")
            print(f"disabled {args.username}; their tokens have ended")
        elif args.command == "enable-user":
            store.enable(args.username, "cli")
            print(f"enabled {args.username}")
        elif args.command == "delete-user":
            store.delete_user(args.username, "cli")
            print(f"deleted {args.username}")
        elif args.command == "set-roles":
            store.set_roles(args.username, args.roles, args.unit_code, "cli")
            print(f"{args.username} now holds {', '.join(args.roles)}; their tokens have ended")
        elif args.command == "reset-totp":
            user, secret, codes = store.reset_totp(args.username)
            print(f"second factor of {user.username} (shown once): secret {secret}")
            print(f"for an authenticator app: {otpauth_uri(secret, user.username)}")
            print("recovery codes, each good once: " + " ".join(codes))
        else:
            ensure_admin(store)
    except ServiceError as exc:
        print(f"error: {exc.detail} {exc.errors or ''}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
