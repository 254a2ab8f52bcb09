"""Erasure purges a client's notifications, leaving no copy in the SQLite files."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from interlude_contracts.events import ACTIVITY_ASSIGNED, Event
from interlude_notifications import service as service_module
from interlude_notifications.schema import create_tables
from interlude_notifications.service import NotificationsService
from interlude_notifications.store import for_client, purge_client, record_new_activity
from interlude_runtime.outbox_table import write_event
from interlude_runtime.storage import Database
from interlude_testing import CLINIC, EventFactory


def test_purging_a_client_removes_their_notifications_and_only_theirs(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'notifications.sqlite'}")
    create_tables(database)
    factory = EventFactory()
    activity = factory.activity_published("Mood check-in")
    record_new_activity(database, factory.activity_assigned(activity, "client-gone-5e2a"))
    record_new_activity(database, factory.activity_assigned(activity, "client-kept"))

    purge_client(database, CLINIC, "client-gone-5e2a")

    assert for_client(database, CLINIC, "client-gone-5e2a") == []
    assert len(for_client(database, CLINIC, "client-kept")) == 1
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("notifications.sqlite*"))
    assert b"client-gone-5e2a" not in raw
    database.close()


def every_value(database: Database) -> str:
    """Every value of every table, as text (SQLite)."""
    with database.transaction() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = [row["name"] for row in cursor.fetchall()]
        values = []
        for table in tables:
            cursor.execute(f"SELECT * FROM {table}")
            values.extend(str(value) for row in cursor.fetchall() for value in row.values())
    return "\n".join(values)


def receive(database: Database, event: Event) -> None:
    """The service's consumer (``NotificationsService.on_event``) given the event, an assignment released at once
    as the assignments service sends it."""
    if event.event_type == ACTIVITY_ASSIGNED:
        payload = {"release_at": None, "reminders": None, **event.payload}
        event = Event(**{**event.__dict__, "payload": payload})
    NotificationsService.on_event(SimpleNamespace(database=database), event)


def test_erasure_leaves_no_row_envelope_or_assignment_id_of_the_client_even_for_late_events(tmp_path: Path) -> None:
    """Finding 4 of issue 15: the outbox kept envelopes with the client's and their assignments' ids."""
    database = Database(f"sqlite:///{tmp_path / 'notifications.sqlite'}")
    create_tables(database)
    factory = EventFactory()
    activity = factory.activity_published("Mood check-in")
    due = datetime.now(UTC) + timedelta(days=2)
    answered = factory.activity_assigned(activity, "client-gone-9d3b", due_at=due)
    waiting = factory.activity_assigned(activity, "client-gone-9d3b", due_at=due)
    kept = factory.activity_assigned(activity, "client-kept", due_at=due)
    for event in (answered, waiting, kept, factory.response_submitted(answered)):
        receive(database, event)
    with database.transaction() as cursor:  # the scheduler's events about the client, waiting in the outbox
        write_event(
            cursor,
            source="notifications",
            key=("late",),
            event_type="AssignmentExpiryDue",
            clinic_id=CLINIC,
            correlation_id="c",
            occurred_at=datetime.now(UTC),
            payload={
                "assignment_id": str(waiting.payload["assignment_id"]),
                "client_id": "client-gone-9d3b",
                "expires_at": due.isoformat(),
            },
        )
    gone = ["client-gone-9d3b", str(answered.payload["assignment_id"]), str(waiting.payload["assignment_id"])]
    assert all(trace in every_value(database) for trace in gone)

    purge_client(database, CLINIC, "client-gone-9d3b")
    late = factory.activity_assigned(activity, "client-gone-9d3b", due_at=due)  # was still in the queue
    receive(database, late)
    purge_client(database, CLINIC, "client-gone-9d3b")  # idempotent

    values = every_value(database)
    assert [trace for trace in [*gone, str(late.payload["assignment_id"])] if trace in values] == []
    assert str(kept.payload["assignment_id"]) in values
    assert len(for_client(database, CLINIC, "client-kept")) == 1
    database.close()


def test_a_client_erased_while_an_event_about_them_is_handled_keeps_no_trace_of_it(tmp_path: Path, monkeypatch) -> None:
    """The erasure lands after the consumer found no tombstone and before it wrote: its rows go too."""
    database = Database(f"sqlite:///{tmp_path / 'notifications.sqlite'}")
    create_tables(database)
    factory = EventFactory()
    assigned = factory.activity_assigned(factory.activity_published("Mood check-in"), "client-gone-4b1c")
    event = Event(**{**assigned.__dict__, "payload": {**assigned.payload, "release_at": None, "reminders": None}})
    recording = service_module.record_new_activity

    def erased_meanwhile(database: Database, event: Event) -> bool:
        purge_client(database, CLINIC, "client-gone-4b1c")
        return recording(database, event)

    monkeypatch.setattr(service_module, "record_new_activity", erased_meanwhile)

    NotificationsService.on_event(SimpleNamespace(database=database), event)

    values = every_value(database)
    assert [trace for trace in ("client-gone-4b1c", str(event.payload["assignment_id"])) if trace in values] == []
    database.close()
