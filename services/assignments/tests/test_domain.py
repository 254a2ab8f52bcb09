"""The Assignment and ClientAssignments aggregates on their own: no application, no store."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from interlude_assignments.domain import (
    ASSIGNED,
    CANCELLED,
    SUBMITTED,
    AlreadySubmitted,
    Assignment,
    AssignmentCancelled,
    ClientAssignments,
    InvalidAnswers,
)

DUE = datetime(2030, 6, 1, 18, 0, tzinfo=UTC)


def assign(snapshot: dict[str, Any], due_at: datetime | None = DUE) -> Assignment:
    assignment = Assignment(
        clinic_id="clinic-a",
        client_id="client-1",
        therapist_id="therapist-1",
        activity=snapshot,
        due_at=due_at,
        correlation_id="corr-assign",
    )
    assignment.collect_events()
    return assignment


def test_assign_opens_the_assignment(snapshot: dict[str, Any]) -> None:
    assignment = Assignment(
        clinic_id="clinic-a",
        client_id="client-1",
        therapist_id="therapist-1",
        activity=snapshot,
        due_at=DUE,
        correlation_id="corr-assign",
    )

    assert (assignment.clinic_id, assignment.client_id, assignment.therapist_id) == (
        "clinic-a",
        "client-1",
        "therapist-1",
    )
    assert assignment.activity == snapshot
    assert assignment.due_at == DUE
    assert assignment.status == ASSIGNED
    assert (assignment.answers, assignment.submitted_at, assignment.cancelled_at) == (None, None, None)
    [assigned] = assignment.collect_events()
    assert isinstance(assigned, Assignment.Assigned)
    assert assigned.correlation_id == "corr-assign"


def test_submit_valid_answers(snapshot: dict[str, Any], valid_answers: dict[str, Any]) -> None:
    assignment = assign(snapshot)
    before = datetime.now(UTC)

    assignment.submit(valid_answers, correlation_id="corr-submit")

    assert assignment.status == SUBMITTED
    assert assignment.answers == valid_answers
    assert assignment.submitted_at is not None
    assert assignment.submitted_at >= before
    [submitted] = assignment.collect_events()
    assert isinstance(submitted, Assignment.ResponseSubmitted)
    assert (submitted.activity_id, submitted.activity_version) == (snapshot["activity_id"], snapshot["version"])
    assert (submitted.clinic_id, submitted.client_id, submitted.correlation_id) == (
        "clinic-a",
        "client-1",
        "corr-submit",
    )


def test_optional_items_may_be_left_out(snapshot: dict[str, Any]) -> None:
    assignment = assign(snapshot)

    assignment.submit({"mood": 0, "sleep": "poor"}, correlation_id="corr-submit")

    assert assignment.status == SUBMITTED


INVALID_ANSWERS: list[Any] = [
    pytest.param({"sleep": "good"}, {"mood"}, id="required-missing"),
    pytest.param({"mood": 11, "sleep": "good"}, {"mood"}, id="above-scale"),
    pytest.param({"mood": "7", "sleep": "good"}, {"mood"}, id="scale-as-text"),
    pytest.param({"mood": True, "sleep": "good"}, {"mood"}, id="scale-as-bool"),
    pytest.param({"mood": 5, "sleep": "great"}, {"sleep"}, id="not-an-option"),
    pytest.param({"mood": 5, "sleep": "good", "note": "x" * 51}, {"note"}, id="text-too-long"),
    pytest.param({"mood": 5, "sleep": "good", "extra": "hi"}, {"extra"}, id="unknown-item"),
    pytest.param({}, {"mood", "sleep"}, id="nothing"),
]


@pytest.mark.parametrize(("answers", "bad_items"), INVALID_ANSWERS)
def test_invalid_answers_are_rejected_by_item_and_record_nothing(
    snapshot: dict[str, Any], answers: dict[str, Any], bad_items: set[str]
) -> None:
    assignment = assign(snapshot)
    version_before = assignment.version

    with pytest.raises(InvalidAnswers) as got:
        assignment.submit(answers, correlation_id="corr-submit")

    assert set(got.value.errors) == bad_items
    assert all(got.value.errors[item] for item in bad_items)
    assert assignment.pending_events == []
    assert assignment.version == version_before
    assert (assignment.status, assignment.answers, assignment.submitted_at) == (ASSIGNED, None, None)


def test_valid_answers_are_accepted_after_invalid_ones(snapshot: dict[str, Any], valid_answers: dict[str, Any]) -> None:
    assignment = assign(snapshot)
    with pytest.raises(InvalidAnswers):
        assignment.submit({"mood": 99}, correlation_id="corr-1")

    assignment.submit(valid_answers, correlation_id="corr-2")

    assert assignment.status == SUBMITTED
    assert [type(event).__name__ for event in assignment.collect_events()] == ["ResponseSubmitted"]


def test_a_second_submission_is_refused(snapshot: dict[str, Any], valid_answers: dict[str, Any]) -> None:
    assignment = assign(snapshot)
    assignment.submit(valid_answers, correlation_id="corr-1")
    assignment.collect_events()

    with pytest.raises(AlreadySubmitted):
        assignment.submit({"mood": 1, "sleep": "poor"}, correlation_id="corr-2")

    assert assignment.answers == valid_answers
    assert assignment.pending_events == []


def test_a_submission_after_cancelling_is_refused(snapshot: dict[str, Any], valid_answers: dict[str, Any]) -> None:
    assignment = assign(snapshot)
    assignment.cancel(cancelled_by="therapist-1", reason="Changed plan", correlation_id="corr-cancel")
    assignment.collect_events()

    with pytest.raises(AssignmentCancelled):
        assignment.submit(valid_answers, correlation_id="corr-submit")

    assert (assignment.status, assignment.answers) == (CANCELLED, None)
    assert assignment.pending_events == []


def test_cancel(snapshot: dict[str, Any]) -> None:
    assignment = assign(snapshot)

    assignment.cancel(cancelled_by="therapist-2", reason=None, correlation_id="corr-cancel")

    assert assignment.status == CANCELLED
    assert assignment.cancelled_at is not None
    [cancelled] = assignment.collect_events()
    assert isinstance(cancelled, Assignment.Cancelled)
    assert (cancelled.cancelled_by, cancelled.reason, cancelled.clinic_id) == ("therapist-2", None, "clinic-a")


def test_cancelling_twice_is_refused(snapshot: dict[str, Any]) -> None:
    assignment = assign(snapshot)
    assignment.cancel(cancelled_by="therapist-1", reason=None, correlation_id="corr-1")
    assignment.collect_events()

    with pytest.raises(AssignmentCancelled):
        assignment.cancel(cancelled_by="therapist-1", reason=None, correlation_id="corr-2")
    assert assignment.pending_events == []


def test_cancelling_a_submitted_assignment_is_refused(snapshot: dict[str, Any], valid_answers: dict[str, Any]) -> None:
    assignment = assign(snapshot)
    assignment.submit(valid_answers, correlation_id="corr-1")

    with pytest.raises(AlreadySubmitted):
        assignment.cancel(cancelled_by="therapist-1", reason=None, correlation_id="corr-2")
    assert assignment.status == SUBMITTED


def test_an_undated_assignment_has_no_due_date(snapshot: dict[str, Any]) -> None:
    assert assign(snapshot, due_at=None).due_at is None


def test_client_index_id_is_stable_and_per_clinic_and_client() -> None:
    key = ClientAssignments.create_id("clinic-a", "client-1")

    assert key == ClientAssignments.create_id("clinic-a", "client-1")
    assert key != ClientAssignments.create_id("clinic-b", "client-1")
    assert key != ClientAssignments.create_id("clinic-a", "client-2")
    assert ClientAssignments(clinic_id="clinic-a", client_id="client-1").id == key


def test_client_index_lists_added_assignments_in_order(snapshot: dict[str, Any]) -> None:
    index = ClientAssignments(clinic_id="clinic-a", client_id="client-1")
    first, second = assign(snapshot), assign(snapshot, due_at=DUE + timedelta(days=1))

    index.add(first.id)
    index.add(second.id)

    assert index.assignment_ids == [first.id, second.id]
