"""The notifications store on SQLite and PostgreSQL: one notification per ActivityAssigned, scoped reads.

Events come from ``interlude_testing`` (valid envelopes loaded with
``load_event``); the store is real, nothing is mocked.
"""

import json
import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from interlude_contracts.api import NotificationSchema
from interlude_contracts.events import Event, load_event
from interlude_notifications.store import NEW_ACTIVITY, for_client, notification_id_for, record_new_activity
from interlude_runtime.storage import Database
from interlude_testing import ASSIGNMENTS, CLINIC, OTHER_CLINIC, EventFactory

# 20:30 at UTC+2 is 18:30 UTC, a Monday.
DUE = datetime(2025, 3, 10, 20, 30, tzinfo=timezone(timedelta(hours=2)))
DUE_TEXT = "Monday 10 March 2025 at 18:30 UTC"


def count_rows(database: Database) -> int:
    with database.transaction() as cursor:
        cursor.execute("SELECT COUNT(*) AS n FROM notifications")
        row = cursor.fetchone()
    assert row is not None
    return int(row["n"])


def assign(factory: EventFactory, client_id: str, title: str = "Mood check-in", **options: Any) -> Event:
    activity = factory.activity_published(title, clinic_id=options.get("clinic_id"))
    return factory.activity_assigned(activity, client_id, **options)


def test_an_assignment_gives_one_new_activity_notification(store: Database) -> None:
    assigned = assign(EventFactory(), "client-1", due_at=DUE)

    assert record_new_activity(store, assigned) is True

    assert for_client(store, CLINIC, "client-1") == [
        {
            "notification_id": str(notification_id_for(assigned.event_id, NEW_ACTIVITY)),
            "clinic_id": CLINIC,
            "client_id": "client-1",
            "kind": "new_activity",
            "assignment_id": str(assigned.payload["assignment_id"]),
            "title": "New activity",
            "body": f"Your therapist has sent you a new activity: Mood check-in. It is due {DUE_TEXT}.",
            "created_at": assigned.occurred_at,
        }
    ]


def test_the_body_names_the_activity_and_no_due_date_when_there_is_none(store: Database) -> None:
    assigned = assign(EventFactory(), "client-1", title="Sleep diary")

    record_new_activity(store, assigned)

    [notification] = for_client(store, CLINIC, "client-1")
    assert "Sleep diary" in notification["body"]
    assert "due" not in notification["body"]


def test_the_same_event_again_adds_nothing(store: Database) -> None:
    factory = EventFactory()
    assigned = assign(factory, "client-1", due_at=DUE)
    record_new_activity(store, assigned)
    before = for_client(store, CLINIC, "client-1")

    again = record_new_activity(store, assigned)
    redelivered = record_new_activity(store, load_event(factory.envelopes[ASSIGNMENTS][0]))

    assert (again, redelivered) == (False, False)
    assert count_rows(store) == 1
    assert for_client(store, CLINIC, "client-1") == before


def test_for_client_is_scoped_by_clinic_and_client_newest_first(store: Database) -> None:
    factory = EventFactory()
    mine = [assign(factory, "client-1", title=f"Activity {number}") for number in range(3)]
    other_client = assign(factory, "client-2")
    other_clinic = assign(factory, "client-1", clinic_id=OTHER_CLINIC)
    arrivals = [*mine, other_client, other_clinic]
    random.Random(11).shuffle(arrivals)
    for event in arrivals:
        assert record_new_activity(store, event)

    notifications = for_client(store, CLINIC, "client-1")

    assert [row["assignment_id"] for row in notifications] == [
        str(event.payload["assignment_id"]) for event in reversed(mine)
    ]
    assert [row["created_at"] for row in notifications] == sorted((event.occurred_at for event in mine), reverse=True)
    assert [row["client_id"] for row in for_client(store, CLINIC, "client-2")] == ["client-2"]
    assert [row["assignment_id"] for row in for_client(store, OTHER_CLINIC, "client-1")] == [
        str(other_clinic.payload["assignment_id"])
    ]
    assert for_client(store, OTHER_CLINIC, "client-2") == []


def test_notifications_dump_with_the_contract_schema(store: Database) -> None:
    factory = EventFactory()
    events = [assign(factory, "client-1", due_at=DUE), assign(factory, "client-1")]
    for event in events:
        record_new_activity(store, event)
    schema = NotificationSchema(many=True)

    bodies = json.loads(json.dumps(schema.dump(for_client(store, CLINIC, "client-1"))))

    assert schema.validate(bodies) == {}
    assert [body["assignment_id"] for body in bodies] == [
        str(event.payload["assignment_id"]) for event in reversed(events)
    ]
    assert bodies[0]["created_at"] == events[1].occurred_at.astimezone(UTC).isoformat()
    assert {body["kind"] for body in bodies} == {"new_activity"}
