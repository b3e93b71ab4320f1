"""The floor's server: a bare kombu consumer that answers each request at once,
speaking nameko's RPC wire format so the same client measures both."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kombu import Connection, Exchange, Producer, Queue  # noqa: E402

EXCHANGE = Exchange("nameko-rpc", type="topic", durable=True)


def main(amqp_uri: str) -> None:
    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        producer = Producer(channel, exchange=EXCHANGE, serializer="json")
        queue = Queue("rpc-bench_floor", exchange=EXCHANGE, routing_key="bench_floor.*", durable=False, auto_delete=True)

        def reply(body, message):
            producer.publish(
                {"result": body["args"][0] if body["args"] else None, "error": None},
                routing_key=message.properties["reply_to"],
                correlation_id=message.properties["correlation_id"], delivery_mode=1,
            )
            message.ack()

        with conn.Consumer(queue, callbacks=[reply], accept=["json"], prefetch_count=64):
            print("ready", flush=True)
            while True:
                conn.drain_events()


if __name__ == "__main__":
    main(sys.argv[1])
