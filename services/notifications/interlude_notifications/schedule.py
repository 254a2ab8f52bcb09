"""The durable schedule: one row per message or trigger due at a time.

Every row has ``next_at``, the next moment a scheduler should look at it
(epoch milliseconds), and a state: ``pending`` (waiting), ``claimed`` (a
replica is working on it until ``next_at``, its lease), then ``done``,
``cancelled`` or ``dead`` (retries exhausted: the dead-letter record). The
partial index on ``next_at`` holds only pending and claimed rows, so a tick
reads what is due and nothing else, however many entries wait.

Claiming is one statement: on PostgreSQL the rows are picked with
``FOR UPDATE SKIP LOCKED`` so replicas ticking at once take disjoint rows; on
SQLite ``BEGIN IMMEDIATE`` serialises writers. A replica that dies keeps its
claim only until the lease runs out; another replica then takes the row
again. Each claim carries a fresh token, and every later write checks it, so a
replica that lost its lease cannot overwrite the new claimant's work.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from interlude_contracts.runtime.storage import Cursor, Database

PENDING = "pending"
CLAIMED = "claimed"
DONE = "done"
CANCELLED = "cancelled"
DEAD = "dead"

SCHEDULE_SCHEMA = [
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
    "CREATE INDEX IF NOT EXISTS schedule_by_assignment ON schedule (assignment_id)",
    "CREATE INDEX IF NOT EXISTS schedule_by_client ON schedule (clinic_id, client_id, due_at)",
    # Assignments that took a response, were cancelled or expired: nothing more is planned for them,
    # even when their ActivityAssigned arrives after the closing event.
    """CREATE TABLE IF NOT EXISTS closed_assignments (
        assignment_id TEXT PRIMARY KEY,
        closed_at BIGINT NOT NULL
    )""",
]


def to_millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def from_millis(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, UTC)


@dataclass(frozen=True)
class Entry:
    entry_id: str
    clinic_id: str
    client_id: str
    assignment_id: str | None
    kind: str
    due_at: datetime
    attempts: int
    payload: dict[str, Any]
    correlation_id: str
    claim_token: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Entry":
        return cls(
            entry_id=row["entry_id"],
            clinic_id=row["clinic_id"],
            client_id=row["client_id"],
            assignment_id=row["assignment_id"],
            kind=row["kind"],
            due_at=from_millis(int(row["due_at"])),
            attempts=int(row["attempts"]),
            payload=json.loads(row["payload"]),
            correlation_id=row["correlation_id"],
            claim_token=row["claim_token"],
        )


def schedule_entry(cursor: Cursor, entry: Entry) -> bool:
    """Add an entry unless it is already there (ids are derived from their cause); True when added."""
    cursor.execute(
        """INSERT INTO schedule (entry_id, clinic_id, client_id, assignment_id, kind, due_at, next_at, state,
            attempts, payload, correlation_id)
        VALUES (:entry_id, :clinic_id, :client_id, :assignment_id, :kind, :due_at, :due_at, 'pending',
            0, :payload, :correlation_id)
        ON CONFLICT (entry_id) DO NOTHING RETURNING entry_id""",
        {
            "entry_id": entry.entry_id,
            "clinic_id": entry.clinic_id,
            "client_id": entry.client_id,
            "assignment_id": entry.assignment_id,
            "kind": entry.kind,
            "due_at": to_millis(entry.due_at),
            "payload": json.dumps(entry.payload),
            "correlation_id": entry.correlation_id,
        },
    )
    return cursor.fetchone() is not None


def claim_due(database: Database, now: datetime, limit: int, lease_seconds: float) -> list[Entry]:
    """Take up to ``limit`` due entries (and entries whose lease ran out) for this replica."""
    lock = "FOR UPDATE SKIP LOCKED" if database.is_postgres else ""
    token = uuid.uuid4().hex
    with database.transaction() as cursor:
        cursor.execute(
            f"""UPDATE schedule SET state = 'claimed', next_at = :lease_until, claim_token = :token
            WHERE entry_id IN (
                SELECT entry_id FROM schedule
                WHERE state IN ('pending', 'claimed') AND next_at <= :now
                ORDER BY next_at LIMIT :limit {lock}
            )
            RETURNING *""",
            {
                "now": to_millis(now),
                "lease_until": to_millis(now) + int(lease_seconds * 1000),
                "token": token,
                "limit": limit,
            },
        )
        rows = cursor.fetchall()
    return sorted((Entry.from_row(row) for row in rows), key=lambda entry: entry.due_at)


def still_mine(cursor: Cursor, entry: Entry) -> bool:
    """Whether this replica's claim on the entry still holds (not re-claimed, not cancelled)."""
    cursor.execute(
        "SELECT 1 AS held FROM schedule WHERE entry_id = :id AND state = 'claimed' AND claim_token = :token",
        {"id": entry.entry_id, "token": entry.claim_token},
    )
    return cursor.fetchone() is not None


