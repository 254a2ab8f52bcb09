"""The progress projection on SQLite and PostgreSQL: report contents, idempotence, order tolerance.

Events come from ``reporting_events`` (valid envelopes loaded with
``load_event``); the store is real, nothing is mocked.
"""

import json
import random
from collections.abc import Callable, Iterable
from datetime import UTC, timedelta
from typing import Any

import pytest
from reporting_events import build_history

from interlude_contracts.api import ClientReportSchema
from interlude_contracts.events import Event, load_event
from interlude_reporting.projection import apply_event, client_report, create_tables, dump_tables
from interlude_runtime.storage import Database
from interlude_testing import ASSIGNMENTS, CLINIC, OTHER_CLINIC, EventFactory

SHUFFLE_SEED = 20250303


def apply_all(database: Database, events: Iterable[Event]) -> list[bool]:
    return [apply_event(database, event) for event in events]


def expected_row(
    assigned: Event, status: str, *, submitted: Event | None = None, cancelled: Event | None = None
) -> dict[str, Any]:
    """The report row the events of one assignment should give."""
    payload = assigned.payload
    return {
        "assignment_id": str(payload["assignment_id"]),
        "activity_id": str(payload["activity_id"]),
        "activity_version": payload["activity_version"],
        "activity_title": payload["activity_title"],
        "status": status,
        "assigned_at": assigned.occurred_at,
        "due_at": payload["due_at"],
        "submitted_at": submitted.occurred_at if submitted else None,
        "cancelled_at": cancelled.occurred_at if cancelled else None,
    }


@pytest.fixture
def factory() -> EventFactory:
    return EventFactory()


@pytest.fixture
def history(factory: EventFactory) -> dict[str, Event]:
    return build_history(factory)


def test_report_of_a_client_with_submitted_cancelled_and_open_assignments(
    projection: Database, factory: EventFactory, history: dict[str, Event]
) -> None:
    assert all(apply_all(projection, factory.events))

    report = client_report(projection, CLINIC, "client-1")

    assert report["assignments"] == [
        expected_row(history["a1"], "submitted", submitted=history["a1_submitted"]),
        expected_row(history["a2"], "cancelled", cancelled=history["a2_cancelled"]),
        expected_row(history["a3"], "assigned"),
    ]
    assert {key: value for key, value in report.items() if key != "assignments"} == {
        "clinic_id": CLINIC,
        "client_id": "client-1",
        "assigned": 2,
        "completed": 1,
        "cancelled": 1,
        "completion_rate": 0.5,
    }


def test_report_of_a_second_client_shows_only_their_assignments(
    projection: Database, factory: EventFactory, history: dict[str, Event]
) -> None:
    apply_all(projection, factory.events)

    report = client_report(projection, CLINIC, "client-2")

    assert report["assignments"] == [
        expected_row(history["b1"], "submitted", submitted=history["b1_submitted"]),
        expected_row(history["b2"], "assigned"),
        expected_row(history["b3"], "assigned"),
    ]
    assert report["assignments"][1]["activity_version"] == 2
    assert (report["assigned"], report["completed"], report["cancelled"]) == (3, 1, 0)
    assert report["completion_rate"] == pytest.approx(1 / 3, abs=1e-4)


def test_completion_rate_is_none_when_nothing_is_assigned(
    projection: Database, factory: EventFactory, history: dict[str, Event]
) -> None:
    apply_all(projection, factory.events)

    only_cancelled = client_report(projection, CLINIC, "client-3")
    unknown = client_report(projection, CLINIC, "client-unknown")

    assert [row["status"] for row in only_cancelled["assignments"]] == ["cancelled"]
    assert only_cancelled["assignments"][0]["cancelled_at"] == history["c1_cancelled"].occurred_at
    assert (only_cancelled["assigned"], only_cancelled["completed"], only_cancelled["cancelled"]) == (0, 0, 1)
    assert only_cancelled["completion_rate"] is None
    assert unknown == {
        "clinic_id": CLINIC,
        "client_id": "client-unknown",
        "assignments": [],
        "assigned": 0,
        "completed": 0,
        "cancelled": 0,
        "completion_rate": None,
    }


