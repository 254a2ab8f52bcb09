"""The event envelope and payload contracts, as producers and consumers check them."""

import copy
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from marshmallow import ValidationError

from interlude_contracts.envelope import event_id_for, make_envelope
from interlude_contracts.events import (
    ACTIVITY_ASSIGNED,
    ACTIVITY_PUBLISHED,
    ASSIGNMENT_CANCELLED,
    ASSIGNMENT_EXPIRED,
    ASSIGNMENT_EXPIRY_DUE,
    ASSIGNMENT_OPENED,
    DUE_DATE_EXTENDED,
    NOTIFICATION_FAILED,
    NOTIFICATION_SENT,
    PAYLOAD_SCHEMAS,
    RELEASE_DUE,
    RELEASE_SCHEDULED,
    RESPONSE_SCORED,
    RESPONSE_SUBMITTED,
    RISK_FLAG_ACKNOWLEDGED,
    RISK_FLAG_RAISED,
    Event,
    load_event,
    validate_event,
)

ACTIVITY_ID = "0b7d3c1e-9a5e-4a53-8f5b-5a1f3f2a9c11"
ASSIGNMENT_ID = "5d0c2f4e-1b7a-4c8e-9f60-0c9a3e7d2b55"
OCCURRED_AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)

PAYLOADS: dict[str, dict[str, Any]] = {
    ACTIVITY_PUBLISHED: {
        "activity_id": ACTIVITY_ID,
        "version": 1,
        "title": "Mood check-in",
        "instructions": "",
        "items": [{"id": "mood", "type": "linear_scale", "prompt": "Mood?", "required": True, "min": 0, "max": 10}],
        "published_by": "therapist-1",
    },
    ACTIVITY_ASSIGNED: {
        "assignment_id": ASSIGNMENT_ID,
        "activity_id": ACTIVITY_ID,
        "activity_version": 1,
        "activity_title": "Mood check-in",
        "client_id": "client-ada",
        "therapist_id": "therapist-1",
        "due_at": "2025-03-08T09:30:00+00:00",
    },
    RESPONSE_SUBMITTED: {
        "assignment_id": ASSIGNMENT_ID,
        "activity_id": ACTIVITY_ID,
        "activity_version": 1,
        "client_id": "client-ada",
        "answers": {"mood": 7},
        "measure": "MOOD",
        "scores": {"total": {"value": 7, "band": "good", "above_cutoff": False}},
        "risk_flags": [],
    },
    RESPONSE_SCORED: {
        "assignment_id": ASSIGNMENT_ID,
        "activity_id": ACTIVITY_ID,
        "activity_version": 1,
        "client_id": "client-ada",
        "submitted_at": "2026-03-02T09:30:00+00:00",
        "measure": "PHQ-9",
        "scores": {"total": {"value": 18, "band": "moderately severe", "above_cutoff": True}},
        "risk_flags": [{"rule_id": "phq9-item9", "item_id": "phq9_9", "message": "Item 9 above 0."}],
    },
    ASSIGNMENT_CANCELLED: {
        "assignment_id": ASSIGNMENT_ID,
        "client_id": "client-ada",
        "cancelled_by": "therapist-1",
        "reason": None,
    },
    DUE_DATE_EXTENDED: {
        "assignment_id": ASSIGNMENT_ID,
        "client_id": "client-ada",
        "activity_title": "Mood check-in",
        "previous_due_at": "2026-03-03T09:00:00+00:00",
        "due_at": "2026-03-05T09:00:00+00:00",
        "expires_at": "2026-03-06T09:00:00+00:00",
        "release_at": None,
        "reminders": [{"anchor": "due", "offset_minutes": -60}],
        "extended_by": "therapist-1",
    },
    RISK_FLAG_RAISED: {
        "flag_id": "9a1f0c55-7d2e-4c1b-8e3a-2b6d4f8c0e71",
        "assignment_id": ASSIGNMENT_ID,
        "activity_id": ACTIVITY_ID,
        "activity_version": 1,
        "client_id": "client-ada",
        "therapist_id": "therapist-1",
        "measure": "PHQ-9",
        "rule_id": "phq9-item9",
        "item_id": "q9",
        "message": "Thoughts of self-harm reported.",
    },
    RISK_FLAG_ACKNOWLEDGED: {
        "flag_id": "9a1f0c55-7d2e-4c1b-8e3a-2b6d4f8c0e71",
        "assignment_id": ASSIGNMENT_ID,
        "client_id": "client-ada",
        "acknowledged_by": "therapist-1",
        "note": "Called the client; safety plan reviewed.",
    },
    ASSIGNMENT_OPENED: {"assignment_id": ASSIGNMENT_ID, "client_id": "client-ada", "opened_at": "2025-03-02T08:00:00Z"},
    ASSIGNMENT_EXPIRED: {
        "assignment_id": ASSIGNMENT_ID,
        "client_id": "client-ada",
        "due_at": "2025-03-08T09:30:00+00:00",
        "expired_at": "2025-03-09T09:30:00+00:00",
    },
    ASSIGNMENT_EXPIRY_DUE: {
        "assignment_id": ASSIGNMENT_ID,
        "client_id": "client-ada",
        "expires_at": "2025-03-09T09:30:00+00:00",
    },
    NOTIFICATION_SENT: {
        "notification_id": "7c3e1a2b-0d4f-4e5a-9b6c-1d2e3f4a5b6c",
        "client_id": "client-ada",
        "assignment_id": ASSIGNMENT_ID,
        "kind": "reminder",
        "channel": "email",
        "attempt": 1,
        "attempted_at": "2025-03-03T09:30:00+00:00",
    },
    NOTIFICATION_FAILED: {
        "notification_id": "7c3e1a2b-0d4f-4e5a-9b6c-1d2e3f4a5b6c",
        "client_id": "client-ada",
        "assignment_id": None,
        "kind": "follow_up",
        "channel": "webhook",
        "attempt": 5,
        "attempted_at": "2025-03-03T09:30:00+00:00",
        "error": "HTTP 503",
        "final": True,
    },
    RELEASE_SCHEDULED: {
        "schedule_id": "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b",
        "schedule_kind": "recurrence",
        "client_id": "client-ada",
        "release_at": "2026-03-29T06:00:00+00:00",
    },
    RELEASE_DUE: {
        "schedule_id": "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b",
        "schedule_kind": "recurrence",
        "client_id": "client-ada",
        "release_at": "2026-03-29T06:00:00+00:00",
    },
}

