"""The progress projection: SQL tables fed by events, with their tracking rows.

Every event is applied in one transaction together with its tracking row
(source, position). An event already tracked changes nothing, so redelivery
and replay are harmless. Each update is written so that the rows end the same
whatever order the events arrive in: the bus does not promise order across
redeliveries and concurrent workers.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from interlude_contracts.events import (
    ACTIVITY_ASSIGNED,
    ACTIVITY_PUBLISHED,
    ASSIGNMENT_CANCELLED,
    ASSIGNMENT_EXPIRED,
    DUE_DATE_EXTENDED,
    RESPONSE_SUBMITTED,
    Event,
)
from interlude_runtime.shredding import erase_rows
from interlude_runtime.storage import Cursor, Database
from interlude_runtime.tombstones import TOMBSTONES, bury, hold_client, is_erased

from .analytics import ANALYTICS_TABLES, analytics_rows, apply_analytics, create_analytics_tables
from .pseudonyms import PSEUDONYMS, PSEUDONYMS_TABLE, remember

PROJECTION_TABLES = ("activity_versions", "assignments", *ANALYTICS_TABLES)
TRACKING_TABLE = "tracking"

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS tracking (
        source TEXT NOT NULL,
        position BIGINT NOT NULL,
        event_id TEXT NOT NULL UNIQUE,
        event_type TEXT NOT NULL,
        PRIMARY KEY (source, position)
    )""",
    """CREATE TABLE IF NOT EXISTS activity_versions (
        activity_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        clinic_id TEXT NOT NULL,
        title TEXT NOT NULL,
        item_count INTEGER NOT NULL,
        published_at TEXT NOT NULL,
        PRIMARY KEY (activity_id, version)
    )""",
    """CREATE TABLE IF NOT EXISTS assignments (
        assignment_id TEXT PRIMARY KEY,
        clinic_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        therapist_id TEXT,
        activity_id TEXT,
        activity_version INTEGER,
        activity_title TEXT,
        status TEXT NOT NULL,
        assigned_at TEXT,
        due_at TEXT,
        submitted_at TEXT,
        cancelled_at TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS assignments_by_client ON assignments (clinic_id, client_id)",
    "CREATE INDEX IF NOT EXISTS assignments_by_therapist ON assignments (clinic_id, therapist_id, client_id)",
]


def create_tables(database: Database) -> None:
    database.execute_script(SCHEMA + TOMBSTONES + PSEUDONYMS)
    create_analytics_tables(database)


def apply_event(database: Database, event: Event) -> bool:
    """Apply one event with its tracking row; False when it was already applied.

    Held apart from an erasure of its client (``hold_client``): an erasure's purge cannot see rows written
    by a transaction still open, so one that checked for the tombstone before the burial and wrote after the
    purge would leave the client's rows behind.
    """
    with database.transaction() as cursor:
        client_id = event.payload.get("client_id")
        if client_id:
            hold_client(cursor, event.clinic_id, client_id, postgres=database.is_postgres)
        return apply_in(cursor, event)


def apply_in(cursor: Cursor, event: Event) -> bool:
    """``apply_event`` in the caller's transaction."""
    if not _track(cursor, event):
        return False
    if is_erased(cursor, event.clinic_id, event.payload.get("client_id")):
        return True  # on its way when the client was erased: nothing of theirs is written again
    if event.payload.get("client_id"):
        remember(cursor, event.clinic_id, event.payload["client_id"])
    update = UPDATES.get(event.event_type)
    if update:
        update(cursor, event)
    apply_analytics(cursor, event)
    return True


def _track(cursor: Cursor, event: Event) -> bool:
    cursor.execute(
        """INSERT INTO tracking (source, position, event_id, event_type)
        VALUES (:source, :position, :event_id, :event_type)
        ON CONFLICT DO NOTHING RETURNING position""",
        {
            "source": event.source,
            "position": event.position,
            "event_id": str(event.event_id),
            "event_type": event.event_type,
        },
    )
    return cursor.fetchone() is not None


