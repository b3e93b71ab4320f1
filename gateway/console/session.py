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


def set_cookie(response, name: str, value: str, max_age: int | None = None, secure: bool = False) -> None:
    response.set_cookie(name, value, max_age=max_age, path=PATH, httponly=True, samesite="Strict", secure=secure)


def clear_cookie(response, name: str) -> None:
    response.delete_cookie(name, path=PATH, httponly=True, samesite="Strict")