def finish(cursor: Cursor, entry: Entry, state: str, now: datetime, error: str | None = None) -> bool:
    cursor.execute(
        """UPDATE schedule SET state = :state, finished_at = :now, last_error = :error, attempts = :attempts
        WHERE entry_id = :id AND state = 'claimed' AND claim_token = :token RETURNING entry_id""",
        {
            "state": state,
            "now": to_millis(now),
            "error": error,
            "attempts": entry.attempts,
            "id": entry.entry_id,
            "token": entry.claim_token,
        },
    )
    return cursor.fetchone() is not None


def release_until(cursor: Cursor, entry: Entry, next_at: datetime, attempts: int, error: str | None) -> bool:
    """Give the entry back to the schedule, to be looked at again at ``next_at``."""
    cursor.execute(
        """UPDATE schedule SET state = 'pending', next_at = :next_at, attempts = :attempts, last_error = :error,
            claim_token = NULL
        WHERE entry_id = :id AND state = 'claimed' AND claim_token = :token RETURNING entry_id""",
        {
            "next_at": to_millis(next_at),
            "attempts": attempts,
            "error": error,
            "id": entry.entry_id,
            "token": entry.claim_token,
        },
    )
    return cursor.fetchone() is not None


def close_assignment(cursor: Cursor, assignment_id: str, now: datetime, kinds: tuple[str, ...]) -> int:
    """Record the assignment as closed and cancel its waiting entries of ``kinds``; how many were cancelled."""
    cursor.execute(
        """INSERT INTO closed_assignments (assignment_id, closed_at) VALUES (:id, :now)
        ON CONFLICT (assignment_id) DO NOTHING""",
        {"id": assignment_id, "now": to_millis(now)},
    )
    placeholders = ", ".join(f":kind{index}" for index in range(len(kinds)))
    cursor.execute(
        f"""UPDATE schedule SET state = 'cancelled', finished_at = :now, claim_token = NULL
        WHERE assignment_id = :id AND state IN ('pending', 'claimed') AND kind IN ({placeholders})
        RETURNING entry_id""",
        {"id": assignment_id, "now": to_millis(now), **{f"kind{index}": kind for index, kind in enumerate(kinds)}},
    )
    return len(cursor.fetchall())


def is_closed(cursor: Cursor, assignment_id: str) -> bool:
    cursor.execute("SELECT 1 AS closed FROM closed_assignments WHERE assignment_id = :id", {"id": assignment_id})
    return cursor.fetchone() is not None


def entries_for_client(database: Database, clinic_id: str, client_id: str) -> list[dict[str, Any]]:
    """The client's scheduled messages, soonest first, with their state (for therapists and operators)."""
    with database.transaction() as cursor:
        cursor.execute(
            """SELECT entry_id, assignment_id, kind, due_at, next_at, state, attempts, last_error
            FROM schedule WHERE clinic_id = :clinic_id AND client_id = :client_id
                AND kind NOT IN ('expiry_due', 'release_due')
            ORDER BY due_at, entry_id""",
            {"clinic_id": clinic_id, "client_id": client_id},
        )
        rows = cursor.fetchall()
    return [
        {
            **row,
            "due_at": from_millis(int(row["due_at"])),
            "next_at": from_millis(int(row["next_at"])) if row["state"] in (PENDING, CLAIMED) else None,
        }
        for row in rows
    ]
