"""Every table of the notifications store: the bottom of the service, importing none of its modules.

The inbox (``store``), therapists' alerts (``alerts``), and for the scheduler
(docs/schedules.md) its schedule (``schedule``), delivery records (``scheduler``),
clients' preferences (``preferences``), clinics' reminder defaults (``planning``)
and the outbox table its events leave through (``interlude_runtime.outbox_table``).
"""

from interlude_runtime.outbox_table import outbox_schema
from interlude_runtime.storage import Database
from interlude_runtime.tombstones import TOMBSTONES

INBOX = [
    """CREATE TABLE IF NOT EXISTS notifications (
        notification_id TEXT PRIMARY KEY,
        event_id TEXT NOT NULL,
        clinic_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        assignment_id TEXT,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS notifications_by_client ON notifications (clinic_id, client_id, created_at)",
]

THERAPIST_ALERTS = [
    """CREATE TABLE IF NOT EXISTS therapist_notifications (
        notification_id TEXT PRIMARY KEY,
        event_id TEXT NOT NULL,
        clinic_id TEXT NOT NULL,
        therapist_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        assignment_id TEXT,
        flag_id TEXT,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    """CREATE INDEX IF NOT EXISTS therapist_notifications_by_therapist
        ON therapist_notifications (clinic_id, therapist_id, created_at)""",
]

SCHEDULE = [
    """CREATE TABLE IF NOT EXISTS schedule (
        entry_id TEXT PRIMARY KEY,
        clinic_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        assignment_id TEXT,
        kind TEXT NOT NULL,
        due_at BIGINT NOT NULL,
        next_at BIGINT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        claim_token TEXT,
        payload TEXT NOT NULL,
        correlation_id TEXT NOT NULL,
        last_error TEXT,
        finished_at BIGINT
    )""",
    "CREATE INDEX IF NOT EXISTS schedule_due ON schedule (next_at) WHERE state IN ('pending', 'claimed')",
    # One row per running scheduler (``schedule.beat``): claims of one that stopped beating are taken over.
    """CREATE TABLE IF NOT EXISTS schedulers (
        scheduler_id TEXT PRIMARY KEY,
        beat_at BIGINT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS schedule_by_assignment ON schedule (assignment_id)",
    "CREATE INDEX IF NOT EXISTS schedule_by_client ON schedule (clinic_id, client_id, due_at)",
    # Assignments that took a response, were cancelled or expired: nothing more is planned for them,
    # even when their ActivityAssigned arrives after the closing event.
    """CREATE TABLE IF NOT EXISTS closed_assignments (
        assignment_id TEXT PRIMARY KEY,
        closed_at BIGINT NOT NULL
    )""",
    # The latest due date an extension planned for (due dates only move later): a redelivered or
    # older DueDateExtended changes nothing.
    """CREATE TABLE IF NOT EXISTS extended_due_dates (
        assignment_id TEXT PRIMARY KEY,
        due_at BIGINT NOT NULL
    )""",
]

DELIVERIES = [
    """CREATE TABLE IF NOT EXISTS deliveries (
        delivery_id TEXT PRIMARY KEY,
        entry_id TEXT NOT NULL,
        clinic_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        assignment_id TEXT,
        kind TEXT NOT NULL,
        channel TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        error TEXT,
        due_at BIGINT NOT NULL,
        attempted_at BIGINT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS deliveries_by_entry ON deliveries (entry_id, channel, outcome)",
    "CREATE INDEX IF NOT EXISTS deliveries_by_client ON deliveries (clinic_id, client_id, attempted_at)",
]

PREFERENCES = [
    """CREATE TABLE IF NOT EXISTS preferences (
        clinic_id TEXT NOT NULL,
        client_id TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (clinic_id, client_id)
    )""",
]

REMINDER_DEFAULTS = [
    """CREATE TABLE IF NOT EXISTS reminder_defaults (
        clinic_id TEXT PRIMARY KEY,
        rules TEXT NOT NULL
    )""",
]


def create_tables(database: Database) -> None:
    """Create every table of the service (idempotent)."""
    database.execute_script(
        INBOX
        + THERAPIST_ALERTS
        + SCHEDULE
        + DELIVERIES
        + outbox_schema(database)
        + PREFERENCES
        + REMINDER_DEFAULTS
        + TOMBSTONES
    )