def _utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def _activity_published(cursor: Cursor, event: Event) -> None:
    payload = event.payload
    cursor.execute(
        """INSERT INTO activity_versions (activity_id, version, clinic_id, title, item_count, published_at)
        VALUES (:activity_id, :version, :clinic_id, :title, :item_count, :published_at)
        ON CONFLICT (activity_id, version) DO NOTHING""",
        {
            "activity_id": str(payload["activity_id"]),
            "version": payload["version"],
            "clinic_id": event.clinic_id,
            "title": payload["title"],
            "item_count": len(payload["items"]),
            "published_at": _utc(event.occurred_at),
        },
    )
    # The version's own title, as published, for the assignments that arrived before it (see _activity_assigned).
    cursor.execute(
        """UPDATE assignments SET activity_title = :title
        WHERE activity_id = :activity_id AND activity_version = :version""",
        {"title": payload["title"], "activity_id": str(payload["activity_id"]), "version": payload["version"]},
    )


# Due dates only move later, so the later one wins whichever of ActivityAssigned and DueDateExtended comes first.
LATER_DUE_DATE = """CASE WHEN excluded.due_at IS NULL OR assignments.due_at > excluded.due_at
    THEN COALESCE(assignments.due_at, excluded.due_at) ELSE excluded.due_at END"""


def _activity_assigned(cursor: Cursor, event: Event) -> None:
    """The assignment's row. Its title is the version's as published (``{{client.first_name}}`` and other tokens
    left as they are), never the personalised one the event carries: reporting keeps no client's name, and
    analysts read these rows. Filled by ActivityPublished when that arrives later."""
    payload = event.payload
    cursor.execute(
        """INSERT INTO assignments (assignment_id, clinic_id, client_id, therapist_id, activity_id,
            activity_version, activity_title, status, assigned_at, due_at)
        VALUES (:assignment_id, :clinic_id, :client_id, :therapist_id, :activity_id,
            :activity_version,
            (SELECT title FROM activity_versions WHERE activity_id = :activity_id AND version = :activity_version),
            'assigned', :assigned_at, :due_at)
        ON CONFLICT (assignment_id) DO UPDATE SET
            therapist_id = excluded.therapist_id,
            activity_id = excluded.activity_id,
            activity_version = excluded.activity_version,
            activity_title = excluded.activity_title,
            assigned_at = excluded.assigned_at,
            due_at = """
        + LATER_DUE_DATE,
        {
            "assignment_id": str(payload["assignment_id"]),
            "clinic_id": event.clinic_id,
            "client_id": payload["client_id"],
            "therapist_id": payload["therapist_id"],
            "activity_id": str(payload["activity_id"]),
            "activity_version": payload["activity_version"],
            "assigned_at": _utc(event.occurred_at),
            "due_at": _utc(payload["due_at"]),
        },
    )


def _closing(status: str, column: str) -> Callable[[Cursor, Event], None]:
    """An update for an event that closes an assignment (it may arrive before the assignment)."""
    sql = f"""INSERT INTO assignments (assignment_id, clinic_id, client_id, status, {column})
        VALUES (:assignment_id, :clinic_id, :client_id, '{status}', :moment)
        ON CONFLICT (assignment_id) DO UPDATE SET status = '{status}', {column} = excluded.{column}"""

    def update(cursor: Cursor, event: Event) -> None:
        cursor.execute(
            sql,
            {
                "assignment_id": str(event.payload["assignment_id"]),
                "clinic_id": event.clinic_id,
                "client_id": event.payload["client_id"],
                "moment": _utc(event.occurred_at),
            },
        )

    return update


def _due_date_extended(cursor: Cursor, event: Event) -> None:
    """A later due date; it may arrive before the assignment."""
    cursor.execute(
        """INSERT INTO assignments (assignment_id, clinic_id, client_id, status, due_at)
        VALUES (:assignment_id, :clinic_id, :client_id, 'assigned', :due_at)
        ON CONFLICT (assignment_id) DO UPDATE SET due_at = """
        + LATER_DUE_DATE,
        {
            "assignment_id": str(event.payload["assignment_id"]),
            "clinic_id": event.clinic_id,
            "client_id": event.payload["client_id"],
            "due_at": _utc(event.payload["due_at"]),
        },
    )


