"""The notifications outbox relay: publishes the outbox table to RabbitMQ.

Runs as its own process, one per deployment: ``interlude-notifications-relay``.
"""

import logging
import os

from kombu import Producer

from interlude_contracts.runtime.outbox import Relay, run_relay
from interlude_contracts.runtime.storage import Database, database_url

from .outbox import SOURCE, mark_published, unpublished
from .store import create_tables


class OutboxTableRelay(Relay):
    """The shared relay's loop and publishing, reading the outbox table instead of an event log."""

    def __init__(self, database: Database, amqp_uri: str, batch_size: int = 200, poll_interval: float = 0.1) -> None:
        super().__init__(
            app=None,  # type: ignore[arg-type]
            source=SOURCE,
            translate=lambda *_: None,
            tracking=_NoTracking(),  # type: ignore[arg-type]
            amqp_uri=amqp_uri,
            batch_size=batch_size,
            poll_interval=poll_interval,
        )
        self.database = database

    def publish_batch(self, producer: Producer) -> int:
        envelopes = unpublished(self.database, self.batch_size)
        for envelope in envelopes:
            self._publish(producer, envelope)
        mark_published(self.database, [envelope["position"] for envelope in envelopes])
        return len(envelopes)


class _NoTracking:
    """The outbox rows carry their own published flag."""

    def position(self) -> str:
        return "the oldest unpublished row"


def main() -> None:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(name)s %(levelname)s %(message)s"
    )
    database = Database(database_url("notifications"))
    create_tables(database)
    relay = OutboxTableRelay(database, os.environ.get("AMQP_URI", "pyamqp://guest:guest@localhost"))
    metrics_port = os.environ.get("METRICS_PORT")
    run_relay(relay, int(metrics_port) if metrics_port else None)


if __name__ == "__main__":
    main()
