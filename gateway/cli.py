"""Administer users and API keys from the command line.

    python -m gateway.cli create-user NAME --role dispatcher [--unit U001] [--password P]
    python -m gateway.cli create-api-key NAME --role unit_user --unit U001
    python -m gateway.cli revoke-api-key ID
    python -m gateway.cli set-password NAME   (asks for it; ends the user's tokens)
    python -m gateway.cli disable-user NAME   (no login; the user's tokens end within seconds)
    python -m gateway.cli enable-user NAME
    python -m gateway.cli delete-user NAME
    python -m gateway.cli ensure-admin      (what `make run` does at start)

A password not given is asked for, or generated and printed once; every password meets the
policy (docs/security.md). Changes to users are in the gateway's audit trail, by "cli".
"""
from __future__ import annotations

import argparse
import getpass
import secrets
import sys

from sqlalchemy.orm import sessionmaker

from gateway.auth import WEAK_PASSWORD, Accounts, password_min_length
from services.kit.config import database_url, env
from services.kit.db import make_engine
from services.kit.errors import RuleViolation, ServiceError


def accounts() -> Accounts:
    return Accounts(sessionmaker(make_engine(database_url("gateway"), pool_size=1), expire_on_commit=False))


def ensure_admin(store: Accounts, out=print) -> None:
    """Creates the first admin when there are no users yet."""
    if store.user_count():
        out(f"log in as an existing user (the first admin is '{env('ADMIN_USERNAME', 'admin')}')")
        return
    username = env("ADMIN_USERNAME", "admin")
    password = env("ADMIN_PASSWORD", "")
    generated = not password
    password = password or secrets.token_urlsafe(12)
    try:
        store.create_user(username, password, ["admin"])  # ADMIN_PASSWORD meets the policy too
    except RuleViolation as exc:
        if exc.rule != WEAK_PASSWORD:
            raise
        # `make run` calls this too: one line, no traceback, and a non-zero exit
        raise SystemExit(f"ADMIN_PASSWORD does not meet the password policy (docs/security.md: at least "
                         f"{password_min_length()} characters, not the username, not a common password, not one "
                         f"character repeated): it {'; it '.join(exc.errors.get('password', []))}") from None
    if generated:
        out(f"created the first admin: username '{username}', password '{password}' (shown once; "
            "set ADMIN_PASSWORD to choose it)")
    else:
        out(f"created the first admin '{username}' with the password from ADMIN_PASSWORD")


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
        else:
            ensure_admin(store)
    except ServiceError as exc:
        print(f"error: {exc.detail} {exc.errors or ''}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
