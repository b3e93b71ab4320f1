"""Authentication: JWT for people, hashed API keys for systems; one Caller for both.

Passwords are hashed with Argon2id in a small pool of real threads (``eventlet.tpool``):
a hash takes tens of milliseconds of CPU, and on the event loop it would hold every other
request behind it. A key is ``lsk_<prefix>_<secret>``: the prefix finds the row, only a
SHA-256 of the secret is stored (a 256-bit random secret needs no slow hash), and it is
compared in constant time.

A person's token names the user's id and token version; disabling, deleting, a password
change and logging out raise the version, and every replica refuses the older tokens once
its short-lived copy of the user's standing has expired (``SESSION_RECHECK_SECONDS``).
"""
from __future__ import annotations

import hashlib
import hmac
import math
import os
import re
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Callable

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cachetools import TLRUCache, TTLCache
from eventlet import tpool
from eventlet.semaphore import Semaphore
from sqlalchemy import select

from gateway import messages
from gateway.models import ApiKey, ApiKeyCall, AuditEntry, User
from gateway.ratelimit import Backoff
from services.kit.audit import trail_query
from services.kit.config import env_float, env_int, settings_from_env
from services.kit.audit_chain import seal
from services.kit.context import ROLES, Caller, current_address, current_request_id
from services.kit.db import paginate, utcnow
from services.kit.errors import Conflict, Invalid, NotFound, RuleViolation

JWT_ALGORITHM = "HS256"
JWT_AUDIENCE = "county-logistics-api"
JWT_ISSUER = "county-logistics-gateway"

