"""Who is calling and for which request, carried from the gateway into every service.

The gateway puts ``request_id`` and ``caller`` into the nameko context data of each
RPC (headers ``nameko.request_id`` and ``nameko.caller``); nameko hands them on to
any further RPC the service makes and the outbox copies them onto events. Inside a
service the ``CallContext`` dependency exposes them and tags every log line.
"""
from __future__ import annotations

import contextvars
import json
import logging
import re
from dataclasses import dataclass, field

from nameko.extensions import DependencyProvider

from services.kit import tracing
from services.kit.errors import Forbidden, NotFound, RuleViolation

# The three administrators of 三员分立 (GB/T 22239-2019 level 3, docs/security.md): the system
# administrator keeps the users and the configuration (the registers, the settings: what the one
# `admin` did), the security administrator the roles, keys, allowed hosts and policies, the audit
# administrator reads and exports the audit trail. The basic profile gives its one first admin all
# three; the level-3 profile lets no one hold two of them (gateway/security.py).
SYSTEM_ADMIN, SECURITY_ADMIN, AUDIT_ADMIN = "system_admin", "security_admin", "audit_admin"
ADMIN_ROLES = (SYSTEM_ADMIN, SECURITY_ADMIN, AUDIT_ADMIN)
# work that is the security or the audit administrator's alone: the system administrator's pass
# over every business gate stops at it
SEPARATED_DUTIES = frozenset((SECURITY_ADMIN, AUDIT_ADMIN))
# who reads the audit trail (every service's and the gateway's): not a leader, not the system administrator
AUDIT_READERS = (AUDIT_ADMIN,)

# Roles of API.md. Staff roles act for the whole center; unit_user acts for one unit.
ROLES = ADMIN_ROLES + (
    "dispatcher", "facility_manager", "technician", "guard", "reception_officer",
    "energy_officer", "leader", "unit_user",
)

current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
current_caller_name: contextvars.ContextVar[str] = contextvars.ContextVar("caller", default="-")
# the client's address of the request being answered (the gateway's; a service has it in its context data)
current_address: contextvars.ContextVar[str | None] = contextvars.ContextVar("address", default=None)


@dataclass(frozen=True)
class Caller:
    name: str
    roles: tuple[str, ...] = ()
    unit_code: str | None = None
    kind: str = "user"  # user | api_key | system
    scopes: tuple[str, ...] = field(default=())

    @classmethod
    def system(cls, name: str = "system") -> "Caller":
        return cls(name=name, roles=ADMIN_ROLES, kind="system")

    @classmethod
    def from_wire(cls, raw) -> "Caller | None":
        if not raw:
            return None
        data = json.loads(raw) if isinstance(raw, str) else raw
        return cls(
            name=data.get("name", "?"),
            roles=tuple(data.get("roles", ())),
            unit_code=data.get("unit_code"),
            kind=data.get("kind", "user"),
            scopes=tuple(data.get("scopes", ())),
        )

    def to_wire(self) -> str:
        return json.dumps({
            "name": self.name, "roles": list(self.roles), "unit_code": self.unit_code,
            "kind": self.kind, "scopes": list(self.scopes),
        }, separators=(",", ":"))

    @property
    def unit_scoped(self) -> bool:
        """True when the caller may only see its own unit's records."""
        return "unit_user" in self.roles and not (set(self.roles) - {"unit_user"})

    def has_any(self, roles) -> bool:
        """One of ``roles``; the system administrator passes every gate but the security and the
        audit administrators' (as the one ``admin`` did before the duties were separated)."""
        wanted = set(roles)
        if wanted & set(self.roles):
            return True
        return SYSTEM_ADMIN in self.roles and not wanted & SEPARATED_DUTIES

    def require(self, *roles: str) -> None:
        if not self.has_any(roles):
            raise Forbidden(f"this action needs one of the roles: {', '.join(roles)}")

    def unit_filter(self, requested: str | None, what: str = "unit") -> str | None:
        """The unit_code a listing or a figure is restricted to: a unit user's own, always.
        A unit user asking for another unit is answered as for another unit's record (API.md:
        404), never silently given its own unit's figures instead."""
        if not self.unit_scoped:
            return requested
        if requested not in (None, "", self.unit_code):
            raise NotFound(f"{what} {requested} not found")
        return self.unit_code

    def check_visible(self, unit_code: str | None, what: str = "record") -> None:
        """Another unit's record answers as if it did not exist (API.md: 404)."""
        if self.unit_scoped and unit_code != self.unit_code:
            raise NotFound(f"{what} not found")

    def unit_for_write(self, requested: str | None, required: bool = False) -> str | None:
        """A unit user acts for its own unit only. A record that is ``required`` to belong to
        a unit needs one named by staff: the request is well formed either way, and who sends
        it decides, so a missing one is a rule's refusal (422), not bad input."""
        if self.unit_scoped:
            if requested not in (None, self.unit_code):
                raise Forbidden("a unit user acts only for its own unit")
            return self.unit_code
        if required and not requested:
            raise RuleViolation("the record is kept for a unit: name it in unit_code", "unit_required",
                                {"unit_code": ["required"]})
        return requested


