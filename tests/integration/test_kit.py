"""The kit's promises, with a small service of the tests' own: consumers apply an
event once, RPC never hangs, health answers on the service's port."""
import time
import uuid

import eventlet
import pytest
import requests
from kombu import Connection, Exchange, Queue
from nameko.amqp.publish import Publisher
from nameko.standalone.events import get_event_exchange
from sqlalchemy import Integer, String, create_engine, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kit.context import CallContext
from services.kit.db import Database, OutboxMixin, ProcessedEventMixin
from services.kit.entrypoints import batch_event_handler, event_handler, rpc
from services.kit.errors import ServiceTimeout, ServiceUnavailable
from services.kit.health import HealthMixin
from services.kit.rpc_client import RpcClient, ServiceRpc
from tests.support import eventually

pytestmark = pytest.mark.integration


class Base(DeclarativeBase):
    pass


class Tally(Base):
    __tablename__ = "tally"
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class Outbox(OutboxMixin, Base):
    pass


class Processed(ProcessedEventMixin, Base):
    pass


POISON = {"on": True}
BATCH_SIZES: list[int] = []


class TallyService(HealthMixin):
    """Counts events: a second application of one event would show in the count."""

    name = "tally"
    db = Database(Outbox, Processed)
    call = CallContext()

    @event_handler("tally_source", "ticked")
    def on_ticked(self, payload):
        if not self.db.first_delivery(payload["event_id"], "tally.on_ticked"):
            return
        bumped = self.db.session.execute(
            update(Tally).where(Tally.name == payload["name"]).values(count=Tally.count + 1)
        ).rowcount
        if not bumped:  # a concurrent first insert fails the commit and the kit retries the event
            self.db.session.add(Tally(name=payload["name"], count=1))

    @batch_event_handler("tally_source", "counted")
    def on_counted(self, payloads):
        """The batch form of ``on_ticked``: a name named "poison" fails the whole batch."""
        BATCH_SIZES.append(len(payloads))
        fresh = self.db.first_deliveries([payload["event_id"] for payload in payloads], "tally.on_counted")
        for payload in payloads:
            if payload["event_id"] not in fresh:
                continue
            fresh.discard(payload["event_id"])
            if payload["name"] == "poison":
                raise ValueError("cannot handle this event")
            bumped = self.db.session.execute(
                update(Tally).where(Tally.name == payload["name"]).values(count=Tally.count + 1)).rowcount
            if not bumped:
                self.db.session.add(Tally(name=payload["name"], count=1))
                self.db.session.flush()

    @event_handler("tally_source", "poisoned")
    def on_poisoned(self, payload):
        if POISON["on"]:
            raise ValueError("cannot handle this event")
        self.db.session.add(Tally(name=payload["name"], count=1))

    @rpc(reads_only=True)
    def count(self, name):
        row = self.db.session.get(Tally, name)
        return row.count if row else 0

    @rpc(reads_only=True)
    def bump_while_reading(self, name):  # a bug: a reader that writes
        self.db.session.add(Tally(name=name, count=1))
        self.db.session.flush()

    @rpc(reads_only=True)
    def transaction_open_reading(self, name):
        return self._transaction_open(name)

    @rpc
    def transaction_open(self, name):
        return self._transaction_open(name)

    def _transaction_open(self, name):
        """Whether the database holds a transaction open after the worker's read."""
        self.count(name)
        dbapi = self.db.session.connection().connection.dbapi_connection
        if self.db.session.get_bind().dialect.name == "postgresql":
            from psycopg.pq import TransactionStatus

            return dbapi.info.transaction_status != TransactionStatus.IDLE
        return dbapi.in_transaction

    @rpc
    def bump(self, name):  # a write that a second run would show
        row = self.db.session.get(Tally, name) or Tally(name=name, count=0)
        row.count += 1
        self.db.session.add(row)
        return row.count

    @rpc
    def whoami(self):
        return {"request_id": self.call.request_id, "caller": self.call.caller.name}

    @rpc
    def slow(self, seconds):
        eventlet.sleep(seconds)
        return "done"


