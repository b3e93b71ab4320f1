"""Authentication: JWT for people, hashed API keys for systems; one Caller for both.

Passwords are hashed with Argon2id in a small pool of real threads (``eventlet.tpool``):
a hash takes tens of milliseconds of CPU, and on the event loop it would hold every other
request behind it. A key is ``lsk_<prefix>_<secret>``: the prefix finds the row, only a
SHA-256 of the secret is stored (a 256-bit random secret needs no slow hash), and it is
compared in constant time.

A person's token names the user's id and token version; disabling, deleting, a password
change, a change of roles and logging out raise the version, and every replica refuses the older
tokens once its short-lived copy of the user's standing has expired (``SESSION_RECHECK_SECONDS``).

The security profile (gateway/security.py) adds, for 等保 level 3: a second factor (TOTP, with
single-use recovery codes), an idle timeout for tokens and console sessions (``IdleSessions``),
password expiry and reuse rules, and the separation of the three administrators. Every login,
failed login, logout, idle session ended, enrolment, recovery code used and change of a user is an
entry of the gateway's audit trail with the client's address and the request id
(``security_entry``); never a password, a secret or a code.
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
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import jwt
import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cachetools import TLRUCache, TTLCache
from eventlet import tpool
from eventlet.semaphore import Semaphore
from sqlalchemy import delete, select, update

from gateway import messages
from gateway.models import ApiKey, ApiKeyCall, AuditEntry, SessionActivity, User
from gateway.ratelimit import Backoff
from gateway.security import SEPARATION_OF_DUTIES, SecurityProfile
from services.kit.audit import HIDDEN, trail_query
from services.kit.config import env, env_float, env_int, settings_from_env
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
    """No credentials, or credentials that do not hold (401); ``rule`` says what more a login
    needs (``auth.totp_required``, ``auth.password_expired``, ...)."""

    def __init__(self, detail: str = "", rule: str | None = None):
        super().__init__(detail)
        self.rule = rule


# the rules a login or a change of a user is refused for (their Chinese: gateway/messages.py RULES)
TOTP_REQUIRED = "auth.totp_required"
TOTP_INVALID = "auth.totp_invalid"
TOTP_NOT_ENROLLED = "auth.totp_not_enrolled"
PASSWORD_EXPIRED = "auth.password_expired"
PASSWORD_REUSED = "auth.password_reused"



def security_entry(actor: str, action: str, user_id: int | None, changes: dict | None = None,
                   address: str | None = None, outcome: str = "success") -> AuditEntry:
    """One entry of the gateway's trail about a user: who (``actor``), what, which user, what
    changed as ``[before, after]``, from which address, with what outcome (success, failure,
    refused) and for which request; sealed onto the chain by ``sealed``."""
    request_id = current_request_id.get()
    return AuditEntry(actor=actor[:120], actor_kind="system" if actor == "cli" else "user",
                      address=address or current_address.get(), action=action, entity="app_user",
                      entity_id=None if user_id is None else str(user_id), changes=dict(changes or {}),
                      outcome=outcome, request_id=None if request_id == "-" else request_id)


def sealed(session, entry: AuditEntry) -> None:
    """Adds ``entry`` to ``session``, linked onto the gateway's hash chain (audit_chain.py)."""
    seal(session, AuditEntry, [entry])


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


def check_not_reused(password: str, earlier_hashes: list[str], language: str = "en") -> None:
    """RuleViolation ``auth.password_reused`` when ``password`` is one of the earlier ones."""
    if any(verify_password(earlier, password) for earlier in earlier_hashes):
        language = messages.negotiate(language)
        raise RuleViolation(messages.message("the password was used before", language), PASSWORD_REUSED, {
            "password": [messages.message(f"must not be one of the last {len(earlier_hashes)} passwords", language)]})


# the second factor ---------------------------------------------------------------------------
TOTP_PERIOD = 30
QR_ERROR_CORRECTION = "m"  # 15 % of the code may be unreadable (a glare on the screen)
RECOVERY_CODES = 10


def totp_issuer() -> str:
    return env("TOTP_ISSUER", "County Logistics")


def otpauth_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=totp_issuer())


def qr_svg(text: str) -> str:
    """``text`` as a QR code, an inline SVG an authenticator app scans from the screen."""
    return segno.make(text, error=QR_ERROR_CORRECTION).svg_inline(scale=4, dark="#000", light="#fff", title="TOTP")


