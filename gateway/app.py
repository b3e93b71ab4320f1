"""Assembling and serving the gateway."""
from __future__ import annotations

import logging

import eventlet
import eventlet.wsgi
from eventlet.greenpool import GreenPool
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker
from werkzeug.wrappers import Response

from gateway.auth import Accounts, IdleSessions, LoginPolicy, Tokens, Unauthorized
from gateway.console import Console
from gateway.http import GatewayApp, dumps, problem
from gateway.openapi import build_spec
from gateway.recipients import RecipientSync
from gateway.security import SecurityProfile
from gateway.service import routes
from services.kit.config import SERVICES, amqp_uri, database_url, env, env_float, env_int, http_address, rpc_timeout, secret
from services.kit.db import make_engine
from services.kit.metrics import exposition
from services.kit.rpc_client import RpcClient

log = logging.getLogger("gateway")
# the roles whose operations, refused to a caller, leave an entry in the trail
ADMINISTRATION = {"admin", "system_admin", "security_admin", "audit_admin"}
wsgi_log = logging.getLogger("gateway.wsgi")  # what eventlet reports goes through the suite's log format


class Gateway(GatewayApp):
    def __init__(self, rpc: RpcClient, accounts: Accounts, tokens: Tokens, health_timeout: float = 2.0, **kwargs):
        super().__init__(routes, rpc, self._authenticate, **kwargs)
        self.accounts = accounts
        self.tokens = tokens
        # a token holds while its user is active at the version it was issued at (docs/security.md)
        tokens.standing = tokens.standing or accounts.standing
        accounts.ended.append(tokens.forget)
        self.recipients = RecipientSync(accounts, rpc, env_float("RECIPIENT_SYNC_SECONDS", 60.0))
        accounts.ended.append(self.recipients.changed)  # a disabled or deleted user's mail stops
        self.health_timeout = health_timeout
        self._spec = None
        self.console = Console(self)

    def dispatch(self, request, request_id):
        if Console.handles(request.path):  # HTML pages, beside the JSON API (docs/console.md)
            return self.console.dispatch(request, request_id)
        return super().dispatch(request, request_id)

    def _authenticate(self, request):
        key = request.headers.get("X-API-Key")
        if key:
            key_id, caller = self.accounts.authenticate_key(key)
            request.environ["suite.api_key_id"] = key_id
            return caller
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("send Authorization: Bearer <token> or X-API-Key")
        return self.tokens.caller(token.strip())

    def refused(self, caller, route) -> None:
        """An administrator's or auditor's operation refused to a caller is in the trail (outcome refused)."""
        if ADMINISTRATION & set(route.roles):
            self.accounts.record(caller, "refused", "operation", route.handler.__name__,
                                 {"path": [None, route.path], "method": [None, route.method]}, outcome="refused")

    def after_request(self, request, response, request_id) -> None:
        """Each call made with an API key goes to its client's call log, off the request's path."""
        key_id = request.environ.get("suite.api_key_id")
        if key_id is not None:
            eventlet.spawn_n(self._record_call, key_id, request.method, request.environ.get("suite.operation", "?"),
                             request.path, response.status_code, request_id)

    def _record_call(self, *call) -> None:
        try:
            self.accounts.record_call(*call)
        except Exception:  # the log is for people; the call itself was answered
            log.warning("could not record an API key's call", exc_info=True)

    def openapi(self) -> dict:
        if self._spec is None:
            self._spec = build_spec(self.routes)
        return self._spec

    def readiness(self) -> dict:
        checks = {}
        try:
            with self.accounts.sessionmaker() as session:
                session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unavailable: {type(exc).__name__}"
        checks["broker"] = "ok" if self.rpc.connected() else "unavailable: not connected"
        return checks

    def check_services(self) -> dict:
        def check(service):
            try:
                self.rpc.call(service, "health", timeout=self.health_timeout)
                return service, {"status": "ok"}
            except Exception as exc:
                return service, {"status": "down", "reason": getattr(exc, "detail", "") or type(exc).__name__}

        return dict(GreenPool(len(SERVICES)).imap(check, SERVICES))


