"""The notifications store: one row per message addressed to a client.

A notification's id is derived from the event that caused it, so a
redelivered or replayed event finds its notification already there.
"""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

from interlude_contracts.events import Event
from interlude_runtime.shredding import erase_rows
from interlude_runtime.storage import Database

NEW_ACTIVITY = "new_activity"


def notification_id_for(event_id: UUID, kind: str) -> UUID:
    return uuid5(event_id, kind)


def new_activity_body(title: str, due_at: datetime | None) -> str:
    due = f" It is due {due_at.astimezone(UTC):%A %d %B %Y at %H:%M} UTC." if due_at else ""
    return f"Your therapist has sent you a new activity: {title}.{due}"


def record_new_activity(database: Database, event: Event) -> bool:
    """Record the "new activity" notification of an ActivityAssigned event; False if already there."""
    payload = event.payload
    with database.transaction() as cursor:
        cursor.execute(
            """INSERT INTO notifications (notification_id, event_id, clinic_id, client_id, kind,
                assignment_id, title, body, created_at)
            VALUES (:notification_id, :event_id, :clinic_id, :client_id, :kind,
                :assignment_id, :title, :body, :created_at)
            ON CONFLICT (notification_id) DO NOTHING RETURNING notification_id""",
            {
                "notification_id": str(notification_id_for(event.event_id, NEW_ACTIVITY)),
                "event_id": str(event.event_id),
                "clinic_id": event.clinic_id,
                "client_id": payload["client_id"],
                "kind": NEW_ACTIVITY,
                "assignment_id": str(payload["assignment_id"]),
                "title": "New activity",
                "body": new_activity_body(payload["activity_title"], payload["due_at"]),
                "created_at": event.occurred_at.astimezone(UTC).isoformat(),
            },
        )
        return cursor.fetchone() is not None


def purge_client(database: Database, clinic_id: str, client_id: str) -> None:
    """Erasure: the client's messages, alerts, schedule, delivery records and preferences go."""
    the_client = "clinic_id = :clinic_id AND client_id = :client_id"
    tables = ("notifications", "therapist_notifications", "schedule", "deliveries", "preferences")
    erase_rows(database, dict.fromkeys(tables, the_client), {"clinic_id": clinic_id, "client_id": client_id})


def for_client(database: Database, clinic_id: str, client_id: str) -> list[dict[str, Any]]:
    with database.transaction() as cursor:
        cursor.execute(
            """SELECT notification_id, clinic_id, client_id, kind, assignment_id, title, body, created_at
            FROM notifications WHERE clinic_id = :clinic_id AND client_id = :client_id
            ORDER BY created_at DESC, notification_id""",
            {"clinic_id": clinic_id, "client_id": client_id},
        )
        rows = cursor.fetchall()
    return [{**row, "created_at": datetime.fromisoformat(row["created_at"])} for row in rows]