SOURCES = {
    ACTIVITY_PUBLISHED: "activities",
    ACTIVITY_ASSIGNED: "assignments",
    RESPONSE_SUBMITTED: "assignments",
    RESPONSE_SCORED: "assignments",
    ASSIGNMENT_CANCELLED: "assignments",
    DUE_DATE_EXTENDED: "assignments",
    RISK_FLAG_RAISED: "assignments",
    RISK_FLAG_ACKNOWLEDGED: "assignments",
    ASSIGNMENT_OPENED: "assignments",
    ASSIGNMENT_EXPIRED: "assignments",
    ASSIGNMENT_EXPIRY_DUE: "notifications",
    NOTIFICATION_SENT: "notifications",
    NOTIFICATION_FAILED: "notifications",
    RELEASE_SCHEDULED: "assignments",
    RELEASE_DUE: "notifications",
}


def envelope(event_type: str = ACTIVITY_ASSIGNED, **changes: Any) -> dict[str, Any]:
    """A valid envelope of ``event_type``; ``changes`` replace envelope fields."""
    body = make_envelope(
        event_id=event_id_for(SOURCES[event_type], uuid.UUID(ASSIGNMENT_ID), 1),
        event_type=event_type,
        schema_version=1,
        occurred_at=OCCURRED_AT,
        clinic_id="clinic-demo",
        correlation_id="corr-1",
        source=SOURCES[event_type],
        position=1,
        payload=copy.deepcopy(PAYLOADS[event_type]),
    )
    return {**body, **changes}


def rejection(body: Any) -> dict[str, Any]:
    """The messages of the ValidationError ``load_event`` must raise."""
    with pytest.raises(ValidationError) as caught:
        load_event(body)
    messages = caught.value.messages
    assert isinstance(messages, dict)
    return messages


def test_every_event_type_has_an_example() -> None:
    assert {event_type for event_type, _ in PAYLOAD_SCHEMAS} == set(PAYLOADS)


@pytest.mark.parametrize("event_type", sorted(PAYLOADS))
def test_a_valid_envelope_of_each_event_type_loads(event_type: str) -> None:
    body = envelope(event_type)

    event = load_event(body)

    assert isinstance(event, Event)
    assert event.event_type == event_type
    assert event.event_id == uuid.UUID(body["event_id"])
    assert event.occurred_at == OCCURRED_AT
    assert event.clinic_id == "clinic-demo"
    assert event.position == 1
    assert set(event.payload) >= set(PAYLOADS[event_type]) - {"scores"}


