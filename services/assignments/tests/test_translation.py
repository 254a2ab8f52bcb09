"""Stored events to bus envelopes: assignments, responses and cancellations leave the service; the index does not."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from interlude_activity_model.library import entries as library_entries
from interlude_assignments.application import AssignmentsApplication
from interlude_assignments.domain import Assignment, ClientAssignments
from interlude_assignments.handlers import Assign, CancelAssignment, SubmitResponse, handle
from interlude_assignments.snapshot import Personalisation
from interlude_assignments.translation import SOURCE, assignment_body, assignment_fields, to_envelope
from interlude_contracts.activity import ActivityVersionSchema
from interlude_contracts.api import AssignmentSchema
from interlude_contracts.events import (
    ACTIVITY_ASSIGNED,
    ASSIGNMENT_CANCELLED,
    RESPONSE_SUBMITTED,
    load_event,
)
from interlude_contracts.schemas import shared
from interlude_runtime.outbox import log_page

ANSWERED = "answered"
CHOICE_A = {"value": "a", "label": "A", "score": 0}
CHOICE_B = {"value": "b", "label": "B", "score": 1}
AUDIO = {"kind": "audio", "url": "/media/" + "0" * 64 + ".mp3", "duration_seconds": 600}
IMAGE = {"kind": "image", "url": "https://example.org/ball.png", "alt": "A ball in a pool"}

DUE = datetime(2030, 6, 1, 18, 0, tzinfo=UTC)


def new_assignment(snapshot: dict[str, Any], client_id: str = "client-1") -> Assignment:
    return Assignment(
        clinic_id="clinic-a",
        client_id=client_id,
        therapist_id="therapist-1",
        activity=snapshot,
        due_at=DUE,
        correlation_id="corr-assign",
    )


def by_type(events: list[Any]) -> dict[str, Any]:
    return {type(event).__qualname__: event for event in events}


def all_events(snapshot: dict[str, Any], valid_answers: dict[str, Any]) -> dict[str, Any]:
    """Every kind of event: assigned, submitted, cancelled, and the index's own."""
    answered = new_assignment(snapshot)
    answered.submit(valid_answers, correlation_id="corr-submit")
    cancelled = new_assignment(snapshot)
    cancelled.cancel(cancelled_by="therapist-2", reason="Holiday", correlation_id="corr-cancel")
    index = ClientAssignments(clinic_id="clinic-a", client_id="client-1")
    index.add(answered.id)
    events = [*answered.collect_events(), *cancelled.collect_events(), *index.collect_events()]
    return by_type(events)


def test_only_assignment_events_produce_envelopes(snapshot: dict[str, Any], valid_answers: dict[str, Any]) -> None:
    events = all_events(snapshot, valid_answers)

    translated = {name: to_envelope(event, 1) is not None for name, event in events.items()}

    assert translated == {
        "Assignment.Assigned": True,
        "Assignment.ResponseSubmitted": True,
        "Assignment.Cancelled": True,
        "ClientAssignments.Started": False,
        "ClientAssignments.AssignmentAdded": False,
    }


def test_assigned_envelope(snapshot: dict[str, Any], valid_answers: dict[str, Any]) -> None:
    event = all_events(snapshot, valid_answers)["Assignment.Assigned"]

    loaded = load_event(to_envelope(event, 11))

    assert (loaded.event_type, loaded.schema_version, loaded.source, loaded.position) == (
        ACTIVITY_ASSIGNED,
        1,
        SOURCE,
        11,
    )
    assert (loaded.clinic_id, loaded.correlation_id) == ("clinic-a", "corr-assign")
    assert loaded.payload == {
        "assignment_id": event.originator_id,
        "activity_id": UUID(snapshot["activity_id"]),
        "activity_version": snapshot["version"],
        "activity_title": snapshot["title"],
        "client_id": "client-1",
        "therapist_id": "therapist-1",
        "due_at": DUE,
        "release_at": None,
        "expires_at": None,
        "reminders": None,
    }


