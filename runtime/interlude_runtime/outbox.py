"""An event store as the outbox: the relay source of event-sourced services.

A domain event is stored first, in the aggregate's transaction, and becomes
visible in the application's notification log. The relay (``relay.Relay``)
follows that log, publishes each event with publisher confirms, and records
how far it got in the same database. Killed at any moment, it resumes from
the last recorded position: at worst it republishes a batch, which consumers deduplicate by
event id. Notification ids may have gaps, so the position is the last id
seen, never a count.
"""

import time
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, Notification

from interlude_contracts.events import validate_event

from .relay import Batch
from .shredding import ClientDataErased, ClientKeyMapper
from .storage import Database

Translator = Callable[[DomainEventProtocol, int], dict[str, Any] | None]

TRACKING_TABLE = [
    """CREATE TABLE IF NOT EXISTS relay_tracking (
        relay_name TEXT PRIMARY KEY,
        position BIGINT NOT NULL
    )"""
]


# A page of the log is read without waiting on anything: under eventlet, the service's other requests wait
# for it unless it lets them in now and then.
YIELD_EVERY = 100


def log_page(
    app: Application, translate: Translator, after: int, limit: int, *, validate: bool = True
) -> tuple[list[dict[str, Any]], int]:
    """Envelopes of the published events after ``after``; and the last id read.

    ``validate=False`` leaves out the producer's check (``validate_event``), for a reader that loads
    every envelope with ``load_event`` itself, the same check.
    """
    notifications = app.recorder.select_notifications(start=after + 1, limit=limit)
    envelopes = []
    last = after
    decode = _page_decoder(app.mapper, notifications)
    for count, notification in enumerate(notifications, 1):
        if count % YIELD_EVERY == 0:
            time.sleep(0)
        last = notification.id
        try:
            domain_event = decode(notification)
        except ClientDataErased:
            continue  # the client's data was erased before it was published: it never will be
        envelope = translate(domain_event, notification.id)
        if envelope is not None:
            envelopes.append(validate_event(envelope) if validate else envelope)
    return envelopes, last


def _page_decoder(mapper: Mapper, notifications: Sequence[Notification]) -> Callable[[Notification], Any]:
    """Decoding for a page of the log: a client-key mapper looks the page's keys up once, not per event."""
    if isinstance(mapper, ClientKeyMapper):
        keys = mapper.keys_for(notifications)
        return lambda notification: mapper.decoded(notification, keys)
    return mapper.to_domain_event


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


class EventLogSource:
    """An event store's notification log as a relay source; the position is kept in ``relay_tracking``."""

    def __init__(self, app: Application, translate: Translator, tracking: RelayTracking) -> None:
        self.app = app
        self.translate = translate
        self.tracking = tracking
        self._published = 0  # as last read from or written to the tracking table

    def position(self) -> int:
        self._published = self.tracking.position()
        return self._published

    def read(self, limit: int) -> Batch:
        position = self.position()
        envelopes, last = log_page(self.app, self.translate, position, limit)
        return Batch(envelopes, read=last - position, up_to=last)

    def record_published(self, batch: Batch) -> None:
        self.tracking.advance(batch.up_to)
        self._published = batch.up_to

    def backlog(self) -> int:
        newest = self.app.recorder.max_notification_id() or 0
        return max(newest - self._published, 0)