def _expired(cursor: Cursor, event: Event) -> None:
    """The grace period passed without a response (docs/schedules.md); it may arrive before the assignment."""
    cursor.execute(
        """INSERT INTO assignments (assignment_id, clinic_id, client_id, status)
        VALUES (:assignment_id, :clinic_id, :client_id, 'expired')
        ON CONFLICT (assignment_id) DO UPDATE SET status = 'expired'""",
        {
            "assignment_id": str(event.payload["assignment_id"]),
            "clinic_id": event.clinic_id,
            "client_id": event.payload["client_id"],
        },
    )


UPDATES: dict[str, Callable[[Cursor, Event], None]] = {
    ACTIVITY_PUBLISHED: _activity_published,
    ACTIVITY_ASSIGNED: _activity_assigned,
    RESPONSE_SUBMITTED: _closing("submitted", "submitted_at"),
    ASSIGNMENT_CANCELLED: _closing("cancelled", "cancelled_at"),
    ASSIGNMENT_EXPIRED: _expired,
    DUE_DATE_EXTENDED: _due_date_extended,
}


def client_report(
    database: Database, clinic_id: str, client_id: str, therapist_id: str | None = None
) -> dict[str, Any]:
    """Each assignment's status for one client, and the completion rate (of one therapist's, when named)."""
    by_therapist = " AND therapist_id = :therapist_id" if therapist_id is not None else ""
    with database.transaction() as cursor:
        cursor.execute(
            f"""SELECT assignment_id, activity_id, activity_version, activity_title, status,
                assigned_at, due_at, submitted_at, cancelled_at
            FROM assignments WHERE clinic_id = :clinic_id AND client_id = :client_id{by_therapist}
            ORDER BY assigned_at IS NULL, assigned_at, assignment_id""",
            {"clinic_id": clinic_id, "client_id": client_id, "therapist_id": therapist_id},
        )
        rows = [_with_datetimes(row) for row in cursor.fetchall()]
    cancelled = sum(1 for row in rows if row["status"] == "cancelled")
    completed = sum(1 for row in rows if row["status"] == "submitted")
    assigned = len(rows) - cancelled
    return {
        "clinic_id": clinic_id,
        "client_id": client_id,
        "assignments": rows,
        "assigned": assigned,
        "completed": completed,
        "cancelled": cancelled,
        "completion_rate": round(completed / assigned, 4) if assigned else None,
    }


def _with_datetimes(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: datetime.fromisoformat(value) if key.endswith("_at") and value else value for key, value in row.items()
    }


def purge_client(database: Database, clinic_id: str, client_id: str) -> None:
    """Erasure: the client's rows go, and a tombstone makes a late event about them write nothing. Idempotent."""
    with database.transaction() as cursor:
        hold_client(cursor, clinic_id, client_id, postgres=database.is_postgres, exclusive=True)
        bury(cursor, clinic_id, client_id)
    the_client = "clinic_id = :clinic_id AND client_id = :client_id"
    tables = ("assignments", "assignment_events", "scores", "risk_flags", PSEUDONYMS_TABLE)
    erase_rows(database, dict.fromkeys(tables, the_client), {"clinic_id": clinic_id, "client_id": client_id})


def dump_tables(database: Database) -> dict[str, list[dict[str, Any]]]:
    """Every projection table, rows sorted: for comparing a rebuild with the live tables."""
    keys = {"activity_versions": "activity_id, version", "assignments": "assignment_id", "tracking": "source, position"}
    tables = {}
    with database.transaction() as cursor:
        for table, order in keys.items():
            cursor.execute(f"SELECT * FROM {table} ORDER BY {order}")
            tables[table] = cursor.fetchall()
        tables.update(analytics_rows(cursor))
    return tables


def clear_tables(database: Database) -> None:
    with database.transaction() as cursor:
        for table in (*PROJECTION_TABLES, TRACKING_TABLE):
            cursor.execute(f"DELETE FROM {table}")
