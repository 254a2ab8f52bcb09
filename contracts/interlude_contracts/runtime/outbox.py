"""Publishing a service's events from its event store (the outbox).

A domain event is stored first, in the aggregate's transaction, and becomes
visible in the application's notification log. The relay follows that log,
publishes each event with publisher confirms, and records how far it got in
the same database. Killed at any moment, it resumes from the last recorded
position: at worst it republishes a batch, which consumers deduplicate by
event id. Notification ids may have gaps, so the position is the last id
seen, never a count.
"""

import logging
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from kombu import Connection, Producer

from ..events import validate_event
from ..topology import EVENTS_EXCHANGE, declare_topology, routing_key
from .metrics import EVENTS_PUBLISHED, RELAY_LAG, RELAY_POSITION
from .shredding import ClientDataErased
from .storage import Database

log = logging.getLogger(__name__)

Translator = Callable[[DomainEventProtocol, int], dict[str, Any] | None]

TRACKING_TABLE = [
    """CREATE TABLE IF NOT EXISTS relay_tracking (
        relay_name TEXT PRIMARY KEY,
        position BIGINT NOT NULL
    )"""
]


def log_page(app: Application, translate: Translator, after: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Envelopes of the published events after ``after``; and the last id read."""
    notifications = app.recorder.select_notifications(start=after + 1, limit=limit)
    envelopes = []
    last = after
    for notification in notifications:
        last = notification.id
        try:
            domain_event = app.mapper.to_domain_event(notification)
        except ClientDataErased:
            continue  # the client's data was erased before it was published: it never will be
        envelope = translate(domain_event, notification.id)
        if envelope is not None:
            envelopes.append(validate_event(envelope))
    return envelopes, last


class RelayTracking:
    """The relay's durable position, kept in the service's own database."""

    def __init__(self, database: Database, relay_name: str) -> None:
        self.database = database
        self.relay_name = relay_name
        database.execute_script(TRACKING_TABLE)

    def position(self) -> int:
        with self.database.transaction() as cursor:
            cursor.execute("SELECT position FROM relay_tracking WHERE relay_name = :name", {"name": self.relay_name})
            row = cursor.fetchone()
        return int(row["position"]) if row else 0

    def advance(self, position: int) -> None:
        with self.database.transaction() as cursor:
            cursor.execute(
                """INSERT INTO relay_tracking (relay_name, position) VALUES (:name, :position)
                ON CONFLICT (relay_name) DO UPDATE SET position = excluded.position""",
                {"name": self.relay_name, "position": position},
            )


class Relay:
    def __init__(
        self,
        app: Application,
        source: str,
        translate: Translator,
        tracking: RelayTracking,
        amqp_uri: str,
        batch_size: int = 200,
        poll_interval: float = 0.1,
    ) -> None:
        self.app = app
        self.source = source
        self.translate = translate
        self.tracking = tracking
        self.amqp_uri = amqp_uri
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.stopping = threading.Event()

    def run(self) -> None:
        """Publish until stopped, reconnecting to the broker when it goes away."""
        while not self.stopping.is_set():
            try:
                with self._connect() as connection:
                    declare_topology(connection.default_channel)
                    producer = Producer(connection.default_channel)
                    self._follow(producer)
            except Exception:
                log.exception("relay %s failed; reconnecting", self.source)
                self.stopping.wait(1.0)

    def _connect(self) -> Connection:
        connection = Connection(self.amqp_uri, transport_options={"confirm_publish": True}, heartbeat=0)
        connection.ensure_connection(max_retries=3)
        return connection

    def _follow(self, producer: Producer) -> None:
        while not self.stopping.is_set():
            if self.publish_batch(producer) == 0:
                self.stopping.wait(self.poll_interval)

    def publish_batch(self, producer: Producer) -> int:
        """Publish what follows the recorded position; return how many notifications were read."""
        position = self.tracking.position()
        envelopes, last = log_page(self.app, self.translate, position, self.batch_size)
        for envelope in envelopes:
            self._publish(producer, envelope)
        if last != position:
            self.tracking.advance(last)
        self._report(last)
        return last - position

    def _publish(self, producer: Producer, envelope: dict[str, Any]) -> None:
        # With confirm_publish, publish() returns only once the broker has
        # confirmed the message (persistent, routed to durable queues).
        producer.publish(
            envelope,
            exchange=EVENTS_EXCHANGE,
            routing_key=routing_key(self.source, envelope["event_type"]),
            serializer="json",
            delivery_mode=2,
            message_id=envelope["event_id"],
            headers={"correlation_id": envelope["correlation_id"]},
        )
        EVENTS_PUBLISHED.labels(source=self.source, event_type=envelope["event_type"]).inc()

    def _report(self, position: int) -> None:
        RELAY_POSITION.labels(source=self.source).set(position)
        newest = self.app.recorder.max_notification_id() or 0
        RELAY_LAG.labels(source=self.source).set(max(newest - position, 0))

    def stop(self, *_: Any) -> None:
        self.stopping.set()


def run_relay(relay: Relay, metrics_port: int | None) -> None:
    """Entry point of a relay process: stops cleanly on SIGTERM or SIGINT."""
    if metrics_port:
        from .probes import process_checks, serve_operations

        serve_operations(metrics_port, process_checks(relay.amqp_uri, relay.tracking.database.url))
    signal.signal(signal.SIGTERM, relay.stop)
    signal.signal(signal.SIGINT, relay.stop)
    log.info("relay %s started at position %s", relay.source, relay.tracking.position())
    started = time.monotonic()
    relay.run()
    log.info("relay %s stopped after %.0fs", relay.source, time.monotonic() - started)


def relay_main(service: str, create_application: Callable[[], Application], translate: Translator) -> None:
    """Start a service's relay from the environment (DATABASE_URL, AMQP_URI, METRICS_PORT)."""
    import os

    from .storage import database_url

    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    from .schema import created_despite_races

    database = Database(database_url(service))
    tracking = created_despite_races(lambda: RelayTracking(database, relay_name=service))
    amqp_uri = os.environ.get("AMQP_URI", "pyamqp://guest:guest@localhost")
    relay = Relay(created_despite_races(create_application), service, translate, tracking, amqp_uri)
    metrics_port = os.environ.get("METRICS_PORT")
    run_relay(relay, int(metrics_port) if metrics_port else None)
