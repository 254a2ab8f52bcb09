"""A due date extended (DueDateExtended) in the client report, on SQLite and PostgreSQL, in any arrival order.

ActivityPublished and ActivityAssigned come from the shared ``EventFactory``;
DueDateExtended is built here as the assignments service publishes it, through
the same JSON round trip and ``load_event``. The store is real, nothing is mocked.
"""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from interlude_contracts.envelope import event_id_for, make_envelope
from interlude_contracts.events import DUE_DATE_EXTENDED, Event, load_event
from interlude_contracts.topology import SUBSCRIPTIONS
from interlude_reporting.projection import apply_event, client_report, create_tables, dump_tables
from interlude_runtime.storage import Database
from interlude_testing import ASSIGNMENTS, CLINIC, PRODUCER_ZONE, EventFactory

DUE = datetime(2025, 3, 10, 18, 30, tzinfo=UTC)
FIRST = DUE + timedelta(days=2)
SECOND = DUE + timedelta(days=5)


def extension_envelope(
    assigned: Event, due_at: datetime, previous_due_at: datetime | None, version: int
) -> dict[str, Any]:
    """The envelope of the ``version``-th stored event of the assignment ``assigned``: a DueDateExtended."""
    payload = assigned.payload
    return json.loads(
        json.dumps(
            make_envelope(
                event_id=event_id_for(ASSIGNMENTS, payload["assignment_id"], version),
                event_type=DUE_DATE_EXTENDED,
                schema_version=1,
                occurred_at=assigned.occurred_at + timedelta(days=version),
                clinic_id=assigned.clinic_id,
                correlation_id=f"corr-extend-{version}",
                source=ASSIGNMENTS,
                position=100 + version,
                payload={
                    "assignment_id": str(payload["assignment_id"]),
                    "client_id": payload["client_id"],
                    "activity_title": payload["activity_title"],
                    "previous_due_at": previous_due_at.isoformat() if previous_due_at else None,
                    # The producer's clock need not be in UTC: the projection normalises.
                    "due_at": due_at.astimezone(PRODUCER_ZONE).isoformat(),
                    "expires_at": None,
                    "release_at": None,
                    "reminders": None,
                    "extended_by": payload["therapist_id"],
                },
            )
        )
    )


@pytest.fixture
def factory() -> EventFactory:
    return EventFactory()


@pytest.fixture
def mood(factory: EventFactory) -> Event:
    return factory.activity_published("Mood check-in")


@pytest.fixture
def assigned(factory: EventFactory, mood: Event) -> Event:
    return factory.activity_assigned(mood, "client-1", due_at=DUE)


@pytest.fixture
def first(assigned: Event) -> Event:
    return load_event(extension_envelope(assigned, FIRST, DUE, version=2))


@pytest.fixture
def second(assigned: Event) -> Event:
    return load_event(extension_envelope(assigned, SECOND, FIRST, version=3))


def report_row(projection: Database) -> dict[str, Any]:
    [row] = client_report(projection, CLINIC, "client-1")["assignments"]
    return row


def test_reporting_subscribes_to_due_date_extended() -> None:
    assert "assignments.DueDateExtended" in SUBSCRIPTIONS["reporting.events"]


def test_the_report_shows_the_extended_due_date(
    projection: Database, mood: Event, assigned: Event, first: Event
) -> None:
    for event in (mood, assigned, first):
        assert apply_event(projection, event)

    row = report_row(projection)

    assert row["due_at"] == FIRST
    assert (row["status"], row["activity_title"], row["assigned_at"]) == (
        "assigned",
        "Mood check-in",
        assigned.occurred_at,
    )


def test_an_extension_before_its_assignment_keeps_the_later_date(
    projection: Database, mood: Event, assigned: Event, first: Event
) -> None:
    apply_event(projection, mood)
    assert apply_event(projection, first)
    early = report_row(projection)
    assert (early["due_at"], early["status"], early["activity_title"]) == (FIRST, "assigned", None)

    assert apply_event(projection, assigned)

    row = report_row(projection)
    assert row["due_at"] == FIRST  # not the original date the late ActivityAssigned carries
    assert (row["activity_title"], row["assigned_at"]) == ("Mood check-in", assigned.occurred_at)


@pytest.mark.parametrize(
    "order", [("assigned", "first", "second"), ("second", "assigned", "first"), ("second", "first", "assigned")]
)
def test_two_extensions_in_any_order_end_with_the_latest_date(
    projection: Database, mood: Event, assigned: Event, first: Event, second: Event, order: tuple[str, ...]
) -> None:
    events = {"assigned": assigned, "first": first, "second": second}
    apply_event(projection, mood)

    assert all(apply_event(projection, events[name]) for name in order)

    assert report_row(projection)["due_at"] == SECOND


def test_any_order_ends_with_the_same_tables(
    projection: Database,
    make_database: Callable[[str], Database],
    mood: Event,
    assigned: Event,
    first: Event,
    second: Event,
) -> None:
    other = make_database("reordered")
    create_tables(other)

    for event in (mood, assigned, first, second):
        apply_event(projection, event)
    for event in (second, first, assigned, mood):
        apply_event(other, event)

    assert dump_tables(other) == dump_tables(projection)


def test_a_redelivered_extension_changes_nothing(
    projection: Database, mood: Event, assigned: Event, first: Event
) -> None:
    for event in (mood, assigned, first):
        apply_event(projection, event)
    once = dump_tables(projection)

    # A redelivery is a new message: the same envelope loaded anew.
    again = load_event(extension_envelope(assigned, FIRST, DUE, version=2))

    assert apply_event(projection, first) is False
    assert apply_event(projection, again) is False
    assert dump_tables(projection) == once


def test_a_redelivered_assignment_after_an_extension_keeps_the_extended_date(
    projection: Database, factory: EventFactory, mood: Event, assigned: Event, first: Event
) -> None:
    for event in (mood, assigned, first):
        apply_event(projection, event)

    [assigned_envelope] = factory.envelopes[ASSIGNMENTS]
    assert apply_event(projection, load_event(assigned_envelope)) is False

    assert report_row(projection)["due_at"] == FIRST


def test_an_undated_assignment_given_a_due_date(projection: Database, factory: EventFactory, mood: Event) -> None:
    undated = factory.activity_assigned(mood, "client-1")
    extension = load_event(extension_envelope(undated, FIRST, None, version=2))

    for event in (mood, undated, extension):
        apply_event(projection, event)

    assert report_row(projection)["due_at"] == FIRST


def test_a_closed_assignment_keeps_its_status_when_extended_late(
    projection: Database, factory: EventFactory, mood: Event, assigned: Event
) -> None:
    """An extension made before the response, delivered after it: the date moves, the status stays."""
    submitted = factory.response_submitted(assigned)  # the assignment's 2nd stored event in the factory
    extended = load_event(extension_envelope(assigned, FIRST, DUE, version=3))
    for event in (mood, assigned, submitted, extended):
        apply_event(projection, event)

    row = report_row(projection)

    assert (row["status"], row["due_at"], row["submitted_at"]) == ("submitted", FIRST, submitted.occurred_at)


def test_stored_due_dates_are_utc(projection: Database, mood: Event, assigned: Event, first: Event) -> None:
    for event in (mood, first, assigned):
        apply_event(projection, event)

    [stored] = dump_tables(projection)["assignments"]

    assert stored["due_at"] == FIRST.isoformat()
