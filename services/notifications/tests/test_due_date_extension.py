"""A due date extended (DueDateExtended): the waiting reminders and the expiry trigger are planned again.

On SQLite and PostgreSQL, with a clock the test moves and a recording channel.
ActivityAssigned comes from the contract's EventFactory; DueDateExtended is
built here as the assignments service publishes it, through the same JSON
round trip and ``load_event``.
"""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from interlude_contracts.envelope import event_id_for, make_envelope
from interlude_contracts.events import DUE_DATE_EXTENDED, Event, load_event
from interlude_contracts.topology import SUBSCRIPTIONS
from interlude_notifications.planning import close_for, plan_assignment, replan_for_due_date
from interlude_notifications.schedule_entrypoints import schedule_for
from interlude_notifications.scheduler import Scheduler
from interlude_runtime.outbox_table import outbox_events
from interlude_runtime.storage import Database
from interlude_testing import ASSIGNMENTS, EventFactory

from .schedule_support import T0, Clock, RecordingChannel, run_until

DUE = T0 + timedelta(days=3)
EXPIRES = DUE + timedelta(days=1)
BEFORE_DUE = [{"anchor": "due", "offset_minutes": -120}]


def assigned_event(factory: EventFactory, **schedule: Any) -> Event:
    """An ActivityAssigned at T0, due at DUE and expiring at EXPIRES unless told, with the clinic's reminders."""
    factory._clock = T0 - factory._step  # the event occurs at T0
    published = factory.activity_published("Mood check-in")
    factory._clock = T0 - factory._step
    event = factory.activity_assigned(published, "client-1", due_at=schedule.get("due_at", DUE))
    payload = {
        **event.payload,
        "release_at": schedule.get("release_at"),
        "expires_at": schedule.get("expires_at", EXPIRES),
        "reminders": schedule.get("reminders"),
    }
    return Event(**{**event.__dict__, "occurred_at": T0, "payload": payload})


def extended_event(assigned: Event, due_at: datetime, *, at: datetime, **options: Any) -> Event:
    """The DueDateExtended of ``assigned`` at ``at``, as a consumer receives it."""
    return load_event(json.loads(json.dumps(extension_envelope(assigned, due_at, at=at, **options))))


def extension_envelope(
    assigned: Event, due_at: datetime, *, at: datetime, version: int = 2, previous_due_at: datetime | None = DUE
) -> dict[str, Any]:
    """The envelope of the DueDateExtended of ``assigned``; the expiry moves by as much as the due date."""
    payload = assigned.payload
    expires = payload["expires_at"]
    moved = expires + (due_at - payload["due_at"]) if expires is not None else None
    return make_envelope(
        event_id=event_id_for(ASSIGNMENTS, payload["assignment_id"], version),
        event_type=DUE_DATE_EXTENDED,
        schema_version=1,
        occurred_at=at,
        clinic_id=assigned.clinic_id,
        correlation_id=f"corr-extend-{version}",
        source=ASSIGNMENTS,
        position=100 + version,
        payload={
            "assignment_id": str(payload["assignment_id"]),
            "client_id": payload["client_id"],
            "activity_title": payload["activity_title"],
            "previous_due_at": previous_due_at.isoformat() if previous_due_at else None,
            "due_at": due_at.isoformat(),
            "expires_at": moved.isoformat() if moved else None,
            # As the assignments service sends it: released when assigned unless a release time was set.
            "release_at": (payload["release_at"] or assigned.occurred_at).isoformat(),
            "reminders": payload["reminders"],
            "extended_by": "therapist-1",
        },
    )


def waiting(store: Database, assigned: Event) -> list[tuple[str, datetime]]:
    """The assignment's entries still to be sent or triggered (expiry included), soonest first."""
    with store.transaction() as cursor:
        cursor.execute(
            """SELECT kind, due_at FROM schedule WHERE assignment_id = :id AND state = 'pending'
            ORDER BY due_at, kind""",
            {"id": str(assigned.payload["assignment_id"])},
        )
        rows = cursor.fetchall()
    return [(row["kind"], datetime.fromtimestamp(int(row["due_at"]) / 1000, UTC)) for row in rows]


def all_entries(store: Database) -> list[dict[str, Any]]:
    with store.transaction() as cursor:
        cursor.execute("SELECT entry_id, kind, due_at, state FROM schedule ORDER BY entry_id")
        return cursor.fetchall()


def expiry_triggers(store: Database) -> list[dict[str, Any]]:
    return [envelope["payload"] for envelope in outbox_events(store) if envelope["event_type"] == "AssignmentExpiryDue"]


def test_notifications_subscribe_to_due_date_extended() -> None:
    assert "assignments.DueDateExtended" in SUBSCRIPTIONS["notifications.events"]


