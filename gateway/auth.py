"""Authentication: JWT for people, hashed API keys for systems; one Caller for both.

Passwords are hashed with Argon2id. A key is ``lsk_<prefix>_<secret>``: the prefix
finds the row, only a SHA-256 of the secret is stored (a 256-bit random secret needs
no slow hash), and it is compared in constant time.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cachetools import TLRUCache
from sqlalchemy import select

from gateway.models import ApiKey, ApiKeyCall, User
from services.kit.context import ROLES, Caller
from services.kit.db import utcnow
from services.kit.errors import Conflict, Invalid, NotFound

JWT_ALGORITHM = "HS256"
JWT_AUDIENCE = "county-logistics-api"
JWT_ISSUER = "county-logistics-gateway"

_hasher = PasswordHasher()


class Unauthorized(Exception):
    """No credentials, or credentials that do not hold (401)."""


class TooManyAttempts(Exception):
    """Too many login attempts (429); ``retry_after`` in seconds."""

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after


@dataclass(frozen=True)
class LoginPolicy:
    """Consecutive failures that lock an account, and for how long."""

    max_failures: int = 5
    lockout_seconds: int = 900

    @classmethod
    def from_env(cls) -> "LoginPolicy":
        from services.kit.config import env_int

        return cls(env_int("LOGIN_MAX_FAILURES", cls.max_failures), env_int("LOGIN_LOCKOUT_SECONDS", cls.lockout_seconds))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the user does not exist, so timing does not tell.
_ABSENT_USER_HASH = hash_password(secrets.token_urlsafe(16))


class Tokens:
    """Signs with ``secret``; also accepts tokens signed with ``previous_secret`` so the
    secret can be rotated without logging everyone out at once (docs/operations.md).

    A verified token is remembered until it expires (tokens are stateless: nothing revokes
    one sooner), so a client's next request skips the signature and claims check, a sixth
    of the gateway's work on a read (docs/performance.md)."""

    def __init__(self, secret: str, ttl_seconds: int, previous_secret: str | None = None, remembered: int = 4096):
        self.secret = secret
        self.ttl_seconds = ttl_seconds
        self.verification_keys = [secret] + ([previous_secret] if previous_secret else [])
        self._verified = TLRUCache(maxsize=remembered, ttu=lambda _token, entry, _now: entry[1], timer=time.time)

    def issue(self, user: User) -> dict:
        now = utcnow()
        claims = {
            "sub": user.username, "roles": list(user.roles), "unit_code": user.unit_code,
            "iat": now, "nbf": now, "exp": now + timedelta(seconds=self.ttl_seconds),
            "iss": JWT_ISSUER, "aud": JWT_AUDIENCE,
        }
        token = jwt.encode(claims, self.secret, algorithm=JWT_ALGORITHM)
        return {"access_token": token, "token_type": "bearer", "expires_in": self.ttl_seconds}

    def caller(self, token: str) -> Caller:
        remembered = self._verified.get(token)
        if remembered is not None:
            return remembered[0]
        for key in self.verification_keys:
            try:
                claims = jwt.decode(
                    token, key, algorithms=[JWT_ALGORITHM], audience=JWT_AUDIENCE, issuer=JWT_ISSUER,
                    options={"require": ["exp", "iat", "sub", "aud", "iss"]},
                )
                break
            except jwt.InvalidSignatureError:
                continue
            except jwt.PyJWTError as exc:
                raise Unauthorized(f"invalid token: {type(exc).__name__}") from None
        else:
            raise Unauthorized("invalid token: InvalidSignatureError")
        caller = Caller(name=claims["sub"], roles=tuple(claims.get("roles", ())), unit_code=claims.get("unit_code"))
        self._verified[token] = (caller, claims["exp"])
        return caller


def check_roles(roles: list[str], unit_code: str | None) -> None:
    unknown = [role for role in roles if role not in ROLES]
    if not roles or unknown:
        raise Invalid("unknown roles", {"roles": [f"choose from: {', '.join(ROLES)}"]})
    if "unit_user" in roles and not unit_code:
        raise Invalid("a unit user needs a unit", {"unit_code": ["required for the unit_user role"]})