def test_undated_assignment_envelope_has_null_due_at(snapshot: dict[str, Any]) -> None:
    assignment = Assignment(
        clinic_id="clinic-a",
        client_id="client-1",
        therapist_id="therapist-1",
        activity=snapshot,
        due_at=None,
        correlation_id="corr-assign",
    )
    [event] = assignment.collect_events()

    envelope = to_envelope(event, 1)

    assert envelope["payload"]["due_at"] is None
    assert load_event(envelope).payload["due_at"] is None


def test_submitted_envelope(snapshot: dict[str, Any], valid_answers: dict[str, Any]) -> None:
    event = all_events(snapshot, valid_answers)["Assignment.ResponseSubmitted"]

    loaded = load_event(to_envelope(event, 12))

    assert (loaded.event_type, loaded.position, loaded.source) == (RESPONSE_SUBMITTED, 12, SOURCE)
    assert (loaded.clinic_id, loaded.correlation_id) == ("clinic-a", "corr-submit")
    assert loaded.payload["assignment_id"] == event.originator_id
    assert loaded.payload["activity_id"] == UUID(snapshot["activity_id"])
    assert loaded.payload["activity_version"] == snapshot["version"]
    assert loaded.payload["client_id"] == "client-1"
    assert loaded.payload["answers"] == valid_answers


def test_cancelled_envelope(snapshot: dict[str, Any], valid_answers: dict[str, Any]) -> None:
    event = all_events(snapshot, valid_answers)["Assignment.Cancelled"]

    loaded = load_event(to_envelope(event, 13))

    assert (loaded.event_type, loaded.position, loaded.source) == (ASSIGNMENT_CANCELLED, 13, SOURCE)
    assert (loaded.clinic_id, loaded.correlation_id) == ("clinic-a", "corr-cancel")
    assert loaded.payload == {
        "assignment_id": event.originator_id,
        "client_id": "client-1",
        "cancelled_by": "therapist-2",
        "reason": "Holiday",
    }


def test_event_id_is_deterministic_per_stored_event(snapshot: dict[str, Any], valid_answers: dict[str, Any]) -> None:
    events = all_events(snapshot, valid_answers)
    assigned, submitted = events["Assignment.Assigned"], events["Assignment.ResponseSubmitted"]

    assert to_envelope(assigned, 1)["event_id"] == to_envelope(assigned, 1)["event_id"]
    # The id belongs to the stored event, not to where the relay found it.
    assert to_envelope(assigned, 1)["event_id"] == to_envelope(assigned, 500)["event_id"]
    assert to_envelope(assigned, 1)["event_id"] != to_envelope(submitted, 1)["event_id"]


def test_envelope_survives_a_round_trip_through_the_store(
    memory_app: AssignmentsApplication, snapshot: dict[str, Any]
) -> None:
    assignment = new_assignment(snapshot)
    [in_memory] = assignment.pending_events
    memory_app.save(assignment)

    [envelope], _ = log_page(memory_app, to_envelope, 0, 100)

    assert envelope == to_envelope(in_memory, envelope["position"])


def test_log_page_returns_envelopes_after_a_position(
    memory_app: AssignmentsApplication, snapshot: dict[str, Any], valid_answers: dict[str, Any]
) -> None:
    first = handle(memory_app, Assign("clinic-a", "therapist-1", "client-1", snapshot, DUE, "corr-1"))
    second = handle(memory_app, Assign("clinic-a", "therapist-1", "client-2", snapshot, None, "corr-2"))
    handle(memory_app, SubmitResponse("clinic-a", first.id, valid_answers, "corr-3"))
    handle(memory_app, CancelAssignment("clinic-a", second.id, "therapist-1", None, "corr-4"))
    newest = memory_app.recorder.max_notification_id()

    everything, last = log_page(memory_app, to_envelope, 0, 100)
    assert last == newest
    assert [(e["event_type"], e["correlation_id"]) for e in everything] == [
        (ACTIVITY_ASSIGNED, "corr-1"),
        (ACTIVITY_ASSIGNED, "corr-2"),
        (RESPONSE_SUBMITTED, "corr-3"),
        (ASSIGNMENT_CANCELLED, "corr-4"),
    ]
    for envelope in everything:
        load_event(envelope)
    positions = [envelope["position"] for envelope in everything]
    assert positions == sorted(set(positions))

    after_second, last = log_page(memory_app, to_envelope, positions[1], 100)
    assert [envelope["position"] for envelope in after_second] == positions[2:]
    assert last == newest

    assert log_page(memory_app, to_envelope, newest, 100) == ([], newest)


