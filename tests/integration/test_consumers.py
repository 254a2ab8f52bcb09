"""The event consumers against the real RabbitMQ and a real store.

A malformed message goes to the queue's dead-letter queue and is counted; the
consumer keeps running; a redelivered event changes nothing; a handler that
fails gets its event back instead of losing it.
"""

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection, Producer

from interlude_assignments.application import create_application
from interlude_assignments.handlers import Assign, SubmitResponse, handle
from interlude_assignments.translation import to_envelope
from interlude_contracts.topology import DELIVERY_LIMIT, EVENTS_EXCHANGE, SUBSCRIPTIONS, dead_letter_queue_name
from interlude_notifications.service import NotificationsService
from interlude_notifications.store import for_client
from interlude_reporting import service as reporting_service
from interlude_reporting.projection import client_report
from interlude_reporting.service import ReportingService
from interlude_runtime import consuming
from interlude_runtime.metrics import EVENTS_DEAD_LETTERED
from interlude_runtime.outbox import log_page
from interlude_runtime.storage import Database

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from support import MOOD_CHECK_IN, declare, drain, queue_depth, wait_until

pytestmark = pytest.mark.rabbitmq

CLINIC = "clinic-a"


@pytest.fixture
def history() -> list[dict[str, Any]]:
    """Real envelopes, made by the assignments service's own translation of a real log."""
    app = create_application({"DATABASE_URL": "memory://"})
    snapshot = {"activity_id": "0b7d3c1e-9a5e-4a53-8f5b-5a1f3f2a9c11", "version": 1, **MOOD_CHECK_IN}
    first = handle(app, Assign(CLINIC, "therapist-1", "client-1", snapshot, None, "corr-1"))
    handle(app, Assign(CLINIC, "therapist-1", "client-1", snapshot, None, "corr-2"))
    handle(app, SubmitResponse(CLINIC, first.id, {"mood": 4, "sleep": "poor"}, "corr-3"))
    envelopes, _ = log_page(app, to_envelope, 0, 100)
    return envelopes


def publish(amqp_uri: str, body: Any, routing_key: str, **options: Any) -> None:
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        Producer(connection.default_channel).publish(
            body, exchange=EVENTS_EXCHANGE, routing_key=routing_key, declare=[EVENTS_EXCHANGE], **options
        )


def dead_lettered(queue: str, reason: str) -> float:
    return EVENTS_DEAD_LETTERED.labels(queue=queue, reason=reason)._value.get()


@pytest.fixture
def reporting(container_factory, amqp_uri: str, tmp_path, monkeypatch) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'reporting.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    empty_queues(amqp_uri)
    container = container_factory(ReportingService, {"AMQP_URI": amqp_uri})
    container.start()
    database = Database(url)
    yield database
    container.stop()


def empty_queues(amqp_uri: str) -> None:
    """Start from empty queues: every test publishes into the same session vhost."""
    declare(amqp_uri)
    for queue in SUBSCRIPTIONS:
        drain(amqp_uri, queue)
        drain(amqp_uri, dead_letter_queue_name(queue))


def test_malformed_messages_are_dead_lettered_and_the_consumer_keeps_going(
    reporting: Database, amqp_uri: str, history: list[dict[str, Any]]
) -> None:
    queue = "reporting.events"
    undecodable_before = dead_lettered(queue, "undecodable")
    invalid_before = dead_lettered(queue, "invalid")

    publish(amqp_uri, b"{not json", "assignments.ActivityAssigned", content_type="application/json")
    broken = {**history[0], "payload": {**history[0]["payload"], "client_id": None}}
    publish(amqp_uri, broken, "assignments.ActivityAssigned", serializer="json")
    publish(amqp_uri, {"hello": "world"}, "assignments.ResponseSubmitted", serializer="json")
    for envelope in history:
        publish(amqp_uri, envelope, f"assignments.{envelope['event_type']}", serializer="json")

    def caught_up() -> bool:
        return client_report(reporting, CLINIC, "client-1")["completed"] == 1

    wait_until(caught_up, what="the valid events to be projected")
    wait_until(lambda: queue_depth(amqp_uri, dead_letter_queue_name(queue)) == 3, what="three dead letters")
    assert dead_lettered(queue, "undecodable") == undecodable_before + 1
    assert dead_lettered(queue, "invalid") == invalid_before + 2
    report = client_report(reporting, CLINIC, "client-1")
    assert report["assigned"] == 2
    assert report["completion_rate"] == 0.5


