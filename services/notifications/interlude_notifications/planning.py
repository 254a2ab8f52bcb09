"""What to schedule for an assignment, and what to cancel when it closes.

On ``ActivityAssigned``: the "new activity" message at the release time, the
reminders (the assignment's own rules, else the clinic's defaults, else
``DEFAULT_REMINDERS``) and, when the assignment can expire, the expiry trigger.
Entry ids derive from the event id, so a redelivered event plans nothing new.
On ``ResponseSubmitted``, ``AssignmentCancelled`` or ``AssignmentExpired`` the
assignment is closed: its waiting reminders and triggers are cancelled, and
nothing is planned for it later even if its ActivityAssigned arrives late.
On ``DueDateExtended`` the waiting reminders and expiry trigger are planned again for the new dates.
"""

import hashlib
import json
import uuid
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from interlude_contracts.errors import Conflict
from interlude_contracts.events import Event
from interlude_runtime.storage import Cursor, Database

from .schedule import (
    Entry,
    cancel_waiting,
    close_assignment,
    is_closed,
    is_extended,
    record_extension,
    schedule_entry,
    scheduled_entry,
)

NEW_ACTIVITY = "new_activity"
REMINDER = "reminder"
FOLLOW_UP = "follow_up"
EXPIRY_DUE = "expiry_due"
RELEASE_DUE = "release_due"
TRIGGERS = (EXPIRY_DUE, RELEASE_DUE)  # not messages: events the scheduler publishes for the assignments service

# 24 hours after release, and 2 hours before the due time.
DEFAULT_REMINDERS: list[dict[str, Any]] = [
    {"anchor": "release", "offset_minutes": 24 * 60},
    {"anchor": "due", "offset_minutes": -2 * 60},
]


def clinic_reminder_defaults(cursor: Cursor, clinic_id: str) -> list[dict[str, Any]]:
    cursor.execute("SELECT rules FROM reminder_defaults WHERE clinic_id = :clinic_id", {"clinic_id": clinic_id})
    row = cursor.fetchone()
    return json.loads(row["rules"]) if row else DEFAULT_REMINDERS


def get_reminder_defaults(database: Database, clinic_id: str) -> list[dict[str, Any]]:
    with database.transaction() as cursor:
        return clinic_reminder_defaults(cursor, clinic_id)


def set_reminder_defaults(database: Database, clinic_id: str, rules: list[dict[str, Any]]) -> None:
    with database.transaction() as cursor:
        cursor.execute(
            """INSERT INTO reminder_defaults (clinic_id, rules) VALUES (:clinic_id, :rules)
            ON CONFLICT (clinic_id) DO UPDATE SET rules = excluded.rules""",
            {"clinic_id": clinic_id, "rules": json.dumps(rules)},
        )


def entry_id_for(event_id: UUID, name: str) -> str:
    return str(uuid.uuid5(event_id, name))


def reminder_times(
    rules: list[dict[str, Any]], release: datetime, due: datetime | None, expires: datetime | None
) -> list[datetime]:
    """When each rule fires; rules that fall before the release or after the expiry are dropped."""
    anchors = {"release": release, "due": due}
    times = []
    for rule in rules:
        anchor = anchors[rule["anchor"]]
        if anchor is None:
            continue
        moment = anchor + timedelta(minutes=rule["offset_minutes"])
        if moment > release and (expires is None or moment < expires) and (due is None or moment < due):
            times.append(moment)
    return sorted(set(times))


def plan_assignment(database: Database, event: Event) -> list[Entry]:
    """Schedule an assignment's messages and expiry trigger; the entries added (none if seen or closed)."""
    payload = event.payload
    release = payload["release_at"] or event.occurred_at
    with database.transaction() as cursor:
        if is_closed(cursor, str(payload["assignment_id"])):
            return []
        entries = [_entry(event, NEW_ACTIVITY, release, _details(event))]
        if not is_extended(cursor, str(payload["assignment_id"])):  # else the extension planned them already
            entries += _reminders_and_expiry(cursor, event, release, after=release)
        return [entry for entry in entries if schedule_entry(cursor, entry)]


def replan_for_due_date(database: Database, event: Event) -> list[Entry]:
    """A later due date (DueDateExtended): the reminders and expiry trigger still waiting move with it.

    Nothing changes for a closed assignment, nor for an extension already planned or older than one that was.
    """
    payload = event.payload
    assignment_id = str(payload["assignment_id"])
    with database.transaction() as cursor:
        if is_closed(cursor, assignment_id) or not record_extension(cursor, assignment_id, payload["due_at"]):
            return []
        cancel_waiting(cursor, assignment_id, event.occurred_at, (REMINDER, EXPIRY_DUE))
        release = payload["release_at"] or event.occurred_at
        entries = _reminders_and_expiry(cursor, event, release, after=max(release, event.occurred_at))
        return [entry for entry in entries if schedule_entry(cursor, entry)]