class Accounts:
    """Users and API keys, in the gateway's own database."""

    def __init__(self, sessionmaker, policy: LoginPolicy | None = None):
        self.sessionmaker = sessionmaker
        self.policy = policy or LoginPolicy()

    def login(self, username: str, password: str) -> User:
        """The user, or Unauthorized; an account is locked after ``max_failures``
        consecutive failures for ``lockout_seconds`` (TooManyAttempts, also for the
        right password, so guessing on cannot tell)."""
        with self.sessionmaker.begin() as session:
            user = session.scalar(select(User).where(User.username == username).with_for_update())
            if user is None:
                verify_password(_ABSENT_USER_HASH, password)
                raise Unauthorized("wrong username or password")
            now = utcnow()
            if user.locked_until is not None and user.locked_until > now:
                raise TooManyAttempts("too many failed logins: the account is locked for a while",
                                      int((user.locked_until - now).total_seconds()) + 1)
            if not user.active or not verify_password(user.password_hash, password):
                user.failed_logins = (user.failed_logins or 0) + 1
                if user.failed_logins >= self.policy.max_failures:
                    user.failed_logins = 0
                    user.locked_until = now + timedelta(seconds=self.policy.lockout_seconds)
                failed = True
            else:
                user.failed_logins, user.locked_until = 0, None
                failed = False
        if failed:  # raised after the commit, so the count is kept
            raise Unauthorized("wrong username or password")
        return user

    def create_user(self, username: str, password: str, roles: list[str], unit_code: str | None = None) -> User:
        check_roles(roles, unit_code)
        with self.sessionmaker.begin() as session:
            if session.scalar(select(User.id).where(User.username == username)):
                raise Conflict(f"user {username} exists", {"username": ["already taken"]})
            user = User(username=username, password_hash=hash_password(password), roles=roles, unit_code=unit_code)
            session.add(user)
        return user

    def set_password(self, username: str, password: str) -> None:
        with self.sessionmaker.begin() as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                raise NotFound(f"user {username} not found")
            user.password_hash = hash_password(password)

    def list_users(self, limit: int, offset: int):
        from services.kit.db import paginate

        with self.sessionmaker() as session:
            return paginate(session, select(User).order_by(User.id), limit, offset)

    def user_count(self) -> int:
        from sqlalchemy import func

        with self.sessionmaker() as session:
            return session.scalar(select(func.count()).select_from(User))

    def create_api_key(self, name: str, roles: list[str], unit_code: str | None, created_by: str,
                       client_id: int | None = None, scopes: list[str] | None = None) -> tuple[ApiKey, str]:
        check_roles(roles, unit_code)
        prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        key = ApiKey(
            prefix=prefix, secret_hash=hashlib.sha256(secret.encode()).hexdigest(), name=name,
            roles=roles, unit_code=unit_code, created_by=created_by, client_id=client_id, scopes=scopes or None,
        )
        with self.sessionmaker.begin() as session:
            session.add(key)
        return key, f"lsk_{prefix}_{secret}"

    def list_api_keys(self, limit: int, offset: int):
        from services.kit.db import paginate

        with self.sessionmaker() as session:
            return paginate(session, select(ApiKey).order_by(ApiKey.id), limit, offset)

    def revoke_api_key(self, key_id: int) -> ApiKey:
        with self.sessionmaker.begin() as session:
            key = session.get(ApiKey, key_id)
            if key is None:
                raise NotFound(f"API key {key_id} not found")
            key.revoked_at = key.revoked_at or utcnow()
            return key

    def api_key_caller(self, presented: str) -> Caller:
        return self.authenticate_key(presented)[1]

    def authenticate_key(self, presented: str) -> tuple[int, Caller]:
        """The key's id and its caller: its roles, its unit, its scopes."""
        parts = presented.split("_", 2)
        if len(parts) != 3 or parts[0] != "lsk":
            raise Unauthorized("invalid API key")
        _, prefix, secret = parts
        with self.sessionmaker.begin() as session:
            key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
            digest = hashlib.sha256(secret.encode()).hexdigest()
            if key is None or key.revoked_at is not None or not hmac.compare_digest(digest, key.secret_hash):
                raise Unauthorized("invalid API key")
            now = utcnow()
            if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
                key.last_used_at = now  # minute precision spares a write per request
            return key.id, Caller(name=f"key:{key.name}", roles=tuple(key.roles), unit_code=key.unit_code,
                                  kind="api_key", scopes=tuple(key.scopes or ()))

    def record_call(self, key_id: int, method: str, operation: str, path: str, status: int, request_id: str) -> None:
        with self.sessionmaker.begin() as session:
            session.add(ApiKeyCall(key_id=key_id, method=method, operation=operation, path=path[:300], status=status,
                                   request_id=request_id))

    def list_calls(self, limit: int, offset: int, key_id: int | None = None, client_id: int | None = None):
        """The calls made with one key, or with any key of one client, newest first."""
        from services.kit.db import paginate

        statement = select(ApiKeyCall).order_by(ApiKeyCall.id.desc())
        if key_id is not None:
            statement = statement.where(ApiKeyCall.key_id == key_id)
        if client_id is not None:
            statement = statement.where(ApiKeyCall.key_id.in_(select(ApiKey.id).where(ApiKey.client_id == client_id)))
        with self.sessionmaker() as session:
            return paginate(session, statement, limit, offset)
