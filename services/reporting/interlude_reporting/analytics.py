"""The analytics projections: assignment timelines, scores and risk flags.

Written by ``projection.apply_event`` in the same transaction as the event's
tracking row, and, like the progress projection, idempotent (a replay finds
its rows there) and order-tolerant (a flag's acknowledgement may arrive before
the flag: each event fills only its own columns).

A timeline row is one status change of an assignment. ``TIMELINE_STATUSES``
maps event types to statuses: the lifecycle events of schedules (released,
opened, expired) slot in there once their contracts exist.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from interlude_contracts.events import (
    ACTIVITY_ASSIGNED,
    ASSIGNMENT_CANCELLED,
    RESPONSE_SCORED,
    RESPONSE_SUBMITTED,
    RISK_FLAG_ACKNOWLEDGED,
    RISK_FLAG_RAISED,
    Event,
)
from interlude_runtime.storage import Cursor, Database

from .measures import load_measures

TIMELINE_STATUSES: dict[str, str] = {
    ACTIVITY_ASSIGNED: "assigned",
    RESPONSE_SUBMITTED: "submitted",
    ASSIGNMENT_CANCELLED: "cancelled",
    RISK_FLAG_RAISED: "risk_flag_raised",
    RISK_FLAG_ACKNOWLEDGED: "risk_flag_acknowledged",
}

ANALYTICS_TABLES = ("assignment_events", "scores", "risk_flags")
REFERENCE_TABLES = ("measures",)

MEASURES_SCHEMA = """CREATE TABLE IF NOT EXISTS measures (
        measure TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        minimum DOUBLE PRECISION NOT NULL,
        maximum DOUBLE PRECISION NOT NULL,
        lower_is_better INTEGER NOT NULL,
        cutoff DOUBLE PRECISION,
        sd DOUBLE PRECISION NOT NULL,
        reliability DOUBLE PRECISION NOT NULL,
        source TEXT NOT NULL
    )"""

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS assignment_events (
        event_id TEXT PRIMARY KEY,
        assignment_id TEXT NOT NULL,
        clinic_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        status TEXT NOT NULL,
        occurred_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS assignment_events_by_assignment ON assignment_events (assignment_id, occurred_at)",
    """CREATE TABLE IF NOT EXISTS scores (
        assignment_id TEXT NOT NULL,
        score_key TEXT NOT NULL,
        clinic_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        activity_id TEXT NOT NULL,
        activity_version INTEGER NOT NULL,
        measure TEXT,
        value DOUBLE PRECISION NOT NULL,
        band TEXT,
        above_cutoff INTEGER,
        submitted_at TEXT NOT NULL,
        PRIMARY KEY (assignment_id, score_key)
    )""",
    "CREATE INDEX IF NOT EXISTS scores_by_client ON scores (clinic_id, client_id, measure, submitted_at)",
    # The scores export's order: its pages start after a key in this index (exports.py).
    "CREATE INDEX IF NOT EXISTS scores_by_client_in_time"
    " ON scores (clinic_id, client_id, submitted_at, assignment_id, score_key)",
    """CREATE TABLE IF NOT EXISTS risk_flags (
        flag_id TEXT PRIMARY KEY,
        clinic_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        assignment_id TEXT NOT NULL,
        activity_id TEXT,
        activity_version INTEGER,
        therapist_id TEXT,
        measure TEXT,
        rule_id TEXT,
        item_id TEXT,
        message TEXT,
        raised_at TEXT,
        acknowledged_by TEXT,
        acknowledged_at TEXT,
        note TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS risk_flags_by_client ON risk_flags (clinic_id, client_id)",
    MEASURES_SCHEMA,
]


def create_analytics_tables(database: Database) -> None:
    database.execute_script(SCHEMA)
    seed_measures(database)


def _cutoff_nullable(database: Database, cursor: Cursor) -> None:
    """Tables made before cutoffs came from the library activities had ``cutoff NOT NULL`` (ORS has none now)."""
    if database.is_postgres:
        cursor.execute("ALTER TABLE measures ALTER COLUMN cutoff DROP NOT NULL")
        return
    cursor.execute("SELECT \"notnull\" AS required FROM pragma_table_info('measures') WHERE name = 'cutoff'")
    column = cursor.fetchone()
    if column and column["required"]:
        cursor.execute("DROP TABLE measures")  # reference data, reseeded below; SQLite has no grants to keep
        cursor.execute(MEASURES_SCHEMA)


def seed_measures(database: Database) -> None:
    """The norms for analysts to join on: ``measures.json`` with each library activity's cutoff (reference
    data: rebuild leaves it)."""
    with database.transaction() as cursor:
        _cutoff_nullable(database, cursor)
        for measure in load_measures().values():
            row = measure.as_dict()
            row.pop("bands")
            row["lower_is_better"] = int(measure.lower_is_better)
            cursor.execute(
                """INSERT INTO measures (measure, name, minimum, maximum, lower_is_better, cutoff, sd,
                    reliability, source)
                VALUES (:measure, :name, :minimum, :maximum, :lower_is_better, :cutoff, :sd, :reliability, :source)
                ON CONFLICT (measure) DO UPDATE SET name = excluded.name, minimum = excluded.minimum,
                    maximum = excluded.maximum, lower_is_better = excluded.lower_is_better,
                    cutoff = excluded.cutoff, sd = excluded.sd, reliability = excluded.reliability,
                    source = excluded.source""",
                row,
            )


def utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def apply_analytics(cursor: Cursor, event: Event) -> None:
    status = TIMELINE_STATUSES.get(event.event_type)
    if status and "assignment_id" in event.payload:
        _timeline(cursor, event, status)
    update = ANALYTICS_UPDATES.get(event.event_type)
    if update:
        update(cursor, event)


def _timeline(cursor: Cursor, event: Event, status: str) -> None:
    cursor.execute(
        """INSERT INTO assignment_events (event_id, assignment_id, clinic_id, client_id, status, occurred_at)
        VALUES (:event_id, :assignment_id, :clinic_id, :client_id, :status, :occurred_at)
        ON CONFLICT (event_id) DO NOTHING""",
        {
            "event_id": str(event.event_id),
            "assignment_id": str(event.payload["assignment_id"]),
            "clinic_id": event.clinic_id,
            "client_id": event.payload["client_id"],
            "status": status,
            "occurred_at": utc(event.occurred_at),
        },
    )


def _scores(cursor: Cursor, event: Event) -> None:
    payload = event.payload
    for key, score in payload["scores"].items():
        above = score.get("above_cutoff")
        cursor.execute(
            """INSERT INTO scores (assignment_id, score_key, clinic_id, client_id, activity_id, activity_version,
                measure, value, band, above_cutoff, submitted_at)
            VALUES (:assignment_id, :score_key, :clinic_id, :client_id, :activity_id, :activity_version,
                :measure, :value, :band, :above_cutoff, :submitted_at)
            ON CONFLICT (assignment_id, score_key) DO NOTHING""",
            {
                "assignment_id": str(payload["assignment_id"]),
                "score_key": key,
                "clinic_id": event.clinic_id,
                "client_id": payload["client_id"],
                "activity_id": str(payload["activity_id"]),
                "activity_version": payload["activity_version"],
                "measure": payload.get("measure"),
                "value": float(score["value"]),
                "band": score.get("band"),
                "above_cutoff": None if above is None else int(above),
                # A response scored later (ResponseScored) keeps the time it was submitted.
                "submitted_at": utc(payload.get("submitted_at") or event.occurred_at),
            },
        )


def _flag_raised(cursor: Cursor, event: Event) -> None:
    payload = event.payload
    cursor.execute(
        """INSERT INTO risk_flags (flag_id, clinic_id, client_id, assignment_id, activity_id, activity_version,
            therapist_id, measure, rule_id, item_id, message, raised_at)
        VALUES (:flag_id, :clinic_id, :client_id, :assignment_id, :activity_id, :activity_version,
            :therapist_id, :measure, :rule_id, :item_id, :message, :raised_at)
        ON CONFLICT (flag_id) DO UPDATE SET activity_id = excluded.activity_id,
            activity_version = excluded.activity_version, therapist_id = excluded.therapist_id,
            measure = excluded.measure, rule_id = excluded.rule_id, item_id = excluded.item_id,
            message = excluded.message, raised_at = excluded.raised_at""",
        {
            "flag_id": str(payload["flag_id"]),
            "clinic_id": event.clinic_id,
            "client_id": payload["client_id"],
            "assignment_id": str(payload["assignment_id"]),
            "activity_id": str(payload["activity_id"]),
            "activity_version": payload["activity_version"],
            "therapist_id": payload["therapist_id"],
            "measure": payload["measure"],
            "rule_id": payload["rule_id"],
            "item_id": payload["item_id"],
            "message": payload["message"],
            "raised_at": utc(event.occurred_at),
        },
    )


def _flag_acknowledged(cursor: Cursor, event: Event) -> None:
    payload = event.payload
    cursor.execute(
        """INSERT INTO risk_flags (flag_id, clinic_id, client_id, assignment_id, acknowledged_by, acknowledged_at,
            note)
        VALUES (:flag_id, :clinic_id, :client_id, :assignment_id, :acknowledged_by, :acknowledged_at, :note)
        ON CONFLICT (flag_id) DO UPDATE SET acknowledged_by = excluded.acknowledged_by,
            acknowledged_at = excluded.acknowledged_at, note = excluded.note""",
        {
            "flag_id": str(payload["flag_id"]),
            "clinic_id": event.clinic_id,
            "client_id": payload["client_id"],
            "assignment_id": str(payload["assignment_id"]),
            "acknowledged_by": payload["acknowledged_by"],
            "acknowledged_at": utc(event.occurred_at),
            "note": payload["note"],
        },
    )


ANALYTICS_UPDATES: dict[str, Callable[[Cursor, Event], None]] = {
    RESPONSE_SUBMITTED: _scores,
    RESPONSE_SCORED: _scores,
    RISK_FLAG_RAISED: _flag_raised,
    RISK_FLAG_ACKNOWLEDGED: _flag_acknowledged,
}

DUMP_ORDER = {
    "assignment_events": "event_id",
    "scores": "assignment_id, score_key",
    "risk_flags": "flag_id",
}


def analytics_rows(cursor: Cursor) -> dict[str, list[dict[str, Any]]]:
    tables = {}
    for table, order in DUMP_ORDER.items():
        cursor.execute(f"SELECT * FROM {table} ORDER BY {order}")
        tables[table] = cursor.fetchall()
    return tables
