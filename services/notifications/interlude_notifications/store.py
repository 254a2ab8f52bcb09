"""The notifications store: one row per message addressed to a client.

A notification's id is derived from the event that caused it, so a
redelivered or replayed event finds its notification already there.
"""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

from interlude_contracts.events import Event
from interlude_runtime.shredding import erase_rows
from interlude_runtime.storage import Cursor, Database
from interlude_runtime.tombstones import bury, hold_client, is_erased

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


CLIENT_TABLES = ("notifications", "therapist_notifications", "schedule", "deliveries", "preferences")
# Tables keyed by assignment alone: the client's rows are those of the assignments the client's other rows name.
ASSIGNMENT_TABLES = ("closed_assignments", "extended_due_dates")


def purge_client(database: Database, clinic_id: str, client_id: str) -> None:
    """Erasure: the client's messages, alerts, schedule, delivery records, preferences, the outbox's
    envelopes about them and what was kept per assignment of theirs go; a tombstone makes a late message
    about them write nothing (``interlude_runtime.tombstones``). Idempotent."""
    params = {"clinic_id": clinic_id, "client_id": client_id}
    with database.transaction() as cursor:
        hold_client(cursor, clinic_id, client_id, postgres=database.is_postgres, exclusive=True)
        bury(cursor, clinic_id, client_id)
        assignment_ids = _assignment_ids_of(cursor, database, params)
    the_client = "clinic_id = :clinic_id AND client_id = :client_id"
    names = {f"assignment_{index}": assignment_id for index, assignment_id in enumerate(sorted(assignment_ids))}
    in_assignments = f"assignment_id IN ({', '.join(':' + name for name in names)})" if names else "1 = 0"
    erase_rows(
        database,
        {
            **dict.fromkeys(CLIENT_TABLES, the_client),
            **dict.fromkeys(ASSIGNMENT_TABLES, in_assignments),
            "outbox": f"{_envelope_field(database, 'clinic_id')} = :clinic_id "
            f"AND {_envelope_field(database, 'payload', 'client_id')} = :client_id",
        },
        {**params, **names},
    )


def _assignment_ids_of(cursor: Cursor, database: Database, params: dict[str, str]) -> set[str]:
    """Every assignment id the client's rows name, in any table or outbox envelope."""
    found: set[str] = set()
    for table in ("notifications", "therapist_notifications", "schedule", "deliveries"):
        cursor.execute(
            f"""SELECT DISTINCT assignment_id FROM {table}
            WHERE clinic_id = :clinic_id AND client_id = :client_id AND assignment_id IS NOT NULL""",
            params,
        )
        found.update(str(row["assignment_id"]) for row in cursor.fetchall())
    assignment = _envelope_field(database, "payload", "assignment_id")
    cursor.execute(
        f"""SELECT DISTINCT {assignment} AS assignment_id FROM outbox
        WHERE {_envelope_field(database, "clinic_id")} = :clinic_id
        AND {_envelope_field(database, "payload", "client_id")} = :client_id AND {assignment} IS NOT NULL""",
        params,
    )
    found.update(str(row["assignment_id"]) for row in cursor.fetchall())
    return found


def _envelope_field(database: Database, *path: str) -> str:
    """SQL reading a text field of an outbox row's JSON envelope."""
    if database.is_postgres:
        return "(envelope::jsonb #>> '{" + ",".join(path) + "}')"
    return f"json_extract(envelope, '$.{'.'.join(path)}')"


def about_erased_client(database: Database, event: Event) -> bool:
    with database.transaction() as cursor:
        return is_erased(cursor, event.clinic_id, event.payload.get("client_id"))


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