def create_gateway(rpc: RpcClient | None = None) -> Gateway:
    engine = make_engine(database_url("gateway"), pool_size=env_int("GATEWAY_DB_POOL", 10))
    rpc = rpc or RpcClient(amqp_uri(), timeout=rpc_timeout(), name="gateway").start()
    profile = SecurityProfile.from_env()
    profile.announce()  # under basic: that it is not a graded configuration
    sessions = sessionmaker(engine, expire_on_commit=False)
    idle = IdleSessions(sessions, profile.idle_timeout_seconds) if profile.idle_timeout_seconds else None
    return Gateway(
        rpc=rpc,
        accounts=Accounts(sessions, LoginPolicy.from_env(), profile=profile),
        tokens=Tokens(secret("JWT_SECRET"), env_int("JWT_TTL_SECONDS", 8 * 3600), env("JWT_PREVIOUS_SECRET", "") or None,
                      recheck_seconds=env_float("SESSION_RECHECK_SECONDS", 2.0), idle=idle),
        health_timeout=env_float("HEALTH_RPC_TIMEOUT", 2.0),
        max_body_bytes=env_int("MAX_BODY_BYTES", 1 << 20),
        max_json_depth=env_int("MAX_JSON_DEPTH", 32),
    )


def ops_app(environ, start_response):
    """The gateway's ops port (``GATEWAY_OPS_PORT``), like each service's health port: its
    metrics, which the public port does not serve (API.md), and its liveness."""
    path = environ.get("PATH_INFO", "")
    if path == "/metrics":
        body, content_type = exposition()
        response = Response(body, content_type=content_type)
    elif path == "/health":
        response = Response(dumps({"status": "ok", "service": "gateway"}), mimetype="application/json")
    else:
        response = problem(404, "Not found", f"the ops port serves /metrics and /health, not {path}")
    return response(environ, start_response)


def listen(owner: str = "gateway"):
    host, port = http_address(owner).rsplit(":", 1)
    return eventlet.listen((host, int(port)), reuse_port=True)


def serve(gateway: Gateway, sock=None, pool: GreenPool | None = None, ops_sock=None) -> None:
    sock, ops_sock = sock or listen(), ops_sock or listen("gateway_ops")
    log.info("gateway listening on http://%s:%d (metrics on port %d)", *sock.getsockname()[:2], ops_sock.getsockname()[1])
    ops = eventlet.spawn(eventlet.wsgi.server, ops_sock, ops_app, log=wsgi_log, log_output=False,
                         socket_timeout=env_float("GATEWAY_SOCKET_TIMEOUT", 60.0))
    sync = eventlet.spawn(gateway.recipients.run)
    try:
        eventlet.wsgi.server(
            sock, gateway, log=wsgi_log, log_output=False,
            custom_pool=pool or GreenPool(env_int("GATEWAY_MAX_CONNECTIONS", 1000)),
            keepalive=True, socket_timeout=env_float("GATEWAY_SOCKET_TIMEOUT", 60.0),
        )
    finally:
        ops.kill()
        sync.kill()


def main() -> None:
    from services.kit.context import setup_logging
    from services.kit.runner import wait_for_signal
    from services.kit.tracing import setup_tracing

    setup_logging("gateway", env("LOG_LEVEL", "INFO"))
    setup_tracing("gateway")
    gateway = create_gateway()
    from gateway.configuration import record_changes

    record_changes(gateway.accounts)  # a setting changed since the last start is in the trail
    pool = GreenPool(env_int("GATEWAY_MAX_CONNECTIONS", 1000))
    server = eventlet.spawn(serve, gateway, listen(), pool)
    wait_for_signal(lambda: server.dead)
    server.kill()  # stop accepting; requests in flight finish within the grace period
    with eventlet.Timeout(env_float("SHUTDOWN_GRACE_SECONDS", 20.0), False):
        pool.waitall()
    gateway.rpc.stop()
    log.info("stopped")
