"""Scoring, risk flags, branching and personalisation as the assignments service applies them.

Mocking policy as in test_service.py: only the activities RPC proxy is a mock, returning a
version body that satisfies the activities contract.
"""

from datetime import UTC, datetime
from typing import Any
from unittest.mock import MagicMock

import pytest
from nameko.testing.services import worker_factory

from interlude_assignments.application import AssignmentsApplication
from interlude_assignments.service import AssignmentsService
from interlude_assignments.translation import to_envelope
from interlude_contracts.activity import ActivityVersionSchema
from interlude_contracts.errors import Conflict, ValidationFailed
from interlude_contracts.events import RESPONSE_SUBMITTED, RISK_FLAG_RAISED, load_event

FREQUENCY = [
    ("0", "Not at all", 0),
    ("1", "Several days", 1),
    ("2", "More than half the days", 2),
    ("3", "Nearly every day", 3),
]


def frequency_item(item_id: str) -> dict[str, Any]:
    options = [{"value": value, "label": label, "score": score} for value, label, score in FREQUENCY]
    return {
        "id": item_id,
        "type": "single_choice",
        "prompt": f"{item_id}, {{{{client.first_name}}}}?",
        "options": options,
    }


SCORED_VERSION: dict[str, Any] = ActivityVersionSchema().dump(
    ActivityVersionSchema().load(
        {
            "activity_id": "0b7d3c1e-9a5e-4a53-8f5b-5a1f3f2a9c11",
            "clinic_id": "clinic-a",
            "version": 2,
            "title": "Mini screen for {{client.first_name}}",
            "instructions": "{{therapist.name}} at {{clinic.name}} would like to know.",
            "measure": "MINI-3",
            "items": [
                frequency_item("low_mood"),
                frequency_item("worry"),
                frequency_item("harm"),
                {
                    "id": "details",
                    "type": "free_text",
                    "prompt": "Tell us more",
                    "show_if": {"all": [{"item_id": "harm", "operator": "not_equals", "value": "0"}]},
                },
            ],
            "pages": [
                {"id": "screen", "item_ids": ["low_mood", "worry", "harm"]},
                {"id": "more", "item_ids": ["details"]},
            ],
            "scoring": {
                "total": {
                    "items": ["low_mood", "worry", "harm"],
                    "bands": [{"min": 0, "max": 4, "label": "low"}, {"min": 5, "max": 9, "label": "high"}],
                    "cutoff": 5,
                },
                "subscales": {"mood": {"items": ["low_mood"]}},
                "risk_rules": [
                    {
                        "id": "harm-any",
                        "item_id": "harm",
                        "operator": "not_equals",
                        "value": "0",
                        "message": "Harm item endorsed.",
                    }
                ],
            },
            "published_at": datetime(2026, 1, 5, tzinfo=UTC).isoformat(),
            "published_by": "therapist-1",
        }
    )
)


@pytest.fixture
def service(memory_app: AssignmentsApplication) -> AssignmentsService:
    activities = MagicMock()
    activities.get_version.return_value = SCORED_VERSION
    return worker_factory(AssignmentsService, app=memory_app, activities=activities, metrics=None)


def assign(service: AssignmentsService, **names: Any) -> dict[str, Any]:
    request = {"client_id": "client-1", "activity_id": SCORED_VERSION["activity_id"], **names}
    return service.assign("clinic-a", "therapist-1", request, "corr-assign")


