"""Housekeeping: retention purges what may go and keeps the rest; migrate tells where each
database stands; the dead-letter tool discards one parked event."""
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from services.kit import deadletter, migrate, retention
from services.kit.db import utcnow
from tests.support import eventually

pytestmark = pytest.mark.integration


def test_retention_purges_old_finished_rows_and_keeps_the_rest(databases):
    from gateway.models import ApiKey, ApiKeyCall
    from services.integrations.models import (Client, Delivery, DeliveryAttempt, Event, OutboxEvent,
                                              ProcessedEvent, Subscription)

    now, old = utcnow(), utcnow() - timedelta(days=400)
    url = databases.migrated_url("integrations")
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        session.add(Client(id=1, name="gps", department="d", contact_name="c", created_by="admin"))
        session.flush()
        session.add(Subscription(id=1, client_id=1, url="https://x.example/h", event_types=["*"], secret="s",
                                 created_by="admin"))
        session.add(Event(event_id="e1", event_type="t", source="vehicles", occurred_at=old, payload={}))
        session.flush()
        for id_, status, when in ((1, "delivered", old), (2, "parked", old), (3, "pending", old), (4, "delivered", now)):
            session.add(Delivery(id=id_, subscription_id=1, event_id="e1", status=status, updated_at=when, created_at=when))
        session.flush()
        for id_ in (1, 2, 3, 4):
            session.add(DeliveryAttempt(delivery_id=id_, attempted_at=old, duration_ms=5))
        for n, published in enumerate((old, None, now)):
            session.add(OutboxEvent(event_id=f"o{n}", event_type="t", payload={}, headers={}, created_at=old,
                                    published_at=published, attempts=0))
        session.add(ProcessedEvent(event_id="p-old", consumer="c", processed_at=old))
        session.add(ProcessedEvent(event_id="p-new", consumer="c", processed_at=now))

    counted = retention.purge("integrations", url=url, dry_run=True)
    assert counted == {"outbox_event": 1, "processed_event": 1, "delivery": 2, "delivery_attempt": 2,
                       "audit_entry": 0}
    assert retention.purge("integrations", url=url) == counted
    with Session(engine) as session:
        assert sorted(row.id for row in session.query(Delivery)) == [3, 4]  # pending stays, whatever its age
        assert sorted(row.delivery_id for row in session.query(DeliveryAttempt)) == [3, 4]
        assert sorted(row.event_id for row in session.query(OutboxEvent)) == ["o1", "o2"]  # unsent stays
        assert [row.event_id for row in session.query(ProcessedEvent)] == ["p-new"]
    assert retention.purge("integrations", url=url) == {"outbox_event": 0, "processed_event": 0, "delivery": 0,
                                                         "delivery_attempt": 0, "audit_entry": 0}
    engine.dispose()

    url = databases.migrated_url("gateway")
    engine = create_engine(url)
    with Session(engine) as session, session.begin():
        session.add(ApiKey(id=1, name="k", secret_hash="h" * 64, prefix="p", roles=["viewer"], created_by="admin"))
        session.flush()
        for when in (old, now):
            session.add(ApiKeyCall(key_id=1, called_at=when, method="GET", operation="o", path="/", status=200,
                                   request_id="r"))
    assert retention.purge("gateway", url=url, settings=retention.RetentionSettings(api_key_call_days=1)) == \
        {"api_key_call": 1, "audit_entry": 0}
    engine.dispose()


def test_migrate_has_help_current_and_a_check_that_fails_when_behind(databases, monkeypatch, capsys):
    with pytest.raises(SystemExit) as exited:
        migrate.main(["--help"])
    assert exited.value.code == 0 and "check" in capsys.readouterr().out
    monkeypatch.setenv("ENERGY_DATABASE_URL", databases.new_url("energy"))
    assert migrate.main(["check", "energy"]) == 1
    assert "energy: empty" in capsys.readouterr().out
    assert migrate.main(["energy"]) == 0
    assert migrate.main(["current", "energy"]) == 0
    assert "at head" in capsys.readouterr().out
    assert migrate.main(["check", "energy"]) == 0
    with pytest.raises(SystemExit) as exited:
        migrate.main(["check", "nosuch"])
    assert exited.value.code == 2


def test_deadletter_discards_the_named_event_and_keeps_the_others(test_backends, monkeypatch, capsys):
    if not test_backends.real_broker:
        pytest.skip("needs RabbitMQ")
    service = f"hk{uuid.uuid4().hex[:8]}"
    queue = deadletter.deadletter_queue(service)
    for event_id in ("bad", "good"):
        deadletter._publish(test_backends.amqp_uri, {"event_id": event_id}, queue.routing_key,
                            {"x-failed-queue": "evt-x", "x-error": "KeyError"}, declare=[queue])
    eventually(lambda: len(deadletter.list_parked(test_backends.amqp_uri, service)) == 2)
    monkeypatch.setenv("AMQP_URI", test_backends.amqp_uri)
    assert deadletter.main(["discard", service, "--event-id", "bad"]) == 0
    assert "discarded 1 message(s)" in capsys.readouterr().out
    assert [entry["payload"]["event_id"] for entry in deadletter.list_parked(test_backends.amqp_uri, service)] == ["good"]
    assert deadletter.discard(test_backends.amqp_uri, service, ["nosuch"]) == 0


def test_a_restore_publishes_again_what_was_published_shortly_before_the_backup(databases, tmp_path):
    from services.kit import backup
    from services.vehicles.models import OutboxEvent

    source, target = databases.migrated_url("vehicles"), databases.new_url("vehicles")
    engine = create_engine(source)
    with Session(engine) as session, session.begin():
        for event_id, published in (("long-ago", utcnow() - timedelta(hours=2)), ("just-now", utcnow()),
                                    ("unsent", None)):
            session.add(OutboxEvent(event_id=event_id, event_type="t", payload={}, headers={}, created_at=utcnow(),
                                    published_at=published, attempts=1))
    engine.dispose()
    manifest = backup.backup(tmp_path / "b", {"vehicles": source})
    assert manifest["files"] == {"vehicles": "vehicles.db" if source.startswith("sqlite") else "vehicles.dump"}
    assert backup.restore(tmp_path / "b", {"vehicles": target}) == {"vehicles": 1}
    engine = create_engine(target)
    with Session(engine) as session:
        unsent = sorted(row.event_id for row in session.query(OutboxEvent) if row.published_at is None)
    engine.dispose()
    assert unsent == ["just-now", "unsent"]  # the relay sends "just-now" again; consumers drop a duplicate