@dataclass(frozen=True)
class HashCost:
    """Argon2id's cost: argon2-cffi's defaults (RFC 9106's low-memory profile), each settable by
    ``PASSWORD_HASH_<FIELD>``. Only a place that keeps no real password lowers them (the unit tests)."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4

    @classmethod
    def from_env(cls) -> "HashCost":
        return settings_from_env(cls, "PASSWORD_HASH")


def password_hasher(cost: HashCost | None = None) -> PasswordHasher:
    cost = cost or HashCost.from_env()
    return PasswordHasher(time_cost=cost.time_cost, memory_cost=cost.memory_kib, parallelism=cost.parallelism)


_hasher = password_hasher()
# at most this many hashes at once, each in a real thread: the CPU is shared with the requests
# (and each Argon2 hash takes 64 MiB), logins beyond it wait their turn without holding the loop
_hashing = Semaphore(env_int("PASSWORD_HASH_THREADS", 4))


class Unauthorized(Exception):
    """No credentials, or credentials that do not hold (401)."""


class TooManyAttempts(Exception):
    """Too many login attempts (429); ``retry_after`` in seconds."""

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after


@dataclass(frozen=True)
class LoginPolicy:
    """How failed logins slow the next attempt down (``gateway.ratelimit.Backoff``): per
    username (known or not, alike) and per client address. Only failures count."""

    free_failures_per_name: int = 3
    free_failures_per_address: int = 20
    first_delay_seconds: float = 1.0
    max_delay_seconds: float = 900.0
    forget_seconds: float = 3600.0

    @classmethod
    def from_env(cls) -> "LoginPolicy":
        return cls(env_int("LOGIN_FREE_FAILURES", cls.free_failures_per_name),
                   env_int("LOGIN_FREE_FAILURES_PER_ADDRESS", cls.free_failures_per_address),
                   env_float("LOGIN_FIRST_DELAY_SECONDS", cls.first_delay_seconds),
                   env_float("LOGIN_MAX_DELAY_SECONDS", cls.max_delay_seconds),
                   env_float("LOGIN_FORGET_SECONDS", cls.forget_seconds))


# The hashing threads yield the CPU to the event loop: a hash runs at this much lower priority
# (nice), and Argon2's own threads, started from it, inherit it. Four hashes of parallelism 4 on
# two cores otherwise left the loop a small share of the CPU: /health p99 ~100 ms during 20 logins.
HASH_NICENESS = env_int("PASSWORD_HASH_NICENESS", 10)
_niced = threading.local()


def _at_low_priority(function: Callable, *args):
    if not getattr(_niced, "done", False):
        try:  # Linux: a thread's own id names that thread alone; raising one's niceness needs no privilege
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(),
                           min(19, os.getpriority(os.PRIO_PROCESS, 0) + HASH_NICENESS))
        except (AttributeError, OSError):  # no per-thread priorities here: the pool bound still holds
            pass
        _niced.done = True
    return function(*args)


def _off_the_loop(function: Callable, *args):
    with _hashing:
        return tpool.execute(_at_low_priority, function, *args)


def hash_password(password: str) -> str:
    return _off_the_loop(_hasher.hash, password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _off_the_loop(_hasher.verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the user does not exist or is disabled, so timing does not tell.
_ABSENT_USER_HASH = _hasher.hash(secrets.token_urlsafe(16))


# the password policy ----------------------------------------------------------------------
COMMON_PASSWORDS = frozenset(
    line.strip() for line in (Path(__file__).parent / "common_passwords.txt").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#"))
WEAK_PASSWORD = "auth.weak_password"
# what each failed check says (the Chinese is in the message catalogue, gateway/messages.py)
PASSWORD_RULES = {
    "too_short": "must have at least {min_length} characters",
    "contains_username": "must not contain the username",
    "common": "is one of the most common passwords",
    "one_character": "must not be one character repeated",
}


def password_min_length() -> int:
    return env_int("PASSWORD_MIN_LENGTH", 10)


def weak_password_reasons(username: str, password: str, min_length: int) -> list[str]:
    """The checks a password fails (``PASSWORD_RULES``): none for a good one."""
    reasons = []
    if len(password) < min_length:
        reasons.append("too_short")
    folded = password.casefold()
    name = username.casefold()
    if name and (name == folded or len(name) >= 3 and name in folded):  # "r" may stand in a password
        reasons.append("contains_username")
    if folded in COMMON_PASSWORDS or re.sub(r"[\d\W_]+$", "", folded) in COMMON_PASSWORDS:
        reasons.append("common")
    if password and len(set(password)) == 1:
        reasons.append("one_character")
    return reasons


def check_password(username: str, password: str, language: str = "en") -> None:
    """RuleViolation ``auth.weak_password`` naming the field ``password`` and each failed check."""
    min_length = password_min_length()
    reasons = weak_password_reasons(username, password, min_length)
    if reasons:
        language = messages.negotiate(language)
        raise RuleViolation(messages.message("the password is too weak", language), WEAK_PASSWORD, {
            "password": [messages.message(PASSWORD_RULES[reason].format(min_length=min_length), language)
                         for reason in reasons]})


class Tokens:
    """Signs with ``secret``; also accepts tokens signed with ``previous_secret`` so the
    secret can be rotated without logging everyone out at once (docs/operations.md).

    A verified token is remembered until it expires, so a client's next request skips the
    signature and claims check, a sixth of the gateway's work on a read (docs/performance.md).
    Its user's standing (``standing``: the id and token version of an active user, None for a
    disabled or deleted one) is looked up apart and kept ``recheck_seconds`` only, so a token
    ended elsewhere is refused here that soon after, remembered or not."""

    def __init__(self, secret: str, ttl_seconds: int, previous_secret: str | None = None, remembered: int = 4096,
                 standing: Callable[[str], tuple[int, int] | None] | None = None, recheck_seconds: float = 2.0,
                 clock=time.monotonic):
        self.secret = secret
        self.ttl_seconds = ttl_seconds
        self.verification_keys = [secret] + ([previous_secret] if previous_secret else [])
        self._verified = TLRUCache(maxsize=remembered, ttu=lambda _token, entry, _now: entry[1], timer=time.time)
        self.standing = standing
        self._standings = TTLCache(maxsize=remembered, ttl=recheck_seconds, timer=clock)

    def issue(self, user: User) -> dict:
        now = utcnow()
        claims = {
            "sub": user.username, "uid": user.id, "ver": user.token_version,
            "roles": list(user.roles), "unit_code": user.unit_code,
            "iat": now, "nbf": now, "exp": now + timedelta(seconds=self.ttl_seconds),
            "iss": JWT_ISSUER, "aud": JWT_AUDIENCE,
        }
        token = jwt.encode(claims, self.secret, algorithm=JWT_ALGORITHM)
        return {"access_token": token, "token_type": "bearer", "expires_in": self.ttl_seconds}

    def caller(self, token: str) -> Caller:
        remembered = self._verified.get(token)
        if remembered is None:
            remembered = self._verify(token)
            self._verified[token] = remembered
        caller, _, issued_to = remembered
        if self.standing is not None and self.standing_of(caller.name) != issued_to:
            raise Unauthorized("the session has ended: log in again")
        return caller

    def _verify(self, token: str) -> tuple:
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
        return caller, claims["exp"], (claims.get("uid"), claims.get("ver"))

    def standing_of(self, username: str) -> tuple[int, int] | None:
        try:
            return self._standings[username]
        except KeyError:
            found = self._standings[username] = self.standing(username)
            return found

    def forget(self, username: str) -> None:
        """Drops this replica's copy of a user's standing (it changed here: no need to wait)."""
        self._standings.pop(username, None)


def check_roles(roles: list[str], unit_code: str | None) -> None:
    unknown = [role for role in roles if role not in ROLES]
    if not roles or unknown:
        raise Invalid("unknown roles", {"roles": [f"choose from: {', '.join(ROLES)}"]})
    if "unit_user" in roles and not unit_code:
        raise Invalid("a unit user needs a unit", {"unit_code": ["required for the unit_user role"]})


class Accounts:
    """Users and API keys, in the gateway's own database; what changes a user leaves an entry in
    the gateway's audit trail."""

    def __init__(self, sessionmaker, policy: LoginPolicy | None = None, clock=time.monotonic):
        self.sessionmaker = sessionmaker
        self.policy = policy = policy or LoginPolicy()
        self.failures_by_name = Backoff(policy.free_failures_per_name, policy.first_delay_seconds,
                                        policy.max_delay_seconds, policy.forget_seconds, clock)
        self.failures_by_address = Backoff(policy.free_failures_per_address, policy.first_delay_seconds,
                                           policy.max_delay_seconds, policy.forget_seconds, clock)
        self._attempts: dict[str, list] = {}  # username -> [its lock, attempts holding or awaiting it]
        self.ended: list[Callable[[str], None]] = []  # told the username whose tokens just ended

    def login(self, username: str, password: str, address: str = "?") -> User:
        """The user, or Unauthorized alike for an unknown name, a disabled user and a wrong
        password (the same words, a hash checked each time). After a few failures for the name
        or from the address, the next attempt must wait a growing delay (TooManyAttempts,
        answered before the password is looked at); then the right password logs in.

        Attempts for one name are checked one at a time, so guesses sent at once meet the
        delay their predecessors earned; an address's attempt counts as failed until it
        succeeds, for the same reason without making a whole office queue."""
        with self._one_at_a_time(username):
            wait = max(self.failures_by_name.wait(username), self.failures_by_address.wait(address))
            if wait:
                raise TooManyAttempts("too many failed logins: wait before trying again", math.ceil(wait))
            self.failures_by_address.fail(address)
            with self.sessionmaker() as session:
                user = session.scalar(select(User).where(User.username == username))
            if user is None or not user.active:
                verify_password(_ABSENT_USER_HASH, password)
                user = None
            elif not verify_password(user.password_hash, password):
                user = None
            if user is None:
                self.failures_by_name.fail(username)
                raise Unauthorized("wrong username or password")
            self.failures_by_name.clear(username)
            self.failures_by_address.forgive(address)  # only failures count: an office logs in freely
            return user

    @contextmanager
    def _one_at_a_time(self, username: str):
        entry = self._attempts.setdefault(username, [Semaphore(1), 0])
        entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            entry[1] -= 1
            if not entry[1]:
                del self._attempts[username]

    def standing(self, username: str) -> tuple[int, int] | None:
        """The id and token version of an active user; None for a disabled or unknown one."""
        with self.sessionmaker() as session:
            row = session.execute(select(User.id, User.token_version)
                                  .where(User.username == username, User.active.is_(True))).first()
        return None if row is None else (row.id, row.token_version)

    def create_user(self, username: str, password: str, roles: list[str], unit_code: str | None = None,
                    actor: str = "cli", language: str = "en") -> User:
        check_roles(roles, unit_code)
        check_password(username, password, language)
        password_hash = hash_password(password)
        with self.sessionmaker.begin() as session:
            if session.scalar(select(User.id).where(User.username == username)):
                raise Conflict(f"user {username} exists", {"username": ["already taken"]})
            user = User(username=username, password_hash=password_hash, roles=roles, unit_code=unit_code)
            session.add(user)
            session.flush()
            self._audit(session, actor, "create", "app_user", user.id, {"username": [None, username], "roles": [None, roles],
                                                         "unit_code": [None, unit_code]})
        return user

    def set_password(self, who: int | str, password: str, actor: str = "cli", language: str = "en") -> User:
        """A new password (the policy's), and the end of the user's tokens."""
        with self.sessionmaker() as session:
            username = self._user(session, who).username
        check_password(username, password, language)
        password_hash = hash_password(password)
        return self._change(who, actor, "set_password", password_hash=password_hash)

    def change_own_password(self, username: str, current: str, password: str, language: str = "en") -> User:
        with self.sessionmaker() as session:
            user = self._user(session, username)
        if not verify_password(user.password_hash, current):
            raise Invalid("the current password is wrong",
                          {"current_password": [messages.message("wrong password", messages.negotiate(language))]})
        return self.set_password(username, password, actor=username, language=language)

    def disable(self, who: int | str, actor: str) -> User:
        return self._change(who, actor, "disable", active=False)

    def enable(self, who: int | str, actor: str) -> User:
        return self._change(who, actor, "enable", active=True)

    def logout(self, username: str) -> User:
        """Ends every token and console session of the user."""
        return self._change(username, username, "logout")

    def delete_user(self, who: int | str, actor: str) -> User:
        with self.sessionmaker.begin() as session:
            user = self._user(session, who, for_update=True)
            if user.username == actor:
                raise Conflict("an admin cannot delete their own account", {"id": ["this is your own account"]})
            self._audit(session, actor, "delete", "app_user", user.id, {"username": [user.username, None],
                                                         "roles": [user.roles, None]})
            session.delete(user)
        self._ended(user.username)
        return user

    def _change(self, who: int | str, actor: str, action: str, **values) -> User:
        """Applies ``values`` to the user with an audit entry and, unless the action is ``enable``,
        raises its token version: the user's tokens and console sessions end."""
        with self.sessionmaker.begin() as session:
            user = self._user(session, who, for_update=True)
            if action == "disable" and user.username == actor:
                raise Conflict("an admin cannot disable their own account", {"id": ["this is your own account"]})
            changes = {name: [getattr(user, name), value] for name, value in values.items()
                       if getattr(user, name) != value}
            if "password_hash" in changes:
                changes = {**{k: v for k, v in changes.items() if k != "password_hash"}, "password": ["***", "***"]}
            for name, value in values.items():
                setattr(user, name, value)
            ends_sessions = action != "enable"  # enabling revives nothing and ends nothing
            if ends_sessions:
                changes["token_version"] = [user.token_version, user.token_version + 1]
                user.token_version += 1
            self._audit(session, actor, action, "app_user", user.id, changes)
        self._ended(user.username)  # the replicas' copies of the user's standing are dropped either way
        return user

    def _ended(self, username: str) -> None:
        for listener in self.ended:
            listener(username)

    @staticmethod
    def _user(session, who: int | str, for_update: bool = False) -> User:
        statement = select(User).where(User.id == who if isinstance(who, int) else User.username == who)
        user = session.scalar(statement.with_for_update() if for_update else statement)
        if user is None:
            raise NotFound(f"user {who} not found")
        return user

    @staticmethod
    def _audit(session, actor: str | Caller, action: str, entity: str, entity_id, changes: dict,
               outcome: str = "success") -> None:
        """An entry of the gateway's trail in ``session``'s transaction, sealed onto its chain."""
        request_id = current_request_id.get()
        caller = actor if isinstance(actor, Caller) else Caller(actor, kind="system" if actor == "cli" else "user")
        seal(session, AuditEntry, [AuditEntry(
            actor=caller.name, actor_kind=caller.kind, address=current_address.get(), action=action, entity=entity,
            entity_id=None if entity_id is None else str(entity_id), changes=changes, outcome=outcome,
            request_id=None if request_id == "-" else request_id)])

    def record(self, actor: str | Caller, action: str, entity: str, entity_id=None, details: dict | None = None,
               outcome: str = "success") -> None:
        """An entry for what changed nothing here: a download of personal data, a read of a full
        phone number or of a visitor's record, a configuration change made elsewhere."""
        with self.sessionmaker.begin() as session:
            self._audit(session, actor, action, entity, entity_id, details or {}, outcome)

    def list_audit_entries(self, q: dict):
        """The gateway's own trail (users), newest first, filtered like a service's."""
        with self.sessionmaker() as session:
            return paginate(session, trail_query(AuditEntry, q), q["limit"], q["offset"])

    def standings(self, usernames: list[str] | None = None) -> list[dict]:
        """Each user's roles, unit and whether the account is active (every user when
        ``usernames`` is None); a name that is no user any more stands as inactive."""
        with self.sessionmaker() as session:
            statement = select(User) if usernames is None else select(User).where(User.username.in_(usernames))
            found = {user.username: {"username": user.username, "roles": list(user.roles or []),
                                     "unit_code": user.unit_code, "active": bool(user.active)}
                     for user in session.scalars(statement)}
        gone = [{"username": name, "roles": [], "unit_code": None, "active": False}
                for name in usernames or () if name not in found]
        return [*found.values(), *gone]

    def list_users(self, limit: int, offset: int):
        with self.sessionmaker() as session:
            return paginate(session, select(User).order_by(User.id), limit, offset)

    def usernames_with_role(self, role: str) -> list[str]:
        """The active users holding ``role``, by name (the technicians a repair can be assigned to)."""
        with self.sessionmaker() as session:
            users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.username)).all()
            return [user.username for user in users if role in (user.roles or [])]

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
            session.flush()
            self._audit(session, created_by, "create", "api_key", key.id, {
                "name": [None, name], "prefix": [None, prefix], "roles": [None, roles], "unit_code": [None, unit_code],
                "client_id": [None, client_id], "scopes": [None, scopes or None]})
        return key, f"lsk_{prefix}_{secret}"

    def list_api_keys(self, limit: int, offset: int):
        with self.sessionmaker() as session:
            return paginate(session, select(ApiKey).order_by(ApiKey.id), limit, offset)

    def revoke_api_key(self, key_id: int, actor: str | Caller = "cli") -> ApiKey:
        with self.sessionmaker.begin() as session:
            key = session.get(ApiKey, key_id)
            if key is None:
                raise NotFound(f"API key {key_id} not found")
            if key.revoked_at is None:
                key.revoked_at = utcnow()
                self._audit(session, actor, "revoke", "api_key", key.id,
                            {"name": [key.name, key.name], "revoked_at": [None, key.revoked_at.isoformat()]})
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

        statement = select(ApiKeyCall).order_by(ApiKeyCall.id.desc())
        if key_id is not None:
            statement = statement.where(ApiKeyCall.key_id == key_id)
        if client_id is not None:
            statement = statement.where(ApiKeyCall.key_id.in_(select(ApiKey.id).where(ApiKey.client_id == client_id)))
        with self.sessionmaker() as session:
            return paginate(session, statement, limit, offset)
