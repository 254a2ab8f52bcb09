"""The scheduler with a controllable clock, on SQLite and PostgreSQL.

The store is real; channels are recording stand-ins (the real SMTP server and
webhook are in test_channels.py). Events come from the contract's EventFactory.
"""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from interlude_contracts.events import Event
from interlude_notifications import scheduler as scheduler_module
from interlude_notifications.planning import close_for, plan_assignment, set_reminder_defaults
from interlude_notifications.preferences import Preferences, save_preferences
from interlude_notifications.schedule import claim_due, entries_for_client
from interlude_notifications.scheduler import Scheduler, dead_letters, deliveries_for_client
from interlude_notifications.store import for_client, purge_client
from interlude_runtime.outbox_table import outbox_events
from interlude_runtime.storage import Database
from interlude_testing import CLINIC, EventFactory

from .schedule_support import ADA, T0, Clock, run_until


def assigned_event(
    factory: EventFactory, *, release_at: datetime | None = None, due_at: datetime | None = None, **extra: Any
) -> Event:
    """An ActivityAssigned with the schedule fields the assignments service adds."""
    factory._clock = T0 - factory._step  # the event occurs at T0
    published = factory.activity_published("Mood check-in")
    factory._clock = T0 - factory._step
    event = factory.activity_assigned(published, "client-1", due_at=due_at)
    payload = {**event.payload, "release_at": release_at, "expires_at": extra.get("expires_at")}
    payload["reminders"] = extra.get("reminders")
    return Event(**{**event.__dict__, "occurred_at": T0, "payload": payload})


def events_of(store: Database, event_type: str) -> list[dict[str, Any]]:
    return [envelope["payload"] for envelope in outbox_events(store) if envelope["event_type"] == event_type]


def test_new_activity_waits_for_the_release_time(store: Database, scheduler: Scheduler, clock: Clock, email) -> None:
    release = T0 + timedelta(days=2)
    plan_assignment(store, assigned_event(EventFactory(), release_at=release, reminders=[]))

    run_until(scheduler, clock, release - timedelta(minutes=1), step=timedelta(hours=6))
    assert email.sent == [] and for_client(store, CLINIC, "client-1") == []

    run_until(scheduler, clock, release + timedelta(minutes=1), step=timedelta(minutes=1))
    [message] = email.sent
    assert (message.kind, message.subject) == ("new_activity", "New activity")
    assert message.text.startswith("Hi Ada, your therapist has sent you a new activity: Mood check-in.")
    assert [row["kind"] for row in for_client(store, CLINIC, "client-1")] == ["new_activity"]
    sent = events_of(store, "NotificationSent")
    assert sorted(payload["channel"] for payload in sent) == ["email", "in_app"]
    assert {row["outcome"] for row in deliveries_for_client(store, CLINIC, "client-1")} == {"sent"}


def test_default_reminders_come_24_hours_after_release_and_2_hours_before_due(
    store: Database, scheduler: Scheduler, clock: Clock, email
) -> None:
    due = T0 + timedelta(days=3)
    plan_assignment(store, assigned_event(EventFactory(), due_at=due))

    planned = [(row["kind"], row["due_at"]) for row in entries_for_client(store, CLINIC, "client-1")]
    assert planned == [
        ("new_activity", T0),
        ("reminder", T0 + timedelta(hours=24)),
        ("reminder", due - timedelta(hours=2)),
    ]
    run_until(scheduler, clock, due)
    assert email.kinds() == ["new_activity", "reminder", "reminder"]


def test_clinic_defaults_and_per_assignment_rules_override(store: Database, scheduler: Scheduler) -> None:
    set_reminder_defaults(store, CLINIC, [{"anchor": "release", "offset_minutes": 60}])
    plan_assignment(store, assigned_event(EventFactory(), due_at=T0 + timedelta(days=1)))
    own = [{"anchor": "due", "offset_minutes": -30}]
    plan_assignment(store, assigned_event(EventFactory(), due_at=T0 + timedelta(days=1), reminders=own))

    reminders = sorted(
        row["due_at"] for row in entries_for_client(store, CLINIC, "client-1") if row["kind"] == "reminder"
    )
    assert reminders == [T0 + timedelta(hours=1), T0 + timedelta(days=1, minutes=-30)]


def test_reminders_are_cancelled_by_submission(store: Database, scheduler: Scheduler, clock: Clock, email) -> None:
    factory = EventFactory()
    assigned = assigned_event(factory, due_at=T0 + timedelta(days=3))
    plan_assignment(store, assigned)
    run_until(scheduler, clock, T0 + timedelta(hours=1))
    assert email.kinds() == ["new_activity"]

    close_for(store, factory.response_submitted(assigned))
    run_until(scheduler, clock, T0 + timedelta(days=4), step=timedelta(hours=2))

    assert email.kinds() == ["new_activity"]
    states = {row["kind"]: row["state"] for row in entries_for_client(store, CLINIC, "client-1")}
    assert states == {"new_activity": "done", "reminder": "cancelled"}


