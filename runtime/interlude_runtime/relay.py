"""The outbox relay: one loop that publishes a service's stored events to RabbitMQ.

Every service that publishes events stores them first, in the transaction that
decides them, and one relay process per service publishes them afterwards with
publisher confirms. Where the events are stored differs by service shape
(docs/architecture.md): an event store's notification log (``outbox.EventLogSource``)
or an SQL outbox table (``outbox_table.OutboxTableSource``). Both are a
``RelaySource``; the relay records what it published only once the broker has
confirmed it, so a relay killed at any moment republishes at worst one batch,
with the same event ids, which consumers deduplicate.
"""

import logging
import os
import signal
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from kombu import Connection, Producer

from interlude_contracts.topology import EVENTS_EXCHANGE, missing_subscribers, routing_key

from .metrics import EVENTS_PUBLISHED, RELAY_LAG, RELAY_POSITION
from .schema import created_despite_races
from .storage import Database, database_url

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Batch:
    """What a source read in one go: the envelopes to publish and how far that reaches."""

    envelopes: list[dict[str, Any]]
    read: int  # stored entries read (an event store also skips ids and events it does not publish)
    up_to: int  # the source's position once the batch is published


class RelaySource(Protocol):
    """Where a relay finds the events to publish and records what it has published."""

    def position(self) -> int:
        """The position of the last published event (0 before the first)."""
        ...

    def read(self, limit: int) -> Batch:
        """At most ``limit`` stored entries that follow what was published; ``read`` is 0 when none."""
        ...

    def record_published(self, batch: Batch) -> None:
        """Durably remember that the broker confirmed every envelope of ``batch``."""
        ...

    def backlog(self) -> int:
        """How many stored entries are not published yet."""
        ...


class RelayedService(Protocol):
    """A service's configuration as its relay needs it (``shapes.EventSourcedShape`` or ``shapes.SqlShape``)."""

    @property
    def service(self) -> str: ...

    def relay_source(self, database: Database, environ: Mapping[str, str]) -> RelaySource: ...


class Relay:
    def __init__(
        self,
        source: RelaySource,
        name: str,
        amqp_uri: str,
        batch_size: int = 200,
        poll_interval: float = 0.1,
    ) -> None:
        self.source = source
        self.name = name
        self.amqp_uri = amqp_uri
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.stopping = threading.Event()
        self.waiting_for: list[str] = []  # subscriber queues not declared yet

    def run(self) -> None:
        """Publish until stopped, reconnecting to the broker when it goes away."""
        while not self.stopping.is_set():
            try:
                with self._connect() as connection:
                    if not self._subscribers_ready(connection):
                        continue
                    producer = Producer(connection.default_channel)
                    self._follow(producer)
            except Exception:
                log.exception("relay %s failed; reconnecting", self.name)
                self.stopping.wait(1.0)

    def _subscribers_ready(self, connection: Connection) -> bool:
        """The events exchange declared, and every queue subscribing to this source there to route to.

        Each consumer declares its own queues (its broker user may declare no others, docs/security.md):
        until all of them have, the relay waits rather than publish events that nothing would keep.
        """
        EVENTS_EXCHANGE(connection.default_channel).declare()
        missing = missing_subscribers(connection, self.name)
        if missing and missing != self.waiting_for:  # once per change, not every second
            log.warning("relay %s waits for its subscribers' queues %s to be declared", self.name, missing)
        self.waiting_for = missing
        if missing:
            self.stopping.wait(1.0)
        return not missing

    def _connect(self) -> Connection:
        connection = Connection(self.amqp_uri, transport_options={"confirm_publish": True}, heartbeat=0)
        connection.ensure_connection(max_retries=3)
        return connection

    def _follow(self, producer: Producer) -> None:
        while not self.stopping.is_set():
            if self.publish_batch(producer) == 0:
                self.stopping.wait(self.poll_interval)

    def publish_batch(self, producer: Producer) -> int:
        """Publish what follows the recorded position; return how many stored entries were read."""
        batch = self.source.read(self.batch_size)
        for envelope in batch.envelopes:
            self._publish(producer, envelope)
        if batch.read:
            self.source.record_published(batch)
        RELAY_POSITION.labels(source=self.name).set(batch.up_to)
        RELAY_LAG.labels(source=self.name).set(self.source.backlog())
        return batch.read

    def _publish(self, producer: Producer, envelope: dict[str, Any]) -> None:
        # With confirm_publish, publish() returns only once the broker has
        # confirmed the message (persistent, routed to durable queues).
        producer.publish(
            envelope,
            exchange=EVENTS_EXCHANGE,
            routing_key=routing_key(self.name, envelope["event_type"]),
            serializer="json",
            delivery_mode=2,
            message_id=envelope["event_id"],
            headers={"correlation_id": envelope["correlation_id"]},
        )
        EVENTS_PUBLISHED.labels(source=self.name, event_type=envelope["event_type"]).inc()

    def stop(self, *_: Any) -> None:
        self.stopping.set()


def run_relay(relay: Relay, metrics_port: int | None, database_url: str | None = None) -> None:
    """Run a relay process until SIGTERM or SIGINT, serving its probes and metrics on ``metrics_port``."""
    if metrics_port:
        from .probes import process_checks, serve_operations

        serve_operations(metrics_port, process_checks(relay.amqp_uri, database_url))
    signal.signal(signal.SIGTERM, relay.stop)
    signal.signal(signal.SIGINT, relay.stop)
    log.info("relay %s started at position %s", relay.name, relay.source.position())
    started = time.monotonic()
    relay.run()
    log.info("relay %s stopped after %.0fs", relay.name, time.monotonic() - started)


def relay_main(service: RelayedService, environ: Mapping[str, str] = os.environ) -> None:
    """Every relay's console script: the service's relay from the environment (DATABASE_URL, AMQP_URI, METRICS_PORT)."""
    logging.basicConfig(level=environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    database = Database(database_url(service.service, environ))
    source = created_despite_races(lambda: service.relay_source(database, environ))
    relay = Relay(source, service.service, environ.get("AMQP_URI", "pyamqp://guest:guest@localhost"))
    metrics_port = environ.get("METRICS_PORT")
    run_relay(relay, int(metrics_port) if metrics_port else None, database.url)
