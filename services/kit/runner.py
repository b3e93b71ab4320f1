"""Run nameko service containers in this process until SIGINT or SIGTERM.

nameko's own CLI needs ``pkg_resources`` and one config for every container; this
runner gives each container its own config (so each has its own health port) and
stops them gracefully: running workers finish, then the process exits.
"""
from __future__ import annotations

import logging
import signal

import eventlet
from nameko.containers import ServiceContainer

from services.kit.config import env_float

log = logging.getLogger(__name__)


def wait_for_signal(failed=lambda: False) -> None:
    """Block until SIGINT or SIGTERM (or until ``failed()`` says something died)."""
    stopping = []

    def request_stop(signum, _frame):
        if not stopping:
            log.info("received %s: stopping", signal.Signals(signum).name)
            stopping.append(signum)

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    while not stopping:
        if failed():
            log.error("a part stopped unexpectedly; shutting down")
            return
        eventlet.sleep(0.2)


def run_containers(specs, on_started=None) -> None:
    """``specs``: pairs of (service class, nameko config)."""
    if any(config["AMQP_URI"].startswith("memory") for _, config in specs):
        from services.kit.memory import patch_nameko_for_memory_transport

        patch_nameko_for_memory_transport()
    containers = [ServiceContainer(cls, config) for cls, config in specs]
    for container in containers:
        container.start()
        log.info("%s started, health on http://%s/health", container.service_name, container.config["WEB_SERVER_ADDRESS"])
    if on_started:
        on_started()

    watchers = [eventlet.spawn(container.wait) for container in containers]
    wait_for_signal(lambda: any(w.dead for w in watchers))
    grace = env_float("SHUTDOWN_GRACE_SECONDS", 20.0)
    graceful = False
    with eventlet.Timeout(grace, False):
        for container in containers:
            container.stop()  # waits for running workers
        graceful = True
    if not graceful:
        log.warning("workers still running after %.0f s: killing them", grace)
        for container in containers:
            container.kill()
    log.info("stopped")


def serve(service_cls) -> None:
    from services.kit.config import service_config
    from services.kit.context import setup_logging
    from services.kit.tracing import setup_tracing

    setup_logging(service_cls.name)
    setup_tracing(service_cls.name)
    run_containers([(service_cls, service_config(service_cls.name))])