def test_a_closing_event_that_arrives_first_prevents_any_plan(store: Database, scheduler: Scheduler) -> None:
    factory = EventFactory()
    assigned = assigned_event(factory, due_at=T0 + timedelta(days=3))
    close_for(store, factory.assignment_cancelled(assigned))

    assert plan_assignment(store, assigned) == []
    assert entries_for_client(store, CLINIC, "client-1") == []


def test_the_same_event_twice_plans_once(store: Database, scheduler: Scheduler) -> None:
    assigned = assigned_event(EventFactory(), due_at=T0 + timedelta(days=3))
    assert len(plan_assignment(store, assigned)) == 3
    assert plan_assignment(store, assigned) == []


def test_quiet_hours_postpone_to_the_end_of_the_window_in_the_clients_zone(
    store: Database, scheduler: Scheduler, clock: Clock, email
) -> None:
    quiet = Preferences.from_body(
        {**ADA.to_body(), "time_zone": "America/New_York", "quiet_hours": {"start": "21:00", "end": "08:00"}}
    )
    save_preferences(store, CLINIC, "client-1", quiet)
    # 09:00 UTC on 2 March 2026 is 04:00 in New York (EST, UTC-5): inside the window.
    plan_assignment(store, assigned_event(EventFactory(), reminders=[]))

    run_until(scheduler, clock, T0 + timedelta(minutes=1), step=timedelta(minutes=1))
    assert email.sent == []
    [entry] = entries_for_client(store, CLINIC, "client-1")
    assert entry["next_at"] == datetime(2026, 3, 2, 13, 0, tzinfo=UTC)  # 08:00 EST

    run_until(scheduler, clock, datetime(2026, 3, 2, 12, 59, tzinfo=UTC), step=timedelta(minutes=30))
    assert email.sent == []
    run_until(scheduler, clock, datetime(2026, 3, 2, 13, 0, tzinfo=UTC), step=timedelta(minutes=1))
    assert email.kinds() == ["new_activity"]


def test_opted_out_clients_get_the_inbox_only(store: Database, scheduler: Scheduler, clock: Clock, email) -> None:
    save_preferences(store, CLINIC, "client-1", Preferences.from_body({**ADA.to_body(), "opted_out": True}))
    plan_assignment(store, assigned_event(EventFactory(), reminders=[]))

    run_until(scheduler, clock, T0 + timedelta(minutes=1), step=timedelta(minutes=1))

    assert email.sent == []
    assert [row["kind"] for row in for_client(store, CLINIC, "client-1")] == ["new_activity"]


def test_a_failed_send_is_retried_after_back_off_then_succeeds(
    store: Database, scheduler: Scheduler, clock: Clock, email
) -> None:
    email.failures = 1
    plan_assignment(store, assigned_event(EventFactory(), reminders=[]))

    scheduler.tick()
    [failed] = events_of(store, "NotificationFailed")
    assert (failed["channel"], failed["attempt"], failed["final"]) == ("email", 1, False)
    clock.advance(seconds=59)
    assert scheduler.tick() == 0  # back-off: 60 s after the first failure
    clock.advance(seconds=1)
    assert scheduler.tick() == 1

    assert email.kinds() == ["new_activity"]
    attempts = sorted(
        (row["channel"], row["attempt"], row["outcome"]) for row in deliveries_for_client(store, CLINIC, "client-1")
    )
    assert attempts == [("email", 1, "failed"), ("email", 2, "sent"), ("in_app", 1, "sent")]  # the inbox once


def test_retries_run_out_into_a_dead_letter_and_a_final_failure_event(store: Database, clock: Clock, email) -> None:
    save_preferences(store, CLINIC, "client-1", ADA)
    scheduler = Scheduler(store, {"email": email}, clock, max_attempts=3, backoff_seconds=10)
    email.failures = 99
    plan_assignment(store, assigned_event(EventFactory(), reminders=[]))

    run_until(scheduler, clock, T0 + timedelta(hours=1), step=timedelta(seconds=10))

    [dead] = dead_letters(store, CLINIC)
    assert (dead["kind"], dead["attempts"]) == ("new_activity", 3)
    assert "provider unavailable" in dead["last_error"]
    assert [(p["attempt"], p["final"]) for p in events_of(store, "NotificationFailed")] == [
        (1, False),
        (2, False),
        (3, True),
    ]


def test_the_expiry_trigger_is_published_at_the_expiry_time(
    store: Database, scheduler: Scheduler, clock: Clock
) -> None:
    expires = T0 + timedelta(days=2)
    assigned = assigned_event(EventFactory(), due_at=T0 + timedelta(days=1), expires_at=expires, reminders=[])
    plan_assignment(store, assigned)

    run_until(scheduler, clock, expires - timedelta(minutes=1), step=timedelta(hours=1))
    assert events_of(store, "AssignmentExpiryDue") == []
    run_until(scheduler, clock, expires, step=timedelta(minutes=1))
    assert events_of(store, "AssignmentExpiryDue") == [
        {
            "assignment_id": str(assigned.payload["assignment_id"]),
            "client_id": "client-1",
            "expires_at": expires.isoformat(),
        }
    ]