class CallContext(DependencyProvider):
    """Gives the worker its ``request_id`` and ``caller`` and tags its log lines."""

    def get_dependency(self, worker_ctx):
        return WorkerCall(
            request_id=worker_ctx.data.get("request_id") or worker_ctx.call_id,
            caller=Caller.from_wire(worker_ctx.data.get("caller")) or Caller.system(),
        )

    def setup(self):
        self.spans = {}

    def worker_setup(self, worker_ctx):
        current_request_id.set(worker_ctx.data.get("request_id") or worker_ctx.call_id)
        caller = Caller.from_wire(worker_ctx.data.get("caller"))
        current_caller_name.set(caller.name if caller else "-")
        self._begin_span(worker_ctx)

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        begun = self.spans.pop(worker_ctx, None)
        if begun is not None:
            tracing.finish(begun, exc_info[1] if exc_info else None)

    def worker_teardown(self, worker_ctx):
        begun = self.spans.pop(worker_ctx, None)  # a worker killed before its result
        if begun is not None:
            tracing.finish(begun)

    def _begin_span(self, worker_ctx) -> None:
        """The worker's span, under the caller's ``traceparent``: an RPC is a server's span, an
        event a consumer's; a timer's round begins no trace of its own. The worker's further
        calls and the events it writes carry this span's ``traceparent`` (``tracing.py``)."""
        from nameko.events import EventHandler
        from nameko.rpc import Rpc

        entrypoint = worker_ctx.entrypoint
        parent = worker_ctx.data.get(tracing.HEADER)
        if isinstance(entrypoint, Rpc):
            kind, name = tracing.SpanKind.SERVER, f"{self.container.service_name}.{entrypoint.method_name}"
        elif isinstance(entrypoint, EventHandler) and parent:
            kind, name = tracing.SpanKind.CONSUMER, f"{self.container.service_name} on {entrypoint.event_type}"
        else:
            return
        self.spans[worker_ctx] = tracing.start(name, parent, kind, **{"rpc.service": self.container.service_name})
        traceparent = tracing.current_traceparent()
        if traceparent:
            worker_ctx.data[tracing.HEADER] = traceparent


@dataclass(frozen=True)
class WorkerCall:
    request_id: str
    caller: Caller


# Characters that start a new line or steer a terminal in some reader of the log (C0, DEL,
# C1 such as NEL, the Unicode line and paragraph separators).
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def escape_controls(text: str) -> str:
    """``text`` with each control character written as its escape (a newline as ``\\n``), so
    that a value sent by anyone (a path, a header) cannot forge a line of the log."""
    return CONTROL_CHARACTERS.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), text)


class ContextFilter(logging.Filter):
    """Adds the service name, request id and caller to every record, and escapes control
    characters in its message and in every text value it carries (a traceback keeps its lines)."""

    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def filter(self, record):
        record.service = getattr(record, "service", self.service)
        record.request_id = current_request_id.get()
        record.caller = current_caller_name.get()
        record.trace_id = tracing.trace_id()
        message = record.getMessage()
        if CONTROL_CHARACTERS.search(message):
            record.msg, record.args = escape_controls(message), None
        for name, value in vars(record).items():
            if name not in _RECORD_FIELDS and isinstance(value, str) and CONTROL_CHARACTERS.search(value):
                setattr(record, name, escape_controls(value))
        return True


def setup_logging(service: str, level: str | None = None) -> None:
    """One line per event on stderr: JSON (``LOG_FORMAT=json``, the default) with the
    service, request id, caller and any ``extra`` such as the outcome, or plain text."""
    from services.kit.config import env

    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter(service))
    if env("LOG_FORMAT", "json") == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(service)s %(request_id)s %(trace_id)s %(caller)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            json_ensure_ascii=False,
        ))
    else:
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s %(service)s req=%(request_id)s caller=%(caller)s %(name)s: %(message)s"
        ))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level or env("LOG_LEVEL", "INFO"))
    for noisy in ("amqp", "kombu", "nameko"):
        logging.getLogger(noisy).setLevel(env("LIBRARY_LOG_LEVEL", "WARNING"))
    # nameko warns with a traceback for every expected error (Invalid, NotFound, ...); the kit
    # logs each call's outcome itself, so only unexpected errors are worth nameko's lines
    logging.getLogger("nameko.containers").setLevel(env("LIBRARY_LOG_LEVEL", "ERROR"))