def _reminders_and_expiry(cursor: Cursor, event: Event, release: datetime, after: datetime) -> list[Entry]:
    """The reminder entries later than ``after`` and the expiry trigger, from the event's dates and rules."""
    payload = event.payload
    due, expires = payload["due_at"], payload["expires_at"]
    rules = (
        payload["reminders"] if payload["reminders"] is not None else clinic_reminder_defaults(cursor, event.clinic_id)
    )
    details = _details(event)
    entries = [
        _entry(event, REMINDER, moment, details, key=f"reminder:{moment.isoformat()}")
        for moment in reminder_times(rules, release, due, expires)
        if moment > after
    ]
    if expires is not None:
        entries.append(_entry(event, EXPIRY_DUE, expires, {"expires_at": expires.isoformat()}))
    return entries


def _details(event: Event) -> dict[str, Any]:
    due = event.payload["due_at"]
    return {
        "event_id": str(event.event_id),
        "activity_title": event.payload["activity_title"],
        "due_at": due.isoformat() if due else None,
    }


def _entry(event: Event, kind: str, due_at: datetime, payload: dict[str, Any], key: str | None = None) -> Entry:
    """An entry of the event's assignment, its id derived from the event (a redelivery plans nothing twice)."""
    return Entry(
        entry_id=entry_id_for(event.event_id, key or kind),
        kind=kind,
        due_at=due_at,
        payload=payload,
        clinic_id=event.clinic_id,
        client_id=event.payload["client_id"],
        assignment_id=str(event.payload["assignment_id"]),
        attempts=0,
        correlation_id=event.correlation_id,
    )


CLOSING_KINDS = (NEW_ACTIVITY, REMINDER, EXPIRY_DUE)


def close_for(database: Database, event: Event) -> int:
    """The assignment took a response, was cancelled or expired: cancel what waits; how many entries."""
    with database.transaction() as cursor:
        return close_assignment(cursor, str(event.payload["assignment_id"]), event.occurred_at, CLOSING_KINDS)


def plan_follow_up(
    database: Database,
    clinic_id: str,
    therapist_id: str,
    client_id: str,
    text: str,
    now: datetime,
    correlation_id: str,
    idempotency_key: str | None = None,
) -> Entry:
    """A therapist's short message to a client, delivered now through the client's channels.

    Its id comes from the therapist's ``idempotency_key`` (without one, from the correlation id and the
    message): a retry, or the RPC redelivered after a crash, finds the entry already planned and is
    delivered once. The key reused for another message is a conflict.
    """
    message = {"client_id": client_id, "text": text}
    scope = f"key:{idempotency_key}" if idempotency_key else f"correlation:{correlation_id}:{_digest(message)}"
    entry = Entry(
        entry_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"interlude:follow-up:{clinic_id}:{therapist_id}:{scope}")),
        clinic_id=clinic_id,
        client_id=client_id,
        assignment_id=None,
        kind=FOLLOW_UP,
        due_at=now,
        attempts=0,
        payload={"text": text, "therapist_id": therapist_id},
        correlation_id=correlation_id,
    )
    with database.transaction() as cursor:
        if schedule_entry(cursor, entry):
            return entry
        planned = scheduled_entry(cursor, entry.entry_id)
    if planned is None or planned.client_id != client_id or planned.payload.get("text") != text:
        message_ = "This Idempotency-Key was already used for a different follow-up."
        raise Conflict(message_, {"Idempotency-Key": [message_]})
    return planned


def _digest(value: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def plan_release(database: Database, event: Event) -> bool:
    """Schedule the trigger of a recurrence's next release (ReleaseScheduled); False when already planned."""
    payload = event.payload
    entry = Entry(
        entry_id=entry_id_for(event.event_id, RELEASE_DUE),  # one trigger per ReleaseScheduled event
        clinic_id=event.clinic_id,
        client_id=payload["client_id"],
        assignment_id=None,
        kind=RELEASE_DUE,
        due_at=payload["release_at"],
        attempts=0,
        payload={
            "schedule_id": str(payload["schedule_id"]),
            "schedule_kind": payload["schedule_kind"],
            "release_at": payload["release_at"].isoformat(),
            "step": payload["step"],
        },
        correlation_id=event.correlation_id,
    )
    with database.transaction() as cursor:
        return schedule_entry(cursor, entry)
