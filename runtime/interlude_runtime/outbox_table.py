"""An SQL outbox table: the relay source of SQL services.

An SQL service inserts each event it decides into ``outbox`` in the same
transaction as the change the event describes (``write_event``); the relay
publishes unpublished rows in order with publisher confirms and then marks them
published. Killed between the two it republishes a row, with the same event id,
which consumers deduplicate. Rows carry a published flag rather than the relay
keeping a position: a row whose transaction commits late, behind a higher
position already published, is still found.
"""

import json
import uuid
from datetime import datetime
from typing import Any

from interlude_contracts.envelope import EVENT_ID_NAMESPACE, make_envelope
from interlude_contracts.events import validate_event

from .relay import Batch
from .storage import Cursor, Database


def outbox_schema(database: Database) -> list[str]:
    key = "BIGSERIAL PRIMARY KEY" if database.is_postgres else "INTEGER PRIMARY KEY AUTOINCREMENT"
    return [
        f"""CREATE TABLE IF NOT EXISTS outbox (
            position {key},
            event_id TEXT NOT NULL UNIQUE,
            envelope TEXT NOT NULL,
            published INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX IF NOT EXISTS outbox_unpublished ON outbox (position) WHERE published = 0",
    ]


def event_id(source: str, *parts: Any) -> str:
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{source}:" + ":".join(str(part) for part in parts)))


def write_event(
    cursor: Cursor,
    *,
    source: str,
    key: tuple[Any, ...],
    event_type: str,
    clinic_id: str,
    correlation_id: str,
    occurred_at: datetime,
    payload: dict[str, Any],
) -> None:
    """Store an event to publish; ``key`` identifies it, so writing it twice stores it once."""
    identifier = event_id(source, event_type, *key)
    envelope = make_envelope(
        event_id=identifier,
        event_type=event_type,
        schema_version=1,
        occurred_at=occurred_at,
        clinic_id=clinic_id,
        correlation_id=correlation_id,
        source=source,
        position=1,  # replaced by the outbox position when published
        payload=payload,
    )
    cursor.execute(
        """INSERT INTO outbox (event_id, envelope) VALUES (:event_id, :envelope)
        ON CONFLICT (event_id) DO NOTHING""",
        {"event_id": identifier, "envelope": json.dumps(envelope)},
    )


def unpublished(database: Database, limit: int) -> list[dict[str, Any]]:
    """The oldest unpublished envelopes, validated, with their outbox position."""
    with database.transaction() as cursor:
        cursor.execute(
            "SELECT position, envelope FROM outbox WHERE published = 0 ORDER BY position LIMIT :limit",
            {"limit": limit},
        )
        rows = cursor.fetchall()
    return [validate_event({**json.loads(row["envelope"]), "position": int(row["position"])}) for row in rows]


def mark_published(database: Database, positions: list[int]) -> None:
    with database.transaction() as cursor:
        for position in positions:
            cursor.execute("UPDATE outbox SET published = 1 WHERE position = :position", {"position": position})


def outbox_events(database: Database) -> list[dict[str, Any]]:
    """Every stored envelope in order (tests and operators)."""
    with database.transaction() as cursor:
        cursor.execute("SELECT position, envelope FROM outbox ORDER BY position")
        rows = cursor.fetchall()
    return [{**json.loads(row["envelope"]), "position": int(row["position"])} for row in rows]


class OutboxTableSource:
    """The outbox table as a relay source: the unpublished rows, oldest first."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._published: int | None = None

    def position(self) -> int:
        if self._published is None:
            with self.database.transaction() as cursor:
                cursor.execute("SELECT MAX(position) AS position FROM outbox WHERE published = 1")
                row = cursor.fetchone()
            self._published = int(row["position"]) if row and row["position"] is not None else 0
        return self._published

    def read(self, limit: int) -> Batch:
        envelopes = unpublished(self.database, limit)
        up_to = max([self.position(), *(envelope["position"] for envelope in envelopes)])
        return Batch(envelopes, read=len(envelopes), up_to=up_to)

    def record_published(self, batch: Batch) -> None:
        mark_published(self.database, [envelope["position"] for envelope in batch.envelopes])
        self._published = batch.up_to

    def backlog(self) -> int:
        with self.database.transaction() as cursor:
            cursor.execute("SELECT COUNT(*) AS unpublished FROM outbox WHERE published = 0")
            row = cursor.fetchone()
        return int(row["unpublished"]) if row else 0