def test_redelivered_events_change_nothing(reporting: Database, amqp_uri: str, history: list[dict[str, Any]]) -> None:
    for _ in range(3):
        for envelope in history:
            publish(amqp_uri, envelope, f"assignments.{envelope['event_type']}", serializer="json")
    wait_until(lambda: queue_depth(amqp_uri, "reporting.events") == 0, what="the queue to drain")
    wait_until(lambda: client_report(reporting, CLINIC, "client-1")["completed"] == 1, what="the projection")
    report = client_report(reporting, CLINIC, "client-1")
    assert len(report["assignments"]) == 2
    with reporting.transaction() as cursor:
        cursor.execute("SELECT COUNT(*) AS n FROM tracking")
        assert cursor.fetchone()["n"] == len(history)


def test_a_failing_handler_gets_its_event_back(
    reporting: Database, amqp_uri: str, history: list[dict[str, Any]], monkeypatch
) -> None:
    real_apply = reporting_service.apply_event
    failures: list[str] = []

    def flaky_apply(database: Database, event: Any) -> bool:
        if not failures:
            failures.append(event.event_type)
            raise ConnectionError("database restarting")
        return real_apply(database, event)

    monkeypatch.setattr(reporting_service, "apply_event", flaky_apply)
    monkeypatch.setattr(consuming, "RETRY_PAUSE_SECONDS", 0.05)
    for envelope in history:
        publish(amqp_uri, envelope, f"assignments.{envelope['event_type']}", serializer="json")
    wait_until(lambda: client_report(reporting, CLINIC, "client-1")["completed"] == 1, what="the projection")
    assert failures, "the handler never failed, so this test proved nothing"
    assert len(client_report(reporting, CLINIC, "client-1")["assignments"]) == 2


def test_a_handler_failing_longer_than_the_delivery_limit_still_gets_its_event(
    reporting: Database, amqp_uri: str, history: list[dict[str, Any]], monkeypatch
) -> None:
    """A database down for a while is not a poison message: the broker's delivery limit must not dead-letter it."""
    real_apply = reporting_service.apply_event
    failures: list[str] = []

    def failing_for_a_while(database: Database, event: Any) -> bool:
        if len(failures) <= DELIVERY_LIMIT:
            failures.append(event.event_type)
            raise ConnectionError("database restarting")
        return real_apply(database, event)

    monkeypatch.setattr(reporting_service, "apply_event", failing_for_a_while)
    monkeypatch.setattr(consuming, "RETRY_PAUSE_SECONDS", 0.01)
    first = history[0]
    publish(amqp_uri, first, f"assignments.{first['event_type']}", serializer="json")
    wait_until(lambda: len(client_report(reporting, CLINIC, "client-1")["assignments"]) == 1, what="the projection")
    assert len(failures) > DELIVERY_LIMIT
    assert drain(amqp_uri, dead_letter_queue_name("reporting.events")) == []


def test_notifications_consumer_records_one_notification_per_assignment(
    container_factory, amqp_uri: str, tmp_path, monkeypatch, history: list[dict[str, Any]]
) -> None:
    url = f"sqlite:///{tmp_path / 'notifications.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    empty_queues(amqp_uri)
    container = container_factory(NotificationsService, {"AMQP_URI": amqp_uri})
    container.start()
    for _ in range(2):
        for envelope in history:
            publish(amqp_uri, envelope, f"assignments.{envelope['event_type']}", serializer="json")
    database = Database(url)
    wait_until(lambda: len(for_client(database, CLINIC, "client-1")) == 2, what="two notifications")
    wait_until(lambda: queue_depth(amqp_uri, "notifications.events") == 0, what="the queue to drain")
    assert len(for_client(database, CLINIC, "client-1")) == 2
    assert {n["kind"] for n in for_client(database, CLINIC, "client-1")} == {"new_activity"}
    container.stop()