def test_the_reminders_and_the_expiry_move_to_the_new_dates(store: Database) -> None:
    assigned = assigned_event(EventFactory(), reminders=BEFORE_DUE)
    plan_assignment(store, assigned)
    assert waiting(store, assigned) == [
        ("new_activity", T0),
        ("reminder", DUE - timedelta(hours=2)),
        ("expiry_due", EXPIRES),
    ]
    later = DUE + timedelta(days=2)

    planned = replan_for_due_date(store, extended_event(assigned, later, at=T0 + timedelta(hours=1)))

    moved = [("reminder", later - timedelta(hours=2)), ("expiry_due", EXPIRES + timedelta(days=2))]
    assert sorted((entry.kind, entry.due_at) for entry in planned) == sorted(moved)
    assert waiting(store, assigned) == [("new_activity", T0), *moved]
    cancelled = sorted((row["kind"], row["due_at"]) for row in all_entries(store) if row["state"] == "cancelled")
    assert [kind for kind, _ in cancelled] == ["expiry_due", "reminder"]


def test_a_reminder_anchored_on_the_release_stays_where_it_was(store: Database) -> None:
    """The clinic's default "24 hours after release": the release did not move, so neither does the reminder."""
    assigned = assigned_event(EventFactory())  # no release_at: released when assigned, at T0
    plan_assignment(store, assigned)
    later = DUE + timedelta(days=2)

    replan_for_due_date(store, extended_event(assigned, later, at=T0 + timedelta(hours=1)))

    assert waiting(store, assigned) == [
        ("new_activity", T0),
        ("reminder", T0 + timedelta(hours=24)),
        ("reminder", later - timedelta(hours=2)),
        ("expiry_due", EXPIRES + timedelta(days=2)),
    ]


def test_the_moved_reminder_carries_the_new_due_date(store: Database) -> None:
    assigned = assigned_event(EventFactory(), reminders=[{"anchor": "due", "offset_minutes": -60}])
    plan_assignment(store, assigned)
    later = DUE + timedelta(days=2)

    [reminder, _] = sorted(
        replan_for_due_date(store, extended_event(assigned, later, at=T0 + timedelta(hours=1))),
        key=lambda entry: entry.due_at,
    )

    assert (reminder.kind, reminder.due_at) == ("reminder", later - timedelta(hours=1))
    assert reminder.payload["due_at"] == later.isoformat()
    assert reminder.payload["activity_title"] == "Mood check-in"


def test_the_scheduler_sends_by_the_new_dates(
    store: Database, scheduler: Scheduler, clock: Clock, email: RecordingChannel
) -> None:
    assigned = assigned_event(EventFactory(), reminders=BEFORE_DUE)
    schedule_for(store, assigned)
    later = DUE + timedelta(days=2)
    schedule_for(store, extended_event(assigned, later, at=T0 + timedelta(hours=1)))

    run_until(scheduler, clock, EXPIRES + timedelta(hours=1), step=timedelta(hours=1))
    assert email.kinds() == ["new_activity"]  # neither the old reminder nor the old expiry
    assert expiry_triggers(store) == []

    run_until(scheduler, clock, EXPIRES + timedelta(days=2), step=timedelta(hours=1))
    assert email.kinds() == ["new_activity", "reminder"]
    [reminder] = [message for message in email.sent if message.kind == "reminder"]
    assert reminder.entry_id in {row["entry_id"] for row in all_entries(store) if row["state"] == "done"}
    assert expiry_triggers(store) == [
        {
            "assignment_id": str(assigned.payload["assignment_id"]),
            "client_id": "client-1",
            "expires_at": (EXPIRES + timedelta(days=2)).isoformat(),
        }
    ]


@pytest.mark.parametrize("release_at", [None, T0], ids=["released-when-assigned", "release-given"])
def test_a_reminder_time_already_past_is_not_planned_again(
    store: Database, scheduler: Scheduler, clock: Clock, email: RecordingChannel, release_at: datetime | None
) -> None:
    # The clinic's defaults: 24 hours after release (sent before the extension), 2 hours before due.
    assigned = assigned_event(EventFactory(), release_at=release_at)
    plan_assignment(store, assigned)
    run_until(scheduler, clock, T0 + timedelta(hours=30), step=timedelta(hours=1))
    assert email.kinds() == ["new_activity", "reminder"]
    later = DUE + timedelta(days=2)

    planned = replan_for_due_date(store, extended_event(assigned, later, at=clock.now))

    assert sorted((entry.kind, entry.due_at) for entry in planned) == [
        ("expiry_due", EXPIRES + timedelta(days=2)),
        ("reminder", later - timedelta(hours=2)),
    ]
    run_until(scheduler, clock, EXPIRES + timedelta(days=2), step=timedelta(hours=1))
    assert email.kinds() == ["new_activity", "reminder", "reminder"]  # the first reminder only once