class CallerService:
    name = "tally_caller"
    tally = ServiceRpc("tally", timeout=1.0)

    @rpc
    def ask(self, seconds):
        return self.tally.slow(seconds)


def start_tally(start_service, databases):
    url = databases.new_url("tally")
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return start_service(TallyService, database_url=url)


@pytest.fixture
def tally(start_service, databases):
    return start_tally(start_service, databases)


def test_a_redelivered_request_is_refused_not_run_twice(start_service, databases, rpc, test_backends):
    """The first delivery went to a worker that died unacknowledged (here: a consumer that
    takes the request and drops its connection); the broker delivers it again."""
    if not test_backends.real_broker:
        pytest.skip("redelivery is the broker's")
    exchange = Exchange("nameko-rpc", type="topic", durable=True)
    requests_queue = Queue("rpc-tally", exchange=exchange, routing_key="tally.*", durable=True)
    replies = Queue(f"replies-{uuid.uuid4().hex[:8]}", exchange=exchange, routing_key=uuid.uuid4().hex,
                    auto_delete=True)
    with Connection(test_backends.amqp_uri) as conn:
        requests_queue(conn.default_channel).declare()
        replies(conn.default_channel).declare()
        conn.Producer(serializer="json").publish(
            {"args": ["redelivered"], "kwargs": {}}, exchange=exchange, routing_key="tally.bump",
            reply_to=replies.routing_key, correlation_id="first-try")
        with Connection(test_backends.amqp_uri) as doomed:  # takes it, never acks, goes away
            assert requests_queue(doomed.default_channel).get(no_ack=False) is not None
        start_tally(start_service, databases)

        def reply():
            return replies(conn.default_channel).get(no_ack=True)

        answer = eventually(reply, timeout=10)
    assert answer.payload["error"]["exc_type"] == "ServiceUnavailable"
    assert rpc.call("tally", "count", "redelivered") == 0  # not run
    assert rpc.call("tally", "bump", "redelivered") == 1  # a fresh request is


def test_a_consumer_applies_each_event_once(tally, rpc, test_backends):
    exchange = get_event_exchange("tally_source", {})
    publisher = Publisher(test_backends.amqp_uri, declare=[exchange])
    events = [{"event_id": str(uuid.uuid4()), "occurred_at": "2026-01-01T00:00:00Z", "name": "a"} for _ in range(5)]
    sent = 0
    for event in events + events[:3] + events[:1]:  # 5 events, 4 of them again
        publisher.publish(event, exchange=exchange, routing_key="ticked")
        sent += 1
    assert eventually(lambda: rpc.call("tally", "count", "a") == 5)
    eventlet.sleep(0.5)
    applied = rpc.call("tally", "count", "a")
    print(f"consumer: sent {sent}, distinct 5, applied {applied}, duplicates applied {applied - 5}")
    assert applied == 5


def test_an_ack_the_broker_cannot_take_leaves_the_service_running(tally, rpc, test_backends, monkeypatch):
    """The broker went down while a handler ran: its ack fails on the dead connection. The
    container lives on (the broker delivers the event again; the consumer drops the copy)."""
    from kombu.message import Message

    ack = Message.ack
    failed = []

    def ack_on_a_dead_connection(message, *args, **kwargs):
        if message.delivery_info.get("routing_key") == "ticked" and not failed:
            failed.append(message)
            raise ConnectionResetError(104, "Connection reset by peer")
        return ack(message, *args, **kwargs)

    monkeypatch.setattr(Message, "ack", ack_on_a_dead_connection)
    exchange = get_event_exchange("tally_source", {})
    publisher = Publisher(test_backends.amqp_uri, declare=[exchange])
    for _ in range(2):
        publisher.publish({"event_id": str(uuid.uuid4()), "occurred_at": "2026-01-01T00:00:00Z", "name": "acked"},
                          exchange=exchange, routing_key="ticked")
    assert eventually(lambda: failed) and eventually(lambda: rpc.call("tally", "count", "acked") == 2)
    assert not tally._died.ready()  # nothing killed the container
    assert rpc.call("tally", "bump", "after") == 1