def test_another_clinics_client_is_not_visible(
    projection: Database, factory: EventFactory, history: dict[str, Event]
) -> None:
    apply_all(projection, factory.events)

    first_clinic = client_report(projection, CLINIC, "client-1")
    other_clinic = client_report(projection, OTHER_CLINIC, "client-1")

    other_id = str(history["d1"].payload["assignment_id"])
    assert other_id not in [row["assignment_id"] for row in first_clinic["assignments"]]
    assert other_clinic["assignments"] == [expected_row(history["d1"], "submitted", submitted=history["d1_submitted"])]
    assert other_clinic["completion_rate"] == 1.0


def test_tables_hold_activity_versions_and_utc_times(
    projection: Database, factory: EventFactory, history: dict[str, Event]
) -> None:
    apply_all(projection, factory.events)

    tables = dump_tables(projection)

    versions = {(row["title"], row["version"]): row for row in tables["activity_versions"]}
    assert set(versions) == {
        ("Mood check-in", 1),
        ("Mood check-in (short)", 2),
        ("Sleep diary", 1),
        ("Breathing", 1),
    }
    assert versions[("Mood check-in", 1)]["item_count"] == 3
    assert versions[("Breathing", 1)]["clinic_id"] == OTHER_CLINIC
    assert versions[("Sleep diary", 1)]["published_at"] == history["sleep"].occurred_at.astimezone(UTC).isoformat()
    # The producers' clock is UTC+2; stored times are UTC, so they sort as text.
    stored_times = [row["assigned_at"] for row in tables["assignments"]] + [
        row["published_at"] for row in tables["activity_versions"]
    ]
    assert stored_times and all(moment.endswith("+00:00") for moment in stored_times)
    assert [(row["source"], row["position"]) for row in tables["tracking"]] == sorted(
        (event.source, event.position) for event in factory.events
    )


def test_applying_every_event_twice_changes_nothing(projection: Database, factory: EventFactory) -> None:
    build_history(factory)
    assert all(apply_all(projection, factory.events))
    once = dump_tables(projection)

    again = apply_all(projection, factory.events)
    # A redelivery is a new message: the same envelope loaded anew.
    redelivered = apply_all(projection, [load_event(envelope) for envelope in factory.envelopes[ASSIGNMENTS]])

    assert again == [False] * len(factory.events)
    assert redelivered == [False] * len(factory.envelopes[ASSIGNMENTS])
    assert dump_tables(projection) == once


def _reversed(events: list[Event]) -> list[Event]:
    return events[::-1]


def _shuffled(events: list[Event]) -> list[Event]:
    shuffled = list(events)
    random.Random(SHUFFLE_SEED).shuffle(shuffled)
    return shuffled


@pytest.mark.parametrize("reorder", [_reversed, _shuffled], ids=["reversed", "shuffled"])
def test_any_order_ends_with_the_same_tables(
    projection: Database,
    make_database: Callable[[str], Database],
    factory: EventFactory,
    reorder: Callable[[list[Event]], list[Event]],
) -> None:
    build_history(factory)
    reordered = reorder(factory.events)
    assert reordered != factory.events
    other = make_database("reordered")
    create_tables(other)

    assert all(apply_all(projection, factory.events))
    assert all(apply_all(other, reordered))

    in_order = dump_tables(projection)
    assert len(in_order["assignments"]) == 8
    assert dump_tables(other) == in_order


