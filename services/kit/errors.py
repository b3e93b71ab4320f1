"""Errors that cross the wire as themselves.

nameko serialises an exception as its class path and ``args``; classes registered
with ``deserialize_to_instance`` are rebuilt on the caller's side from those args, so
every constructor here takes exactly what it passes to ``Exception.__init__``. The
gateway maps them to HTTP by class hierarchy (``gateway/http.py``).
"""
from __future__ import annotations

from nameko.exceptions import deserialize_to_instance


@deserialize_to_instance
class ServiceError(Exception):
    """Base of every error a service raises on purpose."""

    title = "Service error"

    def __init__(self, detail: str = "", errors: dict | None = None):
        super().__init__(detail, errors or {})
        self.detail = detail
        self.errors = errors or {}


@deserialize_to_instance
class NotFound(ServiceError):
    title = "Not found"


@deserialize_to_instance
class Conflict(ServiceError):
    """Duplicate, double booking, or the wrong state for the action."""

    title = "Conflict"


@deserialize_to_instance
class Forbidden(ServiceError):
    title = "Forbidden"


@deserialize_to_instance
class Invalid(ServiceError):
    """Input that does not fit the schema: ``errors`` maps a field to its messages."""

    title = "Invalid input"


@deserialize_to_instance
class RuleViolation(ServiceError):
    """A business rule refused the request; ``rule`` is a stable code such as
    ``reception.accompany_limit``; ``params`` (JSON-able values) are the figures of the
    refusal, from which the gateway's message catalogue renders the detail in Chinese."""

    title = "Business rule violated"

    def __init__(self, detail: str = "", rule: str = "", errors: dict | None = None, params: dict | None = None):
        Exception.__init__(self, detail, rule, errors or {}, params or {})
        self.detail = detail
        self.rule = rule
        self.errors = errors or {}
        self.params = params or {}


@deserialize_to_instance
class ServiceUnavailable(ServiceError):
    """The service, its database or the broker is down."""

    title = "Service unavailable"


@deserialize_to_instance
class ServiceTimeout(ServiceError):
    """No reply within the RPC timeout (also when a service's own call timed out)."""

    title = "Service did not answer in time"