def test_a_reader_runs_without_a_transaction_and_cannot_write(tally, rpc):
    assert rpc.call("tally", "transaction_open", "r") is True
    assert rpc.call("tally", "transaction_open_reading", "r") is False  # no BEGIN, no COMMIT
    with pytest.raises(Exception) as refused:
        rpc.call("tally", "bump_while_reading", "r")
    assert "ReadOnly" in str(refused.value)
    assert rpc.call("tally", "count", "r") == 0  # nothing was written


def test_request_id_and_caller_reach_the_service(tally, rpc):
    from services.kit.context import Caller

    seen = rpc.call("tally", "whoami", context={"request_id": "req-77", "caller": Caller("ana", ("leader",)).to_wire()})
    assert seen == {"request_id": "req-77", "caller": "ana"}


def test_a_slow_service_costs_the_caller_at_most_the_timeout(tally, rpc):
    started = time.monotonic()
    with pytest.raises(ServiceTimeout):
        rpc.call("tally", "slow", 3, timeout=0.5)
    assert time.monotonic() - started < 1.5
    # other calls are not held up while one waits
    waiting = eventlet.spawn(lambda: pytest.raises(ServiceTimeout, rpc.call, "tally", "slow", 3, timeout=1))
    assert rpc.call("tally", "count", "none") == 0
    waiting.wait()


def test_a_service_calling_a_slow_service_is_bounded_too(tally, start_service, rpc):
    start_service(CallerService, database_url="sqlite://")  # it keeps no data
    started = time.monotonic()
    with pytest.raises(ServiceTimeout):
        rpc.call("tally_caller", "ask", 3)
    assert time.monotonic() - started < 2.5
    assert rpc.call("tally_caller", "ask", 0) == "done"


def test_a_stopped_service_answers_unavailable_at_once(tally, rpc, test_backends):
    if not test_backends.real_broker:
        pytest.skip("the in-memory transport does not count consumers")
    assert rpc.call("tally", "count", "x") == 0
    tally.stop()
    eventlet.sleep(1.1)  # past the liveness cache
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        rpc.call("tally", "count", "x")
    assert time.monotonic() - started < 0.5


def test_health_and_readiness_on_the_services_own_port(tally):
    address = tally.config["WEB_SERVER_ADDRESS"]
    assert requests.get(f"http://{address}/health", timeout=5).json()["status"] == "ok"
    ready = requests.get(f"http://{address}/ready", timeout=5)
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_readiness_names_the_database_when_it_is_gone(start_service, tmp_path):
    url = f"sqlite:///{tmp_path}/missing/dir/tally.db"  # cannot be opened
    container = start_service(TallyService, database_url=url)
    ready = requests.get(f"http://{container.config['WEB_SERVER_ADDRESS']}/ready", timeout=5)
    assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith("unavailable")


def test_rpc_works_on_the_in_memory_transport():
    """``make run`` without a broker: nameko replies need the content-type fix there."""
    from nameko.containers import ServiceContainer

    from services.kit.memory import patch_nameko_for_memory_transport

    class Echo:
        name = "echo_memory"

        @rpc
        def echo(self, value):
            return value

    patch_nameko_for_memory_transport()
    container = ServiceContainer(Echo, {"AMQP_URI": "memory://"})
    container.start()
    try:
        with RpcClient("memory://", timeout=3, name="mem") as client:
            assert client.call("echo_memory", "echo", {"a": 1}) == {"a": 1}
    finally:
        container.kill()