def submit(service: AssignmentsService, assignment: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    """Submit as the client; return the therapist's view of the result (with scores)."""
    seen_by_client = service.submit_response(
        "clinic-a", "client-1", assignment["assignment_id"], {"answers": answers}, "corr-submit"
    )
    assert "scores" not in seen_by_client and "risk_flags" not in seen_by_client
    return service.get_assignment("clinic-a", assignment["assignment_id"])


def events_of(app: AssignmentsApplication) -> list[Any]:
    return [app.mapper.to_domain_event(item) for item in app.recorder.select_notifications(start=1, limit=100)]


def envelopes(app: AssignmentsApplication) -> list[dict[str, Any]]:
    found = []
    for position, event in enumerate(events_of(app), 1):
        envelope = to_envelope(event, position)
        if envelope:
            found.append(envelope)
    return found


def test_personalisation_fills_tokens_in_the_assignment_copy_only(service: AssignmentsService) -> None:
    body = assign(service, client_first_name="Ada", therapist_name="Dr Lee", clinic_name="Harbour Clinic")

    assert body["title"] == "Mini screen for Ada"
    assert body["instructions"] == "Dr Lee at Harbour Clinic would like to know."
    assert body["items"][0]["prompt"] == "low_mood, Ada?"
    assert SCORED_VERSION["title"] == "Mini screen for {{client.first_name}}"
    anonymous = assign(service)
    assert anonymous["title"] == "Mini screen for there"
    assert anonymous["instructions"] == "your therapist at your clinic would like to know."


def test_a_response_is_scored_from_the_exact_version_and_the_scores_travel_in_response_submitted(
    service: AssignmentsService, memory_app: AssignmentsApplication
) -> None:
    assignment = assign(service)

    body = submit(service, assignment, {"low_mood": "3", "worry": "2", "harm": "0"})

    assert body["scores"] == {
        "total": {"value": 5, "band": "high", "above_cutoff": True},
        "mood": {"value": 3, "band": None, "above_cutoff": None},
    }
    assert body["risk_flags"] == []
    submitted = [load_event(e) for e in envelopes(memory_app) if e["event_type"] == RESPONSE_SUBMITTED]
    assert len(submitted) == 1
    payload = submitted[0].payload
    assert (payload["measure"], payload["scores"]["total"]["value"], payload["risk_flags"]) == ("MINI-3", 5, [])
    assert not [e for e in envelopes(memory_app) if e["event_type"] == RISK_FLAG_RAISED]


def test_a_critical_answer_raises_one_risk_flag_event_in_the_same_save(
    service: AssignmentsService, memory_app: AssignmentsApplication
) -> None:
    assignment = assign(service)

    body = submit(service, assignment, {"low_mood": "0", "worry": "0", "harm": "2", "details": "Sometimes at night"})

    assert body["risk_flags"] == [{"rule_id": "harm-any", "item_id": "harm", "message": "Harm item endorsed."}]
    all_envelopes = envelopes(memory_app)
    assert [e["event_type"] for e in all_envelopes][-2:] == [RESPONSE_SUBMITTED, RISK_FLAG_RAISED]
    flag = load_event(all_envelopes[-1])
    assert flag.payload | {"flag_id": None} == {
        "flag_id": None,
        "assignment_id": flag.payload["assignment_id"],
        "activity_id": flag.payload["activity_id"],
        "activity_version": 2,
        "client_id": "client-1",
        "therapist_id": "therapist-1",
        "measure": "MINI-3",
        "rule_id": "harm-any",
        "item_id": "harm",
        "message": "Harm item endorsed.",
    }
    assert str(flag.payload["assignment_id"]) == assignment["assignment_id"]
    assert load_event(all_envelopes[-2]).payload["risk_flags"] == body["risk_flags"]
    assert all_envelopes[-1]["clinic_id"] == "clinic-a"


def test_branching_is_honoured_at_submission_and_nothing_is_stored_when_it_is_not(
    service: AssignmentsService, memory_app: AssignmentsApplication
) -> None:
    assignment = assign(service)
    before = memory_app.recorder.max_notification_id()

    with pytest.raises(ValidationFailed) as hidden_answered:
        submit(service, assignment, {"low_mood": "0", "worry": "0", "harm": "0", "details": "x"})
    with pytest.raises(ValidationFailed) as shown_missing:
        submit(service, assignment, {"low_mood": "0", "worry": "0", "harm": "1"})

    assert set(hidden_answered.value.fields["answers"]) == {"details"}
    assert set(shown_missing.value.fields["answers"]) == {"details"}
    assert memory_app.recorder.max_notification_id() == before
    assert submit(service, assignment, {"low_mood": "0", "worry": "0", "harm": "0"})["status"] == "submitted"


def test_a_submitted_assignment_keeps_rendering_as_assigned(service: AssignmentsService) -> None:
    assignment = assign(service, client_first_name="Ada")
    submit(service, assignment, {"low_mood": "1", "worry": "1", "harm": "0"})

    again = service.get_assignment("clinic-a", assignment["assignment_id"])

    assert again["pages"] == SCORED_VERSION["pages"] and again["title"] == "Mini screen for Ada"
    assert again["scores"]["total"]["value"] == 2 and again["measure"] == "MINI-3"


def test_the_client_sees_their_answers_but_not_scores_or_flags(service: AssignmentsService) -> None:
    assignment = assign(service)
    submit(service, assignment, {"low_mood": "3", "worry": "3", "harm": "3", "details": "x"})

    own = service.get_assignment("clinic-a", assignment["assignment_id"], "client-1")

    assert own["answers"]["harm"] == "3" and own["status"] == "submitted"
    assert "scores" not in own and "risk_flags" not in own


def test_an_archived_activity_cannot_be_assigned(memory_app: AssignmentsApplication) -> None:
    activities = MagicMock()
    activities.get_version.return_value = SCORED_VERSION | {"archived": True}
    service = worker_factory(AssignmentsService, app=memory_app, activities=activities, metrics=None)

    with pytest.raises(Conflict) as caught:
        assign(service)
    assert "archived" in caught.value.fields["activity_id"][0]
    assert memory_app.recorder.max_notification_id() in (None, 0)