def test_a_scheduler_killed_mid_batch_loses_nothing(store: Database, clock: Clock, email) -> None:
    save_preferences(store, CLINIC, "client-1", ADA)
    factory = EventFactory()
    for _ in range(5):
        plan_assignment(store, assigned_event(factory, reminders=[]))
    dying = Scheduler(store, {"email": email}, clock, lease_seconds=60)
    claimed = claim_due(store, clock(), 10, dying.lease_seconds)
    dying.process(claimed[0])  # it sent one, then died holding the other four
    survivor = Scheduler(store, {"email": email}, clock, lease_seconds=60)

    assert survivor.tick() == 0  # the dead replica's lease still holds
    clock.advance(seconds=61)
    assert survivor.tick() == 4

    assert sorted(message.entry_id for message in email.sent) == sorted(entry.entry_id for entry in claimed)
    assert {row["state"] for row in entries_for_client(store, CLINIC, "client-1")} == {"done"}


def test_a_dead_schedulers_claims_are_taken_over_within_seconds_and_sent_once(
    store: Database, clock: Clock, email
) -> None:
    save_preferences(store, CLINIC, "client-1", ADA)
    factory = EventFactory()
    for _ in range(5):
        plan_assignment(store, assigned_event(factory, reminders=[]))
    dying = Scheduler(store, {"email": email}, clock, heartbeat_timeout_seconds=10)  # the default 120 s lease
    survivor = Scheduler(store, {"email": email}, clock, heartbeat_timeout_seconds=10)
    claimed = dying.claim()
    dying.process(claimed[0])  # it sent one, then died holding the other four: no more beats

    clock.advance(seconds=9)
    assert survivor.tick() == 0  # its last beat is recent: it may be alive
    clock.advance(seconds=2)
    assert survivor.tick() == 4  # 11 s without a beat: taken over, 109 s before its lease ends

    assert sorted(message.entry_id for message in email.sent) == sorted(entry.entry_id for entry in claimed)
    assert {row["state"] for row in entries_for_client(store, CLINIC, "client-1")} == {"done"}
    inbox = for_client(store, CLINIC, "client-1")
    assert len(inbox) == len({row["notification_id"] for row in inbox}) == 5


def test_the_claims_of_a_scheduler_that_keeps_beating_are_not_taken_over(store: Database, clock: Clock, email) -> None:
    save_preferences(store, CLINIC, "client-1", ADA)
    factory = EventFactory()
    for _ in range(3):
        plan_assignment(store, assigned_event(factory, reminders=[]))
    busy = Scheduler(store, {"email": email}, clock, heartbeat_timeout_seconds=10)
    other = Scheduler(store, {"email": email}, clock, heartbeat_timeout_seconds=10)
    claimed = busy.claim()

    for _ in range(20):  # 100 s of a slow batch, beating on its own timer
        clock.advance(seconds=5)
        busy.beat()
        assert other.tick() == 0
    for entry in claimed:
        busy.process(entry)

    assert sorted(email.kinds()) == ["new_activity"] * 3
    assert {row["state"] for row in entries_for_client(store, CLINIC, "client-1")} == {"done"}


def test_a_replica_whose_lease_ran_out_does_not_send_again(store: Database, clock: Clock, email) -> None:
    save_preferences(store, CLINIC, "client-1", ADA)
    plan_assignment(store, assigned_event(EventFactory(), reminders=[]))
    slow = Scheduler(store, {"email": email}, clock, lease_seconds=60)
    [stale] = claim_due(store, clock(), 10, 60)
    clock.advance(seconds=61)
    assert Scheduler(store, {"email": email}, clock).tick() == 1

    slow.process(stale)  # wakes up after its lease was taken over

    assert email.kinds() == ["new_activity"]


def test_outbox_envelopes_are_contract_valid(store: Database, scheduler: Scheduler, clock: Clock) -> None:
    from interlude_contracts.events import load_event

    plan_assignment(store, assigned_event(EventFactory(), reminders=[]))
    scheduler.tick()

    envelopes = outbox_events(store)
    assert len(envelopes) == 2
    for envelope in envelopes:
        assert load_event(json.loads(json.dumps(envelope))).source == "notifications"


def test_a_client_erased_while_their_message_goes_out_keeps_no_trace_of_it(
    store: Database, scheduler: Scheduler, clock: Clock, email, monkeypatch
) -> None:
    """The erasure lands after the scheduler checked its claim and before it wrote the message: nothing of
    the client's is written after the purge (the end-to-end erasure test caught this race)."""
    plan_assignment(store, assigned_event(EventFactory(), reminders=[]))
    rendering = scheduler_module.render

    def erased_while_rendering(*args: Any) -> Any:
        purge_client(store, CLINIC, "client-1")
        return rendering(*args)

    monkeypatch.setattr(scheduler_module, "render", erased_while_rendering)

    run_until(scheduler, clock, T0 + timedelta(minutes=5), step=timedelta(minutes=1))

    assert for_client(store, CLINIC, "client-1") == []
    assert deliveries_for_client(store, CLINIC, "client-1") == []
    assert [e for e in outbox_events(store) if e["payload"].get("client_id") == "client-1"] == []
    assert entries_for_client(store, CLINIC, "client-1") == []