def test_a_redelivered_extension_plans_nothing_new(store: Database) -> None:
    assigned = assigned_event(EventFactory())
    plan_assignment(store, assigned)
    envelope = json.loads(json.dumps(extension_envelope(assigned, DUE + timedelta(days=2), at=T0 + timedelta(hours=1))))
    assert replan_for_due_date(store, load_event(envelope))
    once = all_entries(store)

    # A redelivery is a new message: the same envelope loaded anew.
    assert replan_for_due_date(store, load_event(envelope)) == []
    schedule_for(store, load_event(envelope))

    assert all_entries(store) == once


def test_an_older_extension_after_a_newer_one_changes_nothing(store: Database) -> None:
    assigned = assigned_event(EventFactory(), reminders=BEFORE_DUE)
    plan_assignment(store, assigned)
    first, second = DUE + timedelta(days=1), DUE + timedelta(days=4)
    older = extended_event(assigned, first, at=T0 + timedelta(hours=1), version=2)
    newer = extended_event(assigned, second, at=T0 + timedelta(hours=2), version=3, previous_due_at=first)
    assert replan_for_due_date(store, newer)
    after_newer = all_entries(store)

    assert replan_for_due_date(store, older) == []

    assert all_entries(store) == after_newer
    assert waiting(store, assigned) == [
        ("new_activity", T0),
        ("reminder", second - timedelta(hours=2)),
        ("expiry_due", EXPIRES + timedelta(days=4)),
    ]


def test_two_extensions_in_order_leave_only_the_latest_plan(store: Database) -> None:
    assigned = assigned_event(EventFactory(), reminders=BEFORE_DUE)
    plan_assignment(store, assigned)
    first, second = DUE + timedelta(days=1), DUE + timedelta(days=4)

    replan_for_due_date(store, extended_event(assigned, first, at=T0 + timedelta(hours=1), version=2))
    replan_for_due_date(
        store, extended_event(assigned, second, at=T0 + timedelta(hours=2), version=3, previous_due_at=first)
    )

    assert waiting(store, assigned) == [
        ("new_activity", T0),
        ("reminder", second - timedelta(hours=2)),
        ("expiry_due", EXPIRES + timedelta(days=4)),
    ]


@pytest.mark.parametrize("closing", ["submitted", "cancelled"])
def test_a_closed_assignment_is_not_planned_again(store: Database, closing: str) -> None:
    factory = EventFactory()
    assigned = assigned_event(factory)
    plan_assignment(store, assigned)
    close_for(
        store,
        factory.response_submitted(assigned) if closing == "submitted" else factory.assignment_cancelled(assigned),
    )
    closed = all_entries(store)

    assert (
        replan_for_due_date(store, extended_event(assigned, DUE + timedelta(days=2), at=T0 + timedelta(hours=1))) == []
    )

    assert all_entries(store) == closed
    assert waiting(store, assigned) == []


def test_an_assignment_without_expiry_gets_no_expiry_trigger(store: Database) -> None:
    assigned = assigned_event(EventFactory(), expires_at=None, reminders=BEFORE_DUE)
    plan_assignment(store, assigned)
    later = DUE + timedelta(days=2)

    planned = replan_for_due_date(store, extended_event(assigned, later, at=T0 + timedelta(hours=1)))

    assert [(entry.kind, entry.due_at) for entry in planned] == [("reminder", later - timedelta(hours=2))]
    assert waiting(store, assigned) == [("new_activity", T0), ("reminder", later - timedelta(hours=2))]


def test_the_new_activity_message_is_left_alone(store: Database) -> None:
    release = T0 + timedelta(days=1)
    assigned = assigned_event(EventFactory(), release_at=release, reminders=[])
    plan_assignment(store, assigned)

    replan_for_due_date(store, extended_event(assigned, DUE + timedelta(days=2), at=T0 + timedelta(hours=1)))

    assert waiting(store, assigned) == [("new_activity", release), ("expiry_due", EXPIRES + timedelta(days=2))]


def test_an_extension_that_arrives_before_its_assignment_still_wins(store: Database) -> None:
    """The bus does not promise order: the late ActivityAssigned must not bring back the old dates."""
    assigned = assigned_event(EventFactory(), reminders=BEFORE_DUE)
    later = DUE + timedelta(days=2)
    replan_for_due_date(store, extended_event(assigned, later, at=T0 + timedelta(hours=1)))

    plan_assignment(store, assigned)

    assert waiting(store, assigned) == [
        ("new_activity", T0),
        ("reminder", later - timedelta(hours=2)),
        ("expiry_due", EXPIRES + timedelta(days=2)),
    ]