@pytest.mark.parametrize("closing", ["submitted", "cancelled"])
def test_a_closing_event_before_its_assignment(projection: Database, factory: EventFactory, closing: str) -> None:
    mood = factory.activity_published("Mood check-in")
    assigned = factory.activity_assigned(mood, "client-1", due_at=mood.occurred_at.replace(year=2026))
    closed = factory.response_submitted(assigned) if closing == "submitted" else factory.assignment_cancelled(assigned)
    apply_all(projection, [mood, closed])

    early = client_report(projection, CLINIC, "client-1")["assignments"]
    assert early == [
        {
            "assignment_id": str(assigned.payload["assignment_id"]),
            "activity_id": None,
            "activity_version": None,
            "activity_title": None,
            "status": closing,
            "assigned_at": None,
            "due_at": None,
            "submitted_at": closed.occurred_at if closing == "submitted" else None,
            "cancelled_at": closed.occurred_at if closing == "cancelled" else None,
        }
    ]

    assert apply_event(projection, assigned)

    report = client_report(projection, CLINIC, "client-1")
    assert report["assignments"] == [expected_row(assigned, closing, **{closing: closed})]
    assert (report["completed"], report["cancelled"]) == ((1, 0) if closing == "submitted" else (0, 1))


def test_report_dumps_with_the_contract_schema(
    projection: Database, factory: EventFactory, history: dict[str, Event]
) -> None:
    apply_all(projection, factory.events)
    schema = ClientReportSchema()

    body = schema.dump(client_report(projection, CLINIC, "client-1"))
    empty = schema.dump(client_report(projection, CLINIC, "client-unknown"))

    decoded = json.loads(json.dumps(body))
    assert schema.validate(decoded) == {}
    assert schema.validate(json.loads(json.dumps(empty))) == {}
    assert decoded["completion_rate"] == 0.5
    assert [row["assignment_id"] for row in decoded["assignments"]] == [
        str(history[name].payload["assignment_id"]) for name in ("a1", "a2", "a3")
    ]
    first = decoded["assignments"][0]
    assert first["due_at"] == "2025-03-10T18:30:00+00:00"
    assert first["submitted_at"] == history["a1_submitted"].occurred_at.astimezone(UTC).isoformat()
    assert empty["completion_rate"] is None


def test_an_expired_assignment_shows_as_expired_and_counts_as_not_completed(projection: Database) -> None:
    from interlude_contracts.envelope import make_envelope

    factory = EventFactory()
    published = factory.activity_published("Mood check-in")
    assigned = factory.activity_assigned(published, "client-9")
    apply_event(projection, published)
    expired = load_event(
        make_envelope(
            event_id="7b1f6a3e-2c4d-4e5f-8a9b-0c1d2e3f4a5b",
            event_type="AssignmentExpired",
            schema_version=1,
            occurred_at=assigned.occurred_at + timedelta(days=3),
            clinic_id=assigned.clinic_id,
            correlation_id="corr-expired",
            source="assignments",
            position=99,
            payload={
                "assignment_id": str(assigned.payload["assignment_id"]),
                "client_id": "client-9",
                "due_at": (assigned.occurred_at + timedelta(days=2)).isoformat(),
                "expired_at": (assigned.occurred_at + timedelta(days=3)).isoformat(),
            },
        )
    )
    for event in (expired, assigned):  # the expiry may arrive first
        apply_event(projection, event)

    report = client_report(projection, assigned.clinic_id, "client-9")

    assert [row["status"] for row in report["assignments"]] == ["expired"]
    assert report["assignments"][0]["activity_title"] == "Mood check-in"
    assert (report["assigned"], report["completed"], report["completion_rate"]) == (1, 0, 0.0)


@pytest.mark.parametrize("published_first", [True, False], ids=["published-first", "assigned-first"])
def test_reporting_keeps_the_published_title_never_the_clients_personalised_one(
    projection: Database, published_first: bool
) -> None:
    """Finding 7 of issue 15: analysts read client first names inside personalised titles."""
    factory = EventFactory()
    published = factory.activity_published("{{client.first_name}}'s mood check-in")
    assigned = factory.activity_assigned(published, "client-9")
    assigned.payload["activity_title"] = "Ada's mood check-in"  # as the assignments service personalised it
    for event in [published, assigned] if published_first else [assigned, published]:
        apply_event(projection, event)

    report = client_report(projection, assigned.clinic_id, "client-9")

    assert [row["activity_title"] for row in report["assignments"]] == ["{{client.first_name}}'s mood check-in"]
    assert "Ada" not in json.dumps(dump_tables(projection), default=str)
