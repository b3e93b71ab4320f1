"""Events a consumer could not handle, parked rather than lost, and replayed by ops.

Each service has one durable queue, ``deadletter.<service>``. A parked message keeps
its body and headers and gains the queue it failed in and the error's class.

    python -m services.kit.deadletter list energy
    python -m services.kit.deadletter replay energy [--limit N]
    python -m services.kit.deadletter discard energy --event-id ID [--event-id ID ...]
"""
from __future__ import annotations

import argparse
import sys

from kombu import Connection, Exchange, Queue
from nameko.amqp.publish import Publisher
from nameko.constants import PERSISTENT

DEFAULT_EXCHANGE = Exchange("", type="direct")


def deadletter_queue(service: str) -> Queue:
    return Queue(f"deadletter.{service}", exchange=DEFAULT_EXCHANGE, routing_key=f"deadletter.{service}", durable=True)


def _publish(amqp_uri: str, payload, routing_key: str, headers: dict, declare=()) -> None:
    Publisher(amqp_uri, use_confirms=True, serializer="json", delivery_mode=PERSISTENT, declare=list(declare)).publish(
        payload, exchange=DEFAULT_EXCHANGE, routing_key=routing_key, headers=headers, retry=True,
    )


def republish(config: dict, queue_name: str, message, retry_count: int) -> None:
    from services.kit.entrypoints import RETRY_HEADER

    headers = {**(message.headers or {}), RETRY_HEADER: retry_count}
    _publish(config["AMQP_URI"], message.payload, queue_name, headers)


def park(config: dict, service: str, queue_name: str, message, error: BaseException) -> None:
    headers = {**(message.headers or {}), "x-failed-queue": queue_name, "x-error": type(error).__name__}
    queue = deadletter_queue(service)
    _publish(config["AMQP_URI"], message.payload, queue.routing_key, headers, declare=[queue])


def _drain(amqp_uri: str, service: str, limit: int, handle) -> int:
    count = 0
    with Connection(amqp_uri) as conn:
        queue = deadletter_queue(service)(conn.default_channel)
        queue.declare()
        while count < limit:
            message = queue.get(no_ack=False, accept=["json"])
            if message is None:
                break
            handle(message)
            count += 1
    return count


def _inspect(amqp_uri: str, service: str, limit: int, drop) -> list[dict]:
    """Reads up to ``limit`` parked messages; those ``drop`` accepts are removed for good,
    the others go back to the queue. Returns what was read, as headers and payload."""
    found = []
    with Connection(amqp_uri) as conn:
        queue = deadletter_queue(service)(conn.default_channel)
        queue.declare()
        messages = []
        while len(messages) < limit:
            message = queue.get(no_ack=False, accept=["json"])
            if message is None:
                break
            messages.append(message)
            found.append({"headers": dict(message.headers or {}), "payload": message.payload})
        for message, entry in zip(messages, found):
            if drop(entry):
                message.ack()
            else:
                message.requeue()
    return found


def list_parked(amqp_uri: str, service: str, limit: int = 100) -> list[dict]:
    """The parked messages, left in the queue (they are requeued after reading)."""
    return _inspect(amqp_uri, service, limit, lambda entry: False)


def discard(amqp_uri: str, service: str, event_ids, limit: int = 1000) -> int:
    """Removes the parked messages of these event ids for good (an event that must never be
    applied); every other parked message stays. Returns how many were removed."""
    wanted = set(event_ids)

    def chosen(entry):
        payload = entry["payload"]
        return isinstance(payload, dict) and payload.get("event_id") in wanted

    return sum(1 for entry in _inspect(amqp_uri, service, limit, chosen) if chosen(entry))


def replay(amqp_uri: str, service: str, limit: int = 1000) -> int:
    """Sends each parked message back to the queue it failed in, with a fresh retry count."""
    from services.kit.entrypoints import RETRY_HEADER

    def send_back(message):
        headers = {key: value for key, value in (message.headers or {}).items()
                   if key not in ("x-failed-queue", "x-error", RETRY_HEADER)}
        _publish(amqp_uri, message.payload, message.headers["x-failed-queue"], headers)
        message.ack()

    return _drain(amqp_uri, service, limit, send_back)


def main(argv=None) -> int:
    from services.kit.config import amqp_uri

    parser = argparse.ArgumentParser(prog="python -m services.kit.deadletter")
    parser.add_argument("action", choices=("list", "replay", "discard"))
    parser.add_argument("service")
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--event-id", action="append", default=[], help="discard: the event to remove (repeatable)")
    args = parser.parse_args(argv)
    if args.action == "discard":
        if not args.event_id:
            parser.error("discard needs --event-id (the event ids `list` shows)")
        print(f"discarded {discard(amqp_uri(), args.service, args.event_id, args.limit)} message(s)")
    elif args.action == "list":
        for entry in list_parked(amqp_uri(), args.service, args.limit):
            headers = entry["headers"]
            print(f"{headers.get('x-failed-queue')}  {headers.get('x-error')}  {entry['payload'].get('event_id')}")
    else:
        print(f"replayed {replay(amqp_uri(), args.service, args.limit)} message(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
