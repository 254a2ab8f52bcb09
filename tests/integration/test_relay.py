"""The outbox relay against the real PostgreSQL event store and the real RabbitMQ.

Events leave only from the assignment log: the relay follows the notification
log, publishes with confirms and records its position. Killed at any moment, it
resumes without a gap; what it publishes twice carries the same event id.
"""

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection, Producer

from interlude_assignments.application import AssignmentsApplication, create_application
from interlude_assignments.handlers import Assign, CancelAssignment, SubmitResponse, handle
from interlude_assignments.translation import SOURCE, to_envelope
from interlude_contracts.events import load_event
from interlude_runtime.outbox import EventLogSource, RelayTracking
from interlude_runtime.relay import Relay
from interlude_runtime.storage import Database

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from support import MOOD_CHECK_IN, declare, drain, queue_depth, relay_env, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq]

QUEUE = "reporting.events"


def snapshot() -> dict[str, Any]:
    return {"activity_id": "0b7d3c1e-9a5e-4a53-8f5b-5a1f3f2a9c11", "version": 1, **MOOD_CHECK_IN}


def record_history(app: AssignmentsApplication, clients: int) -> list[str]:
    """Assign to each client, then answer every second assignment and cancel every third."""
    for number in range(clients):
        assignment = handle(
            app, Assign("clinic-a", "therapist-1", f"client-{number}", snapshot(), None, f"corr-{number}")
        )
        if number % 2 == 0:
            handle(app, SubmitResponse("clinic-a", assignment.id, {"mood": 5, "sleep": "good"}, "corr"))
        elif number % 3 == 0:
            handle(app, CancelAssignment("clinic-a", assignment.id, "therapist-1", None, "corr"))
    return published_event_ids(app)


def published_event_ids(app: AssignmentsApplication) -> list[str]:
    ids = []
    for notification in app.recorder.select_notifications(start=1, limit=1_000_000):
        envelope = to_envelope(app.mapper.to_domain_event(notification), notification.id)
        if envelope:
            ids.append(envelope["event_id"])
    return ids


@pytest.fixture
def store(postgres_database) -> str:
    return postgres_database("relay")


@pytest.fixture
def app(store: str) -> Iterator[AssignmentsApplication]:
    application = create_application({"DATABASE_URL": store})
    yield application
    application.close()


def test_relay_publishes_each_stored_event_with_its_position(
    store: str, app: AssignmentsApplication, amqp_uri: str
) -> None:
    expected = record_history(app, clients=12)
    declare(amqp_uri)
    drain(amqp_uri, QUEUE)
    tracking = RelayTracking(Database(store), relay_name=SOURCE)
    relay = Relay(EventLogSource(app, to_envelope, tracking), SOURCE, amqp_uri, batch_size=7)

    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection.default_channel)
        while relay.publish_batch(producer):
            pass

    events = [load_event(body) for body in drain(amqp_uri, QUEUE)]
    assert [str(event.event_id) for event in events] == expected
    positions = [event.position for event in events]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    assert tracking.position() == app.recorder.max_notification_id()
    assert {event.source for event in events} == {"assignments"}
    assert all(event.clinic_id == "clinic-a" for event in events)


def test_relay_resumes_from_its_recorded_position(store: str, app: AssignmentsApplication, amqp_uri: str) -> None:
    declare(amqp_uri)
    drain(amqp_uri, QUEUE)
    first = record_history(app, clients=3)
    tracking = RelayTracking(Database(store), relay_name=SOURCE)
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = Producer(connection.default_channel)
        Relay(EventLogSource(app, to_envelope, tracking), SOURCE, amqp_uri).publish_batch(producer)
        everything = record_history(app, clients=3)
        # A new relay (a restarted process) starts where the last one recorded.
        fresh_tracking = RelayTracking(Database(store), relay_name=SOURCE)
        Relay(EventLogSource(app, to_envelope, fresh_tracking), SOURCE, amqp_uri).publish_batch(producer)
    ids = [body["event_id"] for body in drain(amqp_uri, QUEUE)]
    assert ids == everything
    assert ids[: len(first)] == first


def test_relay_killed_mid_run_loses_nothing(store: str, app: AssignmentsApplication, amqp_uri: str) -> None:
    expected = record_history(app, clients=400)
    declare(amqp_uri)
    drain(amqp_uri, QUEUE)
    env = relay_env(amqp_uri, store)
    command = [str(Path(sys.executable).parent / "interlude-assignments-relay")]

    relay = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until(lambda: queue_depth(amqp_uri, QUEUE) > 20, what="the relay to publish some events")
    relay.send_signal(signal.SIGKILL)
    relay.wait()
    published_before_kill = queue_depth(amqp_uri, QUEUE)
    assert published_before_kill < len(expected), "the relay finished before it was killed; kill it sooner"

    relay = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tracking = RelayTracking(Database(store), relay_name=SOURCE)
    newest = app.recorder.max_notification_id()
    wait_until(lambda: tracking.position() == newest, timeout=60, what="the restarted relay to catch up")
    relay.send_signal(signal.SIGTERM)
    assert relay.wait(timeout=15) == 0

    ids = [body["event_id"] for body in drain(amqp_uri, QUEUE)]
    assert set(ids) == set(expected), "an event was lost across the kill"
    # Republished events are the same events (same ids), so consumers deduplicate them.
    assert len(ids) >= len(expected)
