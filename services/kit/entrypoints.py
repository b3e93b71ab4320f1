"""nameko's ``rpc`` and ``event_handler``, committing before the reply or the ack.

nameko sends an RPC reply (and acks an event) before ``worker_result`` runs, so a
dependency that commits there would let a caller hear "done" for a write that
might still fail. These entrypoints first let each dependency with a
``finish_before_reply`` hook (``Database``) commit, and answer with the commit's
failure if it failed. Errors that are not the service's own are turned into the
typed errors of ``errors.py`` where they mean something to a caller.
"""
from __future__ import annotations

from nameko.events import EventHandler as _EventHandler
from nameko.rpc import Rpc as _Rpc

from services.kit.db import as_service_error


def finish_before_reply(worker_ctx, result, exc_info):
    for dependency in worker_ctx.container.dependencies:
        hook = getattr(dependency, "finish_before_reply", None)
        if hook is not None:
            exc_info = hook(worker_ctx, exc_info)
    if exc_info is not None:
        error = as_service_error(exc_info[1])
        if error is not exc_info[1]:
            exc_info = (type(error), error, exc_info[2])
        result = None
    return result, exc_info


class Rpc(_Rpc):
    def handle_result(self, message, worker_ctx, result, exc_info):
        result, exc_info = finish_before_reply(worker_ctx, result, exc_info)
        return super().handle_result(message, worker_ctx, result, exc_info)


class EventHandler(_EventHandler):
    def handle_result(self, message, worker_ctx, result=None, exc_info=None):
        result, exc_info = finish_before_reply(worker_ctx, result, exc_info)
        return super().handle_result(message, worker_ctx, result, exc_info)


rpc = Rpc.decorator
event_handler = EventHandler.decorator
