"""The relay over an SQL outbox table: unpublished rows in order, marked published once confirmed."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import pytest

from interlude_contracts.events import NOTIFICATION_SENT, NotificationSentV1
from interlude_runtime.outbox_table import OutboxTableSource, outbox_events, outbox_schema, write_event
from interlude_runtime.relay import Relay
from interlude_runtime.storage import Database

SOURCE = "notifications"
MOMENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class RecordingProducer:
    """Stands in for a kombu producer with publisher confirms: every publish is confirmed."""

    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, body: dict[str, Any], **_: Any) -> None:
        self.published.append(body)


@pytest.fixture
def outbox(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    database.execute_script(outbox_schema(database))
    yield database
    database.close()


def store_events(database: Database, count: int, first: int = 0) -> None:
    with database.transaction() as cursor:
        for number in range(first, first + count):
            write_event(
                cursor,
                source=SOURCE,
                key=(f"entry-{number}", "in_app", 1),
                event_type=NOTIFICATION_SENT,
                clinic_id="clinic-a",
                correlation_id=f"corr-{number}",
                occurred_at=MOMENT,
                payload=NotificationSentV1().dump(
                    {
                        "notification_id": uuid5(NAMESPACE_URL, f"entry-{number}"),
                        "client_id": "client-1",
                        "assignment_id": None,
                        "kind": "reminder",
                        "channel": "in_app",
                        "attempt": 1,
                        "attempted_at": MOMENT,
                    }
                ),
            )


def test_the_relay_publishes_the_outbox_in_order_and_only_once(outbox: Database) -> None:
    store_events(outbox, 5)
    store_events(outbox, 1)  # the same event written again is stored once
    source = OutboxTableSource(outbox)
    relay = Relay(source, SOURCE, "memory://", batch_size=3)
    producer = RecordingProducer()

    assert source.position() == 0 and source.backlog() == 5
    assert relay.publish_batch(producer) == 3
    assert source.backlog() == 2
    assert relay.publish_batch(producer) == 2
    assert relay.publish_batch(producer) == 0

    stored = outbox_events(outbox)
    assert [body["event_id"] for body in producer.published] == [body["event_id"] for body in stored]
    assert [body["position"] for body in producer.published] == [body["position"] for body in stored]
    assert source.position() == stored[-1]["position"]
    assert OutboxTableSource(outbox).position() == stored[-1]["position"]  # a restarted relay knows it too


def test_events_stored_after_a_batch_follow_it(outbox: Database) -> None:
    store_events(outbox, 2)
    source = OutboxTableSource(outbox)
    relay = Relay(source, SOURCE, "memory://")
    producer = RecordingProducer()
    relay.publish_batch(producer)
    store_events(outbox, 2, first=2)

    assert relay.publish_batch(producer) == 2
    assert len({body["event_id"] for body in producer.published}) == 4
