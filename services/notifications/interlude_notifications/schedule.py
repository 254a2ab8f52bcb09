"""The durable schedule: one row per message or trigger due at a time.

Every row has ``next_at``, the next moment a scheduler should look at it
(epoch milliseconds), and a state: ``pending`` (waiting), ``claimed`` (a
replica is working on it until ``next_at``, its lease), then ``done``,
``cancelled`` or ``dead`` (retries exhausted: the dead-letter record). The
partial index on ``next_at`` holds only pending and claimed rows, so a tick
reads what is due and nothing else, however many entries wait.

Claiming is one statement: on PostgreSQL the rows are picked with
``FOR UPDATE SKIP LOCKED`` so replicas ticking at once take disjoint rows; on
SQLite ``BEGIN IMMEDIATE`` serialises writers. Each claim carries a fresh
token that starts with the claimer's id, and every later write checks it, so a
replica that lost its claim cannot overwrite the new claimant's work.

Every scheduler beats (``beat``: its row in ``schedulers``) on each tick and
on a timer of its own. A replica that dies stops beating: once its beat is
older than the heartbeat timeout, the next tick of any replica makes its claims
due again (``take_over_dead_claims``) and claims them. The lease stays as the
backstop (claims made without a claimer id, or a heartbeat table nobody reads).
"""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from interlude_runtime.storage import Cursor, Database

PENDING = "pending"
CLAIMED = "claimed"
DONE = "done"
CANCELLED = "cancelled"
DEAD = "dead"


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


def scheduled_entry(cursor: Cursor, entry_id: str) -> Entry | None:
    cursor.execute("SELECT * FROM schedule WHERE entry_id = :entry_id", {"entry_id": entry_id})
    row = cursor.fetchone()
    return Entry.from_row(row) if row is not None else None


def claim_due(
    database: Database, now: datetime, limit: int, lease_seconds: float, claimer: str | None = None
) -> list[Entry]:
    """Take up to ``limit`` due entries (and entries whose lease ran out) for this replica."""
    lock = "FOR UPDATE SKIP LOCKED" if database.is_postgres else ""
    token = f"{claimer}:{uuid.uuid4().hex}" if claimer else uuid.uuid4().hex
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


def beat(database: Database, scheduler_id: str, now: datetime) -> None:
    """This scheduler is alive at ``now``."""
    with database.transaction() as cursor:
        cursor.execute(
            """INSERT INTO schedulers (scheduler_id, beat_at) VALUES (:id, :now)
            ON CONFLICT (scheduler_id) DO UPDATE SET beat_at = excluded.beat_at""",
            {"id": scheduler_id, "now": to_millis(now)},
        )


def take_over_dead_claims(database: Database, now: datetime, stale_before: datetime) -> int:
    """Make the claims of schedulers not beating since ``stale_before`` due now; how many. Their rows go."""
    with database.transaction() as cursor:
        cursor.execute(
            "SELECT scheduler_id FROM schedulers WHERE beat_at < :stale_before",
            {"stale_before": to_millis(stale_before)},
        )
        dead = [row["scheduler_id"] for row in cursor.fetchall()]
        released = 0
        for scheduler_id in dead:
            cursor.execute(
                """UPDATE schedule SET next_at = :now
                WHERE state = 'claimed' AND next_at > :now AND claim_token LIKE :claimed_by RETURNING entry_id""",
                {"now": to_millis(now), "claimed_by": f"{scheduler_id}:%"},
            )
            released += len(cursor.fetchall())
            cursor.execute(
                "DELETE FROM schedulers WHERE scheduler_id = :id AND beat_at < :stale_before",
                {"id": scheduler_id, "stale_before": to_millis(stale_before)},
            )
    return released


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
    return cancel_waiting(cursor, assignment_id, now, kinds)


def cancel_waiting(cursor: Cursor, assignment_id: str, now: datetime, kinds: tuple[str, ...]) -> int:
    """Cancel the assignment's entries of ``kinds`` that have not been sent; how many were cancelled."""
    placeholders = ", ".join(f":kind{index}" for index in range(len(kinds)))
    cursor.execute(
        f"""UPDATE schedule SET state = 'cancelled', finished_at = :now, claim_token = NULL
        WHERE assignment_id = :id AND state IN ('pending', 'claimed') AND kind IN ({placeholders})
        RETURNING entry_id""",
        {"id": assignment_id, "now": to_millis(now), **{f"kind{index}": kind for index, kind in enumerate(kinds)}},
    )
    return len(cursor.fetchall())


def record_extension(cursor: Cursor, assignment_id: str, due_at: datetime) -> bool:
    """Keep the later due date; False when the one recorded is as late or later (nothing to plan again)."""
    cursor.execute(
        """INSERT INTO extended_due_dates (assignment_id, due_at) VALUES (:id, :due)
        ON CONFLICT (assignment_id) DO UPDATE SET due_at = excluded.due_at
            WHERE extended_due_dates.due_at < excluded.due_at
        RETURNING assignment_id""",
        {"id": assignment_id, "due": to_millis(due_at)},
    )
    return cursor.fetchone() is not None


def is_extended(cursor: Cursor, assignment_id: str) -> bool:
    cursor.execute("SELECT 1 AS extended FROM extended_due_dates WHERE assignment_id = :id", {"id": assignment_id})
    return cursor.fetchone() is not None


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
