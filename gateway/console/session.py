"""The console's session and CSRF protection.

The session cookie holds the same signed JWT the API issues (``Tokens.issue``), so a
page acts with exactly the roles and unit of the API's caller. It is HttpOnly,
SameSite=Strict and scoped to ``/console``. Every form carries a CSRF token: an HMAC,
under the gateway's secret, of a random nonce kept in its own HttpOnly cookie (a signed
double submit), checked on every POST before anything else happens.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time

SESSION_COOKIE = "console_session"
NONCE_COOKIE = "console_nonce"
FLASH_COOKIE = "console_flash"
ALERT_COOKIE = "console_alert"
CSRF_FIELD = "csrf_token"
PATH = "/console"


class CsrfFailure(Exception):
    """A POST without the form's CSRF token, or with another session's."""


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), f"console-csrf:{nonce}".encode(), hashlib.sha256).hexdigest()


def check_csrf(secret: str, nonce: str | None, presented: str | None) -> None:
    if not nonce or not presented or not hmac.compare_digest(csrf_token(secret, nonce), presented):
        raise CsrfFailure("the form has expired or did not come from this console")


def login_ticket(secret: str, username: str, now: float, seconds: int = 300) -> str:
    """Says that ``username``'s password was right a moment ago, so that the login's second step (the
    code, a new password) does not carry the password in the page: signed, for ``seconds``."""
    expiry = int(now) + seconds
    return f"{expiry}.{_ticket_mac(secret, username, expiry)}"


def check_login_ticket(secret: str, username: str, ticket: str | None, now: float) -> bool:
    expiry, _, mac = (ticket or "").partition(".")
    if not expiry.isdigit() or int(expiry) < now:
        return False
    return hmac.compare_digest(_ticket_mac(secret, username, int(expiry)), mac)


def _ticket_mac(secret: str, username: str, expiry: int) -> str:
    return hmac.new(secret.encode(), f"console-login:{username}:{expiry}".encode(), hashlib.sha256).hexdigest()


def set_cookie(response, name: str, value: str, max_age: int | None = None, secure: bool = False) -> None:
    response.set_cookie(name, value, max_age=max_age, path=PATH, httponly=True, samesite="Strict", secure=secure)


def clear_cookie(response, name: str) -> None:
    response.delete_cookie(name, path=PATH, httponly=True, samesite="Strict")


class FormStash:
    """Forms POSTed after the session ended, kept in the gateway's memory until the login that follows
    brings the typed values back to the same page: each one once, for ``seconds`` at most, ``most`` at a
    time. Never a password, a form token or an ID number (nor a file)."""

    KEPT_NOT = ("password", "csrf", "id_number")

    def __init__(self, seconds: int = 1800, most: int = 1000):
        self.seconds, self.most = seconds, most
        self._forms: dict[str, tuple[float, str, dict]] = {}
        self._lock = threading.Lock()

    def keep(self, path: str, form) -> str:
        values = {name: form.get(name) for name in form if not any(word in name for word in self.KEPT_NOT)}
        key = secrets.token_urlsafe(16)
        with self._lock:
            now = time.monotonic()
            for old in [old for old, (at, _, _) in self._forms.items() if now - at > self.seconds]:
                del self._forms[old]
            while len(self._forms) >= self.most:
                del self._forms[next(iter(self._forms))]
            self._forms[key] = (now, path, values)
        return key

    def take(self, key: str | None, path: str) -> dict:
        """The values kept under ``key`` for ``path`` (then forgotten), or none."""
        with self._lock:
            kept = self._forms.pop(key or "", None)
        if kept is None or kept[1] != path or time.monotonic() - kept[0] > self.seconds:
            return {}
        return kept[2]