@pytest.mark.parametrize("event_type", sorted(PAYLOADS))
def test_validate_event_returns_a_valid_envelope_unchanged(event_type: str) -> None:
    body = envelope(event_type)
    before = copy.deepcopy(body)

    assert validate_event(body) is body
    assert body == before


def test_load_event_types_the_payload() -> None:
    event = load_event(envelope(ACTIVITY_ASSIGNED))

    assert event.payload["assignment_id"] == uuid.UUID(ASSIGNMENT_ID)
    assert event.payload["due_at"] == datetime(2025, 3, 8, 9, 30, tzinfo=UTC)


def test_response_submitted_scores_default_to_empty() -> None:
    body = envelope(RESPONSE_SUBMITTED)
    del body["payload"]["scores"]

    assert load_event(body).payload["scores"] == {}


def test_an_assignment_may_have_no_due_date() -> None:
    body = envelope(ACTIVITY_ASSIGNED)
    body["payload"]["due_at"] = None

    assert load_event(body).payload["due_at"] is None


@pytest.mark.parametrize(
    "field",
    ["event_id", "event_type", "schema_version", "occurred_at", "clinic_id", "correlation_id", "source", "position"],
)
def test_a_missing_envelope_field_is_named(field: str) -> None:
    body = envelope()
    del body[field]

    assert field in rejection(body)
    with pytest.raises(ValidationError):
        validate_event(body)


def test_a_missing_payload_is_named() -> None:
    body = envelope()
    del body["payload"]

    assert "payload" in rejection(body)


def test_an_unknown_event_type_is_rejected_on_event_type() -> None:
    body = {**envelope(ACTIVITY_ASSIGNED), "event_type": "ActivityArchived"}

    assert "event_type" in rejection(body)


def test_an_unknown_schema_version_is_rejected_on_event_type() -> None:
    assert "event_type" in rejection(envelope(schema_version=2))


def test_a_bad_payload_is_reported_under_payload_naming_the_field() -> None:
    body = envelope(ACTIVITY_ASSIGNED)
    body["payload"]["assignment_id"] = "not-a-uuid"
    del body["payload"]["client_id"]

    messages = rejection(body)

    assert set(messages) == {"payload"}
    assert set(messages["payload"]) == {"assignment_id", "client_id"}
    with pytest.raises(ValidationError):
        validate_event(body)


def test_a_payload_of_another_event_type_is_rejected() -> None:
    body = envelope(ASSIGNMENT_CANCELLED, payload=PAYLOADS[RESPONSE_SUBMITTED])

    assert "payload" in rejection(body)


def test_a_published_item_is_checked_against_the_item_contract() -> None:
    body = envelope(ACTIVITY_PUBLISHED)
    body["payload"]["items"][0]["max"] = 0

    messages = rejection(body)

    assert "items" in messages["payload"]


def test_a_naive_occurred_at_is_rejected() -> None:
    body = envelope(occurred_at="2025-03-01T09:30:00")

    assert "occurred_at" in rejection(body)


def test_a_naive_datetime_in_the_payload_is_rejected() -> None:
    body = envelope(ACTIVITY_ASSIGNED)
    body["payload"]["due_at"] = "2025-03-08T09:30:00"

    assert "due_at" in rejection(body)["payload"]


def test_a_position_below_one_is_rejected() -> None:
    assert "position" in rejection(envelope(position=0))


def test_an_unknown_envelope_field_is_rejected() -> None:
    assert "extra" in rejection(envelope(extra="surprise"))


@pytest.mark.parametrize("body", [None, [], "text", 3])
def test_a_body_that_is_not_an_object_is_rejected(body: Any) -> None:
    assert "_schema" in rejection(body)


def test_event_id_for_is_deterministic_and_distinguishes_its_inputs() -> None:
    aggregate_id = uuid.UUID(ASSIGNMENT_ID)
    first = event_id_for("assignments", aggregate_id, 1)

    assert first == event_id_for("assignments", aggregate_id, 1)
    assert uuid.UUID(first).version == 5
    assert first != event_id_for("assignments", aggregate_id, 2)
    assert first != event_id_for("activities", aggregate_id, 1)
    assert first != event_id_for("assignments", uuid.UUID(ACTIVITY_ID), 1)


def test_make_envelope_writes_occurred_at_as_iso_with_its_offset() -> None:
    assert envelope()["occurred_at"] == "2025-03-01T09:30:00+00:00"
