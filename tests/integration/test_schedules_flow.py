"""The schedule round trip between the two services, with one controllable clock and no broker.

The assignment log's events are translated to envelopes exactly as its relay
would publish them and handed to the notifications consumer's handler; the
notifications outbox envelopes are handed back to the assignments consumer's
handler. Both stores are real (SQLite files); the clock is the test's.
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from interlude_assignments.application import AssignmentsApplication, create_application
from interlude_assignments.handlers import (
    Assign,
    CreateRecurrence,
    ExpireAssignment,
    ReleaseOccurrence,
    get_recurrence,
    handle,
)
from interlude_assignments.translation import to_envelope
from interlude_contracts.events import load_event
from interlude_notifications.preferences import Preferences, save_preferences
from interlude_notifications.schedule_entrypoints import schedule_for
from interlude_notifications.scheduler import Scheduler
from interlude_notifications.schema import create_tables
from interlude_runtime.outbox_table import mark_published, unpublished
from interlude_runtime.storage import Database

SNAPSHOT: dict[str, Any] = {
    "activity_id": "0b7d3c1e-9a5e-4a53-8f5b-5a1f3f2a9c11",
    "version": 1,
    "title": "Morning check-in",
    "instructions": "",
    "items": [{"id": "mood", "type": "linear_scale", "prompt": "Mood?", "required": True, "min": 0, "max": 10}],
}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Loop:
    """Carries events both ways, as the relays and consumers would."""

    def __init__(self, assignments: AssignmentsApplication, notifications: Database, scheduler: Scheduler) -> None:
        self.assignments, self.notifications, self.scheduler = assignments, notifications, scheduler
        self.assignments_position = 0
        self.messages: list[str] = []

    def settle(self) -> None:
        moved = True
        while moved:
            moved = self._assignments_to_notifications() | self._tick_and_return()

    def _assignments_to_notifications(self) -> bool:
        records = self.assignments.recorder.select_notifications(start=self.assignments_position + 1, limit=500)
        for record in records:
            self.assignments_position = record.id
            envelope = to_envelope(self.assignments.mapper.to_domain_event(record), record.id)
            if envelope is not None:
                schedule_for(self.notifications, load_event(json.loads(json.dumps(envelope))))
        return bool(records)

    def _tick_and_return(self) -> bool:
        self.scheduler.tick()
        envelopes = unpublished(self.notifications, 500)
        for envelope in envelopes:
            event = load_event(json.loads(json.dumps(envelope)))
            if event.event_type == "ReleaseDue":
                payload = event.payload
                handle(
                    self.assignments,
                    ReleaseOccurrence(payload["schedule_id"], payload["release_at"], event.correlation_id),
                )
            elif event.event_type == "AssignmentExpiryDue":
                handle(
                    self.assignments,
                    ExpireAssignment(event.clinic_id, event.payload["assignment_id"], event.correlation_id),
                )
            elif event.event_type == "NotificationSent" and event.payload["channel"] == "in_app":
                self.messages.append(event.payload["kind"])
        mark_published(self.notifications, [envelope["position"] for envelope in envelopes])
        return bool(envelopes)


@pytest.fixture
def loop(tmp_path: Path) -> Loop:
    clock = Clock(datetime(2026, 3, 26, 20, 0, tzinfo=UTC))
    assignments = create_application({"DATABASE_URL": f"sqlite:///{tmp_path / 'assignments.sqlite'}"})
    assignments.clock = clock
    notifications = Database(f"sqlite:///{tmp_path / 'notifications.sqlite'}")
    create_tables(notifications)
    save_preferences(notifications, "clinic-a", "client-1", Preferences(time_zone="Europe/London"))
    yield Loop(assignments, notifications, Scheduler(notifications, {}, clock))
    assignments.close()
    notifications.close()


def test_a_daily_recurrence_releases_at_seven_local_across_the_dst_change(loop: Loop) -> None:
    recurrence = handle(
        loop.assignments,
        CreateRecurrence(
            "clinic-a",
            "therapist-1",
            "client-1",
            SNAPSHOT,
            "FREQ=DAILY;COUNT=4",
            datetime(2026, 3, 27, 7, 0),
            "Europe/London",
            "corr",
            due_after=timedelta(hours=14),
        ),
    )
    clock = loop.scheduler.clock
    releases = []
    while clock.now < datetime(2026, 3, 31, tzinfo=UTC):
        loop.settle()
        released = {a.release_at for a in loop.assignments.for_client("clinic-a", "client-1")}
        releases += sorted(moment for moment in released if moment not in releases)
        clock.now += timedelta(minutes=30)

    assert [moment.astimezone(UTC).isoformat() for moment in releases] == [
        "2026-03-27T07:00:00+00:00",
        "2026-03-28T07:00:00+00:00",
        "2026-03-29T06:00:00+00:00",  # 07:00 BST
        "2026-03-30T06:00:00+00:00",
    ]
    assert get_recurrence(loop.assignments, "clinic-a", recurrence.id).status == "ended"
    assert loop.messages.count("new_activity") == 4  # each occurrence announced once, at its release


def test_an_assignment_expires_through_the_scheduler(loop: Loop) -> None:
    clock = loop.scheduler.clock
    clock.now = datetime.now(UTC)  # the log stamps ActivityAssigned with the real time: start there
    due = clock.now + timedelta(days=1)
    assignment = handle(
        loop.assignments,
        Assign("clinic-a", "therapist-1", "client-1", SNAPSHOT, due, "corr", expires_at=due + timedelta(hours=2)),
    )
    while clock.now < due + timedelta(days=2):
        loop.settle()
        clock.now += timedelta(minutes=30)

    assert loop.assignments.get("clinic-a", assignment.id).status == "expired"
    # "24 h after release" falls on the due time itself and is dropped; "2 h before due" is sent.
    assert loop.messages == ["new_activity", "reminder"]