def totp_step(secret: str, code: str, now: float) -> int | None:
    """The time step whose code ``code`` is (this one, or one step either side for a clock a
    little off), or None."""
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now // TOTP_PERIOD)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> tuple[list[str], list[str]]:
    """Codes to show once, and what is kept of them (a SHA-256 each: 60 random bits need no slow hash)."""
    codes = ["-".join(secrets.token_hex(5)[i:i + 5] for i in (0, 5)) for _ in range(RECOVERY_CODES)]
    return codes, [recovery_digest(code) for code in codes]


def recovery_digest(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").replace(" ", "").encode()).hexdigest()


class IdleSessions:
    """The idle timeout of tokens and console sessions (one JWT serves both): each token's last use,
    kept in this replica's memory and written to the gateway's database at most every
    ``write_every`` seconds, so that every replica sees a token used on another. A token unused for
    ``timeout_seconds`` on every replica is ended, with an entry in the audit trail."""

    def __init__(self, sessionmaker, timeout_seconds: float, clock=time.time, remembered: int = 65536):
        self.sessionmaker = sessionmaker
        self.timeout = timeout_seconds
        self.write_every = max(min(60.0, timeout_seconds / 4), 0.0)
        self.clock = clock
        self._seen: dict[str, list[float]] = {}  # token id -> [last use, last written]
        self._remembered = remembered

    def _at(self, seconds: float) -> datetime:
        return datetime.fromtimestamp(seconds, timezone.utc)

    def begin(self, token_id: str, user_id: int) -> None:
        now = self.clock()
        with self.sessionmaker.begin() as session:
            # the rows of sessions long ended go with each new one (an index on last_seen_at)
            session.execute(delete(SessionActivity).where(SessionActivity.last_seen_at < self._at(now - 2 * self.timeout)))
            session.add(SessionActivity(token_id=token_id, user_id=user_id, last_seen_at=self._at(now)))
        self._remember(token_id, [now, now])

    def _remember(self, token_id: str, entry: list[float]) -> None:
        if len(self._seen) >= self._remembered:
            self._seen.pop(next(iter(self._seen)))  # the oldest: it is read back from the database if used
        self._seen[token_id] = entry

    def touch(self, token_id: str | None, username: str) -> bool:
        """True and the use recorded while the token has been used within the timeout; False once
        it has not (its row goes, an entry says so, and it stays ended)."""
        if not token_id:
            return False
        now = self.clock()
        entry = self._seen.get(token_id)
        if entry is None or now - entry[0] > self.timeout:
            last = self._stored(token_id)  # another replica may have seen it since
            if last is None or now - last > self.timeout:
                self._end(token_id, username, last)
                return False
            entry = [last, entry[1] if entry else last]
        entry[0] = now
        if now - entry[1] >= self.write_every:
            entry[1] = now
            with self.sessionmaker.begin() as session:
                session.execute(update(SessionActivity).where(SessionActivity.token_id == token_id)
                                .values(last_seen_at=self._at(now)))
        self._remember(token_id, entry)
        return True

    def _stored(self, token_id: str) -> float | None:
        with self.sessionmaker() as session:
            last = session.scalar(select(SessionActivity.last_seen_at).where(SessionActivity.token_id == token_id))
        return None if last is None else last.timestamp()

    def _end(self, token_id: str, username: str, last: float | None) -> None:
        self._seen.pop(token_id, None)
        if last is None:
            return  # ended before (or never begun here): nothing more to record
        with self.sessionmaker.begin() as session:
            row = session.get(SessionActivity, token_id)
            if row is None:
                return  # another replica ended it a moment ago
            sealed(session, security_entry(username, "session_idle_expired", row.user_id, {
                "last_seen_at": [row.last_seen_at.isoformat(), None],
                "idle_timeout_seconds": [None, self.timeout]}, outcome="refused"))
            session.delete(row)


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
                 clock=time.monotonic, idle: IdleSessions | None = None):
        self.secret = secret
        self.ttl_seconds = ttl_seconds
        self.verification_keys = [secret] + ([previous_secret] if previous_secret else [])
        self._verified = TLRUCache(maxsize=remembered, ttu=lambda _token, entry, _now: entry[1], timer=time.time)
        self.standing = standing
        self._standings = TTLCache(maxsize=remembered, ttl=recheck_seconds, timer=clock)
        self.idle = idle  # the idle timeout (None: a token lasts until it expires)

    def issue(self, user: User) -> dict:
        now = utcnow()
        token_id = secrets.token_hex(16)
        claims = {
            "sub": user.username, "uid": user.id, "ver": user.token_version,
            "roles": list(user.roles), "unit_code": user.unit_code,
            "iat": now, "nbf": now, "exp": now + timedelta(seconds=self.ttl_seconds),
            "iss": JWT_ISSUER, "aud": JWT_AUDIENCE, "jti": token_id,
        }
        token = jwt.encode(claims, self.secret, algorithm=JWT_ALGORITHM)
        if self.idle is not None:
            self.idle.begin(token_id, user.id)
        return {"access_token": token, "token_type": "bearer", "expires_in": self.ttl_seconds}

    def caller(self, token: str) -> Caller:
        remembered = self._verified.get(token)
        if remembered is None:
            remembered = self._verify(token)
            self._verified[token] = remembered
        caller, _, issued_to, token_id = remembered
        if self.standing is not None and self.standing_of(caller.name) != issued_to:
            raise Unauthorized("the session has ended: log in again")
        if self.idle is not None and not self.idle.touch(token_id, caller.name):
            raise Unauthorized("the session has ended after a time without use: log in again")
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
        return caller, claims["exp"], (claims.get("uid"), claims.get("ver")), claims.get("jti")

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
    """Users and API keys, in the gateway's own database; what changes a user, and each login,
    leaves an entry in the gateway's audit trail (``security_entry``)."""

    def __init__(self, sessionmaker, policy: LoginPolicy | None = None, clock=time.monotonic,
                 profile: SecurityProfile | None = None, wall=time.time):
        self.sessionmaker = sessionmaker
        self.policy = policy = policy or LoginPolicy()
        self.profile = profile or SecurityProfile()
        self.wall = wall  # the time of TOTP codes and password ages
        self.failures_by_name = Backoff(policy.free_failures_per_name, policy.first_delay_seconds,
                                        policy.max_delay_seconds, policy.forget_seconds, clock)
        self.failures_by_address = Backoff(policy.free_failures_per_address, policy.first_delay_seconds,
                                           policy.max_delay_seconds, policy.forget_seconds, clock)
        self._attempts: dict[str, list] = {}  # username -> [its lock, attempts holding or awaiting it]
        self.ended: list[Callable[[str], None]] = []  # told the username whose tokens just ended

    def login(self, username: str, password: str, address: str = "?", totp_code: str | None = None,
              recovery_code: str | None = None, new_password: str | None = None, language: str = "en") -> User:
        """The user, or Unauthorized alike for an unknown name, a disabled user and a wrong
        password (the same words, a hash checked each time). After a few failures for the name
        or from the address, the next attempt must wait a growing delay (TooManyAttempts,
        answered before the password is looked at); then the right password logs in.

        A user with a second factor also gives a TOTP code (or one of their recovery codes, good
        once); without it the right password is answered ``auth.totp_required``, a wrong code
        counts as a failed login. An administrator under level 3 without a second factor is
        refused (``auth.totp_not_enrolled``). An expired password logs in only with a
        ``new_password`` (``auth.password_expired``).

        Attempts for one name are checked one at a time, so guesses sent at once meet the
        delay their predecessors earned; an address's attempt counts as failed until it
        succeeds, for the same reason without making a whole office queue."""
        with self._one_at_a_time(username):
            self._not_throttled(username, address)
            with self.sessionmaker() as session:
                user = session.scalar(select(User).where(User.username == username))
            if user is None or not user.active:
                verify_password(_ABSENT_USER_HASH, password)
                known = user
                user = None
            elif not verify_password(user.password_hash, password):
                known, user = user, None
            if user is None:
                self.failures_by_name.fail(username)
                self._record(security_entry(username, "login_failed", getattr(known, "id", None),
                                            {"reason": [None, "password"]}, address, "failure"))
                raise Unauthorized("wrong username or password")
            return self._after_password(user, address, totp_code, recovery_code, new_password, language)

    def resume_login(self, username: str, address: str = "?", totp_code: str | None = None,
                     recovery_code: str | None = None, new_password: str | None = None, language: str = "en") -> User:
        """The second step of a login whose password was right a moment ago (the console's signed
        ticket says so): the second factor and an expired password's replacement, as ``login``."""
        with self._one_at_a_time(username):
            self._not_throttled(username, address)
            with self.sessionmaker() as session:
                user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
            if user is None:
                raise Unauthorized("wrong username or password")
            return self._after_password(user, address, totp_code, recovery_code, new_password, language)

    def _not_throttled(self, username: str, address: str) -> None:
        wait = max(self.failures_by_name.wait(username), self.failures_by_address.wait(address))
        if wait:
            self._record(security_entry(username, "login_throttled", None, address=address, outcome="refused"))
            raise TooManyAttempts("too many failed logins: wait before trying again", math.ceil(wait))
        self.failures_by_address.fail(address)

    def _after_password(self, user: User, address: str, totp_code, recovery_code, new_password, language) -> User:
        """The separation of duties, an expired password (asked for before a code is spent, so the same
        code serves the attempt with the new one), the second factor, then the new password."""
        self._separated(user, address)
        expired = self._expired(user, new_password, address)
        self._second_factor(user, totp_code, recovery_code, address)
        if expired:
            user = self.set_password(user.id, new_password, actor=user.username, language=language)
        self.failures_by_name.clear(user.username)
        self.failures_by_address.forgive(address)  # only failures count: an office logs in freely
        self._record(security_entry(user.username, "login", user.id, {
            "second_factor": [None, "recovery_code" if recovery_code else "totp" if user.totp_secret else None]},
            address))
        return user

    def _separated(self, user: User, address: str) -> None:
        """Under level 3 an account holding two administrators' roles (a basic installation's admin)
        logs in no more until the command line splits them (``set-roles``)."""
        try:
            self.profile.check_separation(user.roles)
        except RuleViolation:
            self._record(security_entry(user.username, "login_failed", user.id,
                                        {"reason": [None, "separation_of_duties"]}, address, "refused"))
            raise Unauthorized("this account holds more than one administrator's role: split them "
                               "(python -m gateway.cli set-roles)", SEPARATION_OF_DUTIES) from None

    def _second_factor(self, user: User, code: str | None, recovery_code: str | None, address: str) -> None:
        if not user.totp_secret:
            if self.profile.totp_required(user.roles):
                self._record(security_entry(user.username, "login_failed", user.id,
                                            {"reason": [None, "totp_not_enrolled"]}, address, "refused"))
                raise Unauthorized("an administrator needs a second factor: enrol one (python -m gateway.cli "
                                   "reset-totp NAME) and log in with its code", TOTP_NOT_ENROLLED)
            return
        if not code and not recovery_code:
            raise Unauthorized("give the code of your authenticator app (totp_code) or a recovery code",
                               TOTP_REQUIRED)
        if recovery_code:
            if self._use_recovery_code(user, recovery_code, address):
                return
        elif self._accept_code(user, code):
            return
        self.failures_by_name.fail(user.username)
        self._record(security_entry(user.username, "login_failed", user.id,
                                    {"reason": [None, "recovery_code" if recovery_code else "totp"]}, address, "failure"))
        raise Unauthorized("wrong or used code: give the current code of your authenticator app", TOTP_INVALID)

    def _accept_code(self, user: User, code: str) -> bool:
        """The code is the current one and younger than the last accepted (each code is good once)."""
        step = totp_step(user.totp_secret, code, self.wall())
        if step is None:
            return False
        with self.sessionmaker.begin() as session:
            stored = self._user(session, user.id, for_update=True)
            if stored.totp_last_step is not None and step <= stored.totp_last_step:
                return False
            stored.totp_last_step = step
        return True

    def _use_recovery_code(self, user: User, code: str, address: str) -> bool:
        digest = recovery_digest(code)
        with self.sessionmaker.begin() as session:
            stored = self._user(session, user.id, for_update=True)
            left = list(stored.recovery_codes or [])
            if not any(hmac.compare_digest(digest, kept) for kept in left):
                return False
            left.remove(digest)
            stored.recovery_codes = left
            sealed(session, security_entry(user.username, "recovery_code_used", user.id,
                                       {"recovery_codes_left": [len(left) + 1, len(left)]}, address))
        return True

    def _expired(self, user: User, new_password: str | None, address: str) -> bool:
        """True when the password is older than the profile lets it be and a new one is given;
        Unauthorized ``auth.password_expired`` when none is."""
        max_age = self.profile.max_age_days_for(user.roles)
        changed = user.password_changed_at or user.created_at
        if not max_age or changed is None or self.wall() - changed.timestamp() < max_age * 86400:
            return False
        if not new_password:
            self._record(security_entry(user.username, "password_expired", user.id,
                                        {"max_age_days": [None, max_age]}, address, "refused"))
            expired = Unauthorized(f"the password is older than {max_age} days: log in with a new_password",
                                   PASSWORD_EXPIRED)
            expired.second_factor = bool(user.totp_secret)  # the console asks for the code beside the new password
            raise expired
        return True

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.wall(), timezone.utc)

    def _record(self, entry: AuditEntry) -> None:
        with self.sessionmaker.begin() as session:
            sealed(session, entry)

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
                    actor: str = "cli", language: str = "en", totp_secret: str | None = None) -> User:
        """A user; under level 3 one who administers comes with their second factor's secret (the
        command line's first administrators), else is refused: give business roles, let the user
        enrol, then the security administrator grants the role."""
        check_roles(roles, unit_code)
        self.profile.check_separation(roles)
        if self.profile.totp_required(roles) and not totp_secret:
            raise RuleViolation("an administrator needs a second factor first", TOTP_NOT_ENROLLED,
                                {"roles": ["the user must enrol a second factor (TOTP) before holding this role"]})
        check_password(username, password, language)
        password_hash = hash_password(password)
        with self.sessionmaker.begin() as session:
            if session.scalar(select(User.id).where(User.username == username)):
                raise Conflict(f"user {username} exists", {"username": ["already taken"]})
            user = User(username=username, password_hash=password_hash, roles=roles, unit_code=unit_code,
                        password_changed_at=self._now(), totp_secret=totp_secret,
                        totp_enabled_at=self._now() if totp_secret else None)
            session.add(user)
            session.flush()
            self._audit(session, actor, "create", "app_user", user.id, {"username": [None, username], "roles": [None, roles],
                                                         "unit_code": [None, unit_code],
                                                         "totp": [None, HIDDEN if totp_secret else None]})
        return user

    def set_password(self, who: int | str, password: str, actor: str = "cli", language: str = "en") -> User:
        """A new password (the policy's, and none of the last ones where the profile keeps them),
        and the end of the user's tokens."""
        with self.sessionmaker() as session:
            user = self._user(session, who)
        self._guard_administrator(user, actor, "set_password")
        check_password(user.username, password, language)
        keep = self.profile.reuse_history_for(user.roles)
        earlier = ([user.password_hash] + list(user.password_history or []))[:keep] if keep else []
        check_not_reused(password, earlier, language)
        password_hash = hash_password(password)
        return self._change(who, actor, "set_password", password_hash=password_hash, password_changed_at=self._now(),
                            password_history=earlier or None)

    def change_own_password(self, username: str, current: str, password: str, language: str = "en") -> User:
        with self.sessionmaker() as session:
            user = self._user(session, username)
        if not verify_password(user.password_hash, current):
            raise Invalid("the current password is wrong",
                          {"current_password": [messages.message("wrong password", messages.negotiate(language))]})
        return self.set_password(username, password, actor=username, language=language)

    def set_roles(self, who: int | str, roles: list[str], unit_code: str | None, actor: str) -> User:
        """The security administrator's: a user's roles (their tokens end, as they carry the roles).
        Nobody changes their own; under level 3 nobody holds two administrators' roles, and an
        administrator's role goes only to a user who enrolled a second factor."""
        check_roles(roles, unit_code)
        self.profile.check_separation(roles)
        with self.sessionmaker() as session:
            user = self._user(session, who)
        if user.username == actor:
            raise RuleViolation("nobody changes their own roles (三员分立)", SEPARATION_OF_DUTIES,
                                {"id": ["this is your own account"]})
        if self.profile.totp_required(roles) and not user.totp_secret:
            raise RuleViolation("an administrator needs a second factor first", TOTP_NOT_ENROLLED,
                                {"roles": ["the user must enrol a second factor (TOTP) before holding this role"]})
        return self._change(who, actor, "set_roles", roles=list(roles), unit_code=unit_code)

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
            self._guard_administrator(user, actor, "delete")
            self._audit(session, actor, "delete", "app_user", user.id, {"username": [user.username, None],
                                                         "roles": [user.roles, None]})
            session.delete(user)
        self._ended(user.username)
        return user

    def _guard_administrator(self, user: User, actor: str, action: str) -> None:
        """Under level 3 no administrator sets another administrator's password, disables or deletes
        them over the API (that would let one act as, or silence, another): the installation's
        command line does (``actor`` ``cli``), with its entry in the trail."""
        if (self.profile.graded and actor != "cli" and actor != user.username
                and self.profile.administers(user.roles)):
            raise RuleViolation(f"an administrator's account is changed from the command line ({action})",
                                SEPARATION_OF_DUTIES, {"id": ["this user is an administrator"]})

    def _change(self, who: int | str, actor: str, action: str, **values) -> User:
        """Applies ``values`` to the user with an audit entry and, unless the action is ``enable``,
        raises its token version: the user's tokens and console sessions end."""
        with self.sessionmaker.begin() as session:
            user = self._user(session, who, for_update=True)
            if action == "disable" and user.username == actor:
                raise Conflict("an admin cannot disable their own account", {"id": ["this is your own account"]})
            if action == "disable":
                self._guard_administrator(user, actor, action)
            changes = {name: [getattr(user, name), value] for name, value in values.items()
                       if getattr(user, name) != value and name not in ("password_history", "password_changed_at")}
            if "password_hash" in changes:
                changes = {**{k: v for k, v in changes.items() if k != "password_hash"}, "password": [HIDDEN, HIDDEN]}
            for name, value in values.items():
                setattr(user, name, value)
            ends_sessions = action != "enable"  # enabling revives nothing and ends nothing
            if ends_sessions:
                changes["token_version"] = [user.token_version, user.token_version + 1]
                user.token_version += 1
            self._audit(session, actor, action, "app_user", user.id, changes)
        self._ended(user.username)  # the replicas' copies of the user's standing are dropped either way
        return user

    # the second factor: enrolment by the user, a reset from the command line ----------------------
    def start_totp(self, username: str) -> tuple[str, str]:
        """A new secret offered to the user (kept pending until a code of it is confirmed) and its
        otpauth URI; Conflict when a second factor is enrolled already (a lost device: reset-totp)."""
        secret = pyotp.random_base32()
        with self.sessionmaker.begin() as session:
            user = self._user(session, username, for_update=True)
            if user.totp_secret:
                raise Conflict("a second factor is enrolled already: ask for a reset (gateway.cli reset-totp)",
                               {"totp": ["already set"]})
            user.totp_pending_secret = secret
            sealed(session, security_entry(username, "totp_enrolment_started", user.id))
        return secret, otpauth_uri(secret, username)

    def pending_totp(self, username: str) -> tuple[str, str] | None:
        """The secret offered at enrolment and not confirmed yet, with its URI; None when there is none."""
        with self.sessionmaker() as session:
            user = self._user(session, username)
        secret = user.totp_pending_secret
        return None if not secret or user.totp_secret else (secret, otpauth_uri(secret, username))

    def has_totp(self, username: str) -> bool:
        with self.sessionmaker() as session:
            return self._user(session, username).totp_secret is not None

    def confirm_totp(self, username: str, code: str) -> list[str]:
        """The pending secret becomes the user's second factor when ``code`` is its current code;
        the recovery codes, shown once."""
        with self.sessionmaker.begin() as session:
            user = self._user(session, username, for_update=True)
            step = totp_step(user.totp_pending_secret, code, self.wall()) if user.totp_pending_secret else None
            if step is None:
                raise RuleViolation("the code does not match: scan the QR code again and give the current code",
                                    TOTP_INVALID, {"code": ["wrong code"]})
            codes, digests = new_recovery_codes()
            user.totp_secret, user.totp_pending_secret = user.totp_pending_secret, None
            user.totp_enabled_at, user.totp_last_step, user.recovery_codes = self._now(), step, digests
            sealed(session, security_entry(username, "totp_enabled", user.id,
                                       {"totp": [None, HIDDEN], "recovery_codes_left": [None, len(codes)]}))
        return codes

    def reset_totp(self, who: int | str, actor: str = "cli", secret: str | None = None) -> tuple[User, str, list[str]]:
        """A new second factor set directly (the installation's command line: a lost device, an
        administrator of a basic installation moving to level 3): the secret and recovery codes."""
        secret = secret or pyotp.random_base32()
        codes, digests = new_recovery_codes()
        with self.sessionmaker.begin() as session:
            user = self._user(session, who, for_update=True)
            before = HIDDEN if user.totp_secret else None
            user.totp_secret, user.totp_pending_secret, user.totp_enabled_at = secret, None, self._now()
            user.totp_last_step, user.recovery_codes = None, digests
            sealed(session, security_entry(actor, "totp_reset", user.id,
                                       {"totp": [before, HIDDEN], "recovery_codes_left": [None, len(codes)]}))
        return user, secret, codes

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
