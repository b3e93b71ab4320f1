"""The outbox publishes rows in batches and marks a row only once the broker confirmed
its event: what the broker refuses, or what a closed channel leaves unanswered, stays
unsent and the relay sends it later. Real RabbitMQ (a vhost of the test's own) and the
real database."""
import uuid
from types import SimpleNamespace

import eventlet
import pytest
from kombu import Connection, Queue
from nameko.standalone.events import get_event_exchange
from sqlalchemy import create_engine, select
from sqlalchemy.orm import DeclarativeBase, sessionmaker

from services.kit.db import OutboxMixin
from services.kit.outbox import EventsNotConfirmed, Outbox

pytestmark = pytest.mark.integration

SOURCE = "outbox_test"
EVENT = "thing_happened"


class Base(DeclarativeBase):
    pass


class OutboxRow(OutboxMixin, Base):
    pass


@pytest.fixture
def broker(test_backends):
    if not test_backends.real_broker:
        pytest.skip("confirms, refusals and closed channels are RabbitMQ's")
    return test_backends.separate_broker()


@pytest.fixture
def outbox(broker, databases):
    url = databases.new_url("outbox")
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    database = SimpleNamespace(sessionmaker=sessionmaker(engine, expire_on_commit=False), outbox_model=OutboxRow)
    box = Outbox(database, SOURCE, {"AMQP_URI": broker})
    yield box
    box.publisher.close()
    engine.dispose()


def write_rows(outbox, count):
    rows = []
    with outbox.database.sessionmaker.begin() as session:
        for n in range(count):
            event_id = str(uuid.uuid4())
            row = OutboxRow(event_id=event_id, event_type=EVENT, payload={"event_id": event_id, "n": n}, headers={})
            session.add(row)
            rows.append(row)
    return rows


def unsent_ids(outbox):
    with outbox.database.sessionmaker() as session:
        return set(session.scalars(select(OutboxRow.id).where(OutboxRow.published_at.is_(None))))


def declare_queue(broker, name, **arguments):
    exchange = get_event_exchange(SOURCE, {})
    queue = Queue(name, exchange=exchange, routing_key=EVENT, durable=False, queue_arguments=arguments or None)
    with Connection(broker) as conn:
        exchange(conn.default_channel).declare()
        queue(conn.default_channel).declare()
    return queue


def drain(broker, queue):
    """The event ids waiting in ``queue``, taken off it."""
    seen = []
    with Connection(broker) as conn:
        bound = queue(conn.default_channel)
        while (message := bound.get(no_ack=True)) is not None:
            seen.append(message.payload["event_id"])
    return seen


def test_events_the_broker_refuses_stay_unsent_and_are_relayed_later(outbox, broker):
    # a queue that takes two messages and refuses the rest: the broker nacks those
    full = declare_queue(broker, f"full-{uuid.uuid4().hex[:6]}", **{"x-max-length": 2, "x-overflow": "reject-publish"})
    rows = write_rows(outbox, 5)
    with pytest.raises(EventsNotConfirmed):
        outbox.publish_rows(rows)
    outbox.mark_published()
    assert unsent_ids(outbox) == {row.id for row in rows[2:]}  # the refused three are not marked
    first = drain(broker, full)
    assert first == [row.event_id for row in rows[:2]]

    with Connection(broker) as conn:  # room again: the relay sends what was refused
        full(conn.default_channel).delete()
    roomy = declare_queue(broker, f"roomy-{uuid.uuid4().hex[:6]}")
    assert outbox.relay(grace_seconds=0) == 3
    assert unsent_ids(outbox) == set()
    assert sorted(drain(broker, roomy)) == sorted(row.event_id for row in rows[2:])
    with outbox.database.sessionmaker() as session:
        attempts = dict(session.execute(select(OutboxRow.id, OutboxRow.attempts)).all())
    assert all(attempts[row.id] == 0 for row in rows)  # sent on the relay's first try


def test_a_channel_closed_before_the_confirms_leaves_the_batch_unsent(outbox, broker):
    queue = declare_queue(broker, f"q-{uuid.uuid4().hex[:6]}")
    before = write_rows(outbox, 3)
    outbox.publish_rows(before)  # the publisher's connection is up and confirming
    outbox.mark_published()
    assert unsent_ids(outbox) == set()
    assert drain(broker, queue) == [row.event_id for row in before]

    # the exchange vanishes under the open channel: the broker closes the channel at the
    # first publish, and none of the batch is confirmed
    with Connection(broker) as conn:
        conn.default_channel.exchange_delete(get_event_exchange(SOURCE, {}).name)
    rows = write_rows(outbox, 4)
    with pytest.raises(EventsNotConfirmed):
        outbox.publish_rows(rows)
    outbox.mark_published()
    assert unsent_ids(outbox) == {row.id for row in rows}

    queue = declare_queue(broker, queue.name)  # exchange and binding back
    assert outbox.relay(grace_seconds=0) == 4  # on a new connection
    assert unsent_ids(outbox) == set()
    assert sorted(drain(broker, queue)) == sorted(row.event_id for row in rows)


def test_workers_publishing_at_once_each_hear_of_their_own_events(outbox, broker):
    queue = declare_queue(broker, f"q-{uuid.uuid4().hex[:6]}")
    batches = [write_rows(outbox, size) for size in (1, 3, 1, 7, 2, 1, 5, 1)]
    pool = eventlet.GreenPool(len(batches))
    for batch in batches:
        pool.spawn(outbox.publish_rows, batch)
    pool.waitall()
    outbox.mark_published()
    assert unsent_ids(outbox) == set()
    assert sorted(drain(broker, queue)) == sorted(row.event_id for batch in batches for row in batch)