def test_log_page_advances_past_private_events(memory_app: AssignmentsApplication, snapshot: dict[str, Any]) -> None:
    handle(memory_app, Assign("clinic-a", "therapist-1", "client-1", snapshot, None, "corr-1"))
    [assigned], _ = log_page(memory_app, to_envelope, 0, 100)

    # After the Assigned event come only the index's Started and AssignmentAdded.
    envelopes, last = log_page(memory_app, to_envelope, assigned["position"], 100)

    assert envelopes == []
    assert last == memory_app.recorder.max_notification_id() == assigned["position"] + 2


def test_log_page_of_an_empty_log(memory_app: AssignmentsApplication) -> None:
    assert log_page(memory_app, to_envelope, 0, 100) == ([], 0)


EVERY_TYPE_ITEMS: list[dict[str, Any]] = [
    {"id": "free", "type": "free_text", "prompt": "Hello {{client.first_name}}?", "max_length": 5},
    {"id": "long", "type": "long_text", "prompt": "Reflect", "required": False},
    {"id": "one", "type": "single_choice", "prompt": "One", "options": [CHOICE_A, CHOICE_B]},
    {
        "id": "many",
        "type": "multiple_choice",
        "prompt": "Many",
        "options": [CHOICE_A, CHOICE_B],
        "min_selections": 1,
        "max_selections": 2,
    },
    {"id": "scale", "type": "linear_scale", "prompt": "Scale", "min": 0, "max": 10, "step": 2, "min_label": "Low"},
    {"id": "vas", "type": "visual_analogue_scale", "prompt": "VAS", "min_label": "Worst", "max_label": "Best"},
    {"id": "count", "type": "number", "prompt": "How long?", "min": 0, "max": 300, "unit": "minutes", "decimals": 0},
    {"id": "day", "type": "date", "prompt": "When?"},
    {
        "id": "clock",
        "type": "time",
        "prompt": "What time?",
        "show_if": {"all": [{"item_id": "day", "operator": "answered"}]},
    },
    {"id": "yes", "type": "yes_no", "prompt": "Yes?"},
    {"id": "practice", "type": "timed_practice", "prompt": "Breathe", "duration_seconds": 600, "media": AUDIO},
    {"id": "title", "type": "heading", "prompt": "Part two"},
    {"id": "words", "type": "display_text", "prompt": "From {{therapist.name}} at {{clinic.name}}"},
    {"id": "picture", "type": "media", "prompt": "A ball", "media": IMAGE},
]


def published(draft: dict[str, Any], version: int = 1) -> dict[str, Any]:
    """A draft as the activities service's get_version gives it once published (through its contract)."""
    schema = ActivityVersionSchema()
    body = {
        **draft,
        "activity_id": "0b7d3c1e-9a5e-4a53-8f5b-5a1f3f2a9c11",
        "clinic_id": "clinic-a",
        "version": version,
        "published_at": "2026-01-05T09:30:00+00:00",
        "published_by": "therapist-1",
    }
    return schema.dump(schema.load(body))


@pytest.mark.parametrize(
    "draft",
    [
        {"title": "Every item type", "instructions": "All of them.", "items": EVERY_TYPE_ITEMS},
        *(entry["activity"] for entry in library_entries().values()),
    ],
    ids=lambda draft: draft["title"],
)
def test_an_assignment_body_gives_its_items_as_the_contract_dumps_them(
    memory_app: AssignmentsApplication, draft: dict[str, Any]
) -> None:
    names = Personalisation(client_first_name="Ada", therapist_name="Dr Lee", clinic_name="Harbour")
    assignment = handle(
        memory_app,
        Assign("clinic-a", "therapist-1", "client-1", published(draft), DUE, "corr-1", personalisation=names),
    )

    body = assignment_body(memory_app.get("clinic-a", assignment.id))

    assert body == shared(AssignmentSchema).dump(assignment_fields(assignment))
    assert len(body["items"]) == len(draft["items"]) and body["pages"]