def test_a_poison_event_is_retried_a_few_times_then_parked_and_can_be_replayed(tally, rpc, test_backends, caplog):
    if not test_backends.real_broker:
        pytest.skip("dead-lettering is checked on RabbitMQ")
    from services.kit import deadletter
    from services.kit.entrypoints import MAX_EVENT_RETRIES

    POISON["on"] = True
    exchange = get_event_exchange("tally_source", {})
    event = {"event_id": str(uuid.uuid4()), "occurred_at": "2026-01-01T00:00:00Z", "name": "p"}
    Publisher(test_backends.amqp_uri, declare=[exchange]).publish(event, exchange=exchange, routing_key="poisoned")
    parked = eventually(lambda: deadletter.list_parked(test_backends.amqp_uri, "tally"))

    def attempts():
        return sum("failed" in record.message and "poisoned" in record.message for record in caplog.records)

    eventually(lambda: attempts() == MAX_EVENT_RETRIES + 1, timeout=5)
    assert [entry["payload"]["event_id"] for entry in parked] == [event["event_id"]]
    assert parked[0]["headers"]["x-error"] == "ValueError"
    assert rpc.call("tally", "count", "p") == 0
    POISON["on"] = False  # the bug is fixed: ops replay the parked event
    assert deadletter.replay(test_backends.amqp_uri, "tally") == 1
    assert eventually(lambda: rpc.call("tally", "count", "p") == 1)
    assert deadletter.list_parked(test_backends.amqp_uri, "tally") == []
    print(f"poison: 1 event, {attempts()} attempts, parked 1, replayed 1, applied 1")


def test_the_reply_consumer_keeps_its_connection_under_steady_traffic(tally, test_backends):
    """The broker drops a client that sends no heartbeats for two intervals; a consumer
    that only beat when idle lost its connection (and the replies in flight) under load."""
    if not test_backends.real_broker:
        pytest.skip("heartbeats are RabbitMQ's")
    client = RpcClient(test_backends.amqp_uri, timeout=5, name="steady", heartbeat=1).start()
    try:
        calls = 0
        deadline = time.monotonic() + 4.5  # more than two heartbeat intervals of never-idle traffic
        while time.monotonic() < deadline:
            assert client.call("tally", "count", "steady") == 0
            calls += 1
        assert client.reconnects == 0 and calls > 100
    finally:
        client.stop()


def test_events_applied_in_batches_once_each_and_a_bad_one_alone(start_service, databases, test_backends):
    """Events waiting in the queue are applied in batches, one transaction each; a batch
    with a bad event is applied again one event at a time: the good ones once, the bad
    one retried, then parked."""
    if not test_backends.real_broker:
        pytest.skip("dead-lettering is checked on RabbitMQ")
    from services.kit import deadletter

    broker = test_backends.separate_broker()  # its dead-letter queue is this test's alone
    url = databases.new_url("tally")
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    first = start_service(TallyService, database_url=url, AMQP_URI=broker)  # declares the queue, goes away
    first.stop()
    exchange = get_event_exchange("tally_source", {})
    publisher = Publisher(broker, declare=[exchange])
    name = f"batch-{uuid.uuid4().hex[:6]}"
    events = [{"event_id": str(uuid.uuid4()), "occurred_at": "2026-01-01T00:00:00Z", "name": name} for _ in range(60)]
    poison = {"event_id": str(uuid.uuid4()), "occurred_at": "2026-01-01T00:00:00Z", "name": "poison"}
    for event in events[:30] + [poison] + events[30:] + events[:10]:  # 60 events, one bad, 10 copies
        publisher.publish(event, exchange=exchange, routing_key="counted")
    BATCH_SIZES.clear()
    start_service(TallyService, database_url=url, AMQP_URI=broker)  # finds them waiting

    def applied():
        with engine.connect() as conn:
            return conn.scalar(select(Tally.count).where(Tally.name == name)) or 0

    assert eventually(lambda: applied() == 60)
    parked = eventually(lambda: deadletter.list_parked(broker, "tally"))
    assert [entry["payload"]["event_id"] for entry in parked] == [poison["event_id"]]
    assert parked[0]["headers"]["x-error"] == "ValueError"
    eventlet.sleep(0.5)
    assert applied() == 60
    assert max(BATCH_SIZES) > 1  # they were applied in batches
    with Connection(broker) as conn:  # nothing left unacknowledged or waiting
        queue = Queue("evt-tally_source-counted--tally.on_counted", durable=True)(conn.default_channel)
        assert queue.queue_declare(passive=True).message_count == 0
    engine.dispose()
    print(f"batches: {len(BATCH_SIZES)} of sizes up to {max(BATCH_SIZES)}; 60 applied once, 1 parked")
