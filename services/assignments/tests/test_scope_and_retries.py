"""Therapist scope and idempotent submissions in the assignment log, over memory, SQLite and PostgreSQL."""

from collections.abc import Callable
from typing import Any

import pytest

from interlude_assignments.application import AssignmentsApplication, create_application
from interlude_assignments.domain import SUBMITTED
from interlude_assignments.handlers import Assign, CancelAssignment, SubmitResponse, handle
from interlude_contracts.errors import Conflict, NotFound

ANSWERS = {"mood": 7, "sleep": "good"}


@pytest.fixture
def open_app(application_opener: Callable[..., Callable[[], AssignmentsApplication]]) -> Callable:
    return application_opener(create_application)


@pytest.fixture
def app(open_app: Callable[[], AssignmentsApplication]) -> AssignmentsApplication:
    return open_app()


def test_a_retry_with_the_same_key_returns_the_recorded_submission(
    app: AssignmentsApplication, open_app: Callable[[], AssignmentsApplication], snapshot: dict[str, Any]
) -> None:
    assignment = handle(app, Assign("clinic-a", "therapist-1", "client-1", snapshot, None, "corr-1"))
    first = handle(
        app, SubmitResponse("clinic-a", assignment.id, ANSWERS, "corr-2", "client-1", idempotency_key="key-1")
    )

    # The retry reaches another replica: a second application on the same store.
    retried = handle(
        open_app(),
        SubmitResponse("clinic-a", assignment.id, {"mood": 1, "sleep": "poor"}, "corr-3", "client-1", "key-1"),
    )

    assert (retried.status, retried.answers, retried.submitted_at) == (SUBMITTED, ANSWERS, first.submitted_at)
    assert retried.version == first.version  # nothing new was recorded


@pytest.mark.parametrize("key", [None, "another-key"])
def test_a_second_submission_without_the_same_key_is_a_conflict(
    app: AssignmentsApplication, snapshot: dict[str, Any], key: str | None
) -> None:
    assignment = handle(app, Assign("clinic-a", "therapist-1", "client-1", snapshot, None, "corr-1"))
    handle(app, SubmitResponse("clinic-a", assignment.id, ANSWERS, "corr-2", "client-1", idempotency_key="key-1"))

    with pytest.raises(Conflict):
        handle(app, SubmitResponse("clinic-a", assignment.id, ANSWERS, "corr-3", "client-1", idempotency_key=key))


def test_a_therapist_reaches_only_the_assignments_they_made(
    app: AssignmentsApplication, snapshot: dict[str, Any]
) -> None:
    mine = handle(app, Assign("clinic-a", "therapist-1", "client-1", snapshot, None, "corr-1"))
    theirs = handle(app, Assign("clinic-a", "therapist-2", "client-1", snapshot, None, "corr-2"))

    assert app.get("clinic-a", mine.id, therapist_id="therapist-1").id == mine.id
    with pytest.raises(NotFound):
        app.get("clinic-a", theirs.id, therapist_id="therapist-1")
    with pytest.raises(NotFound):
        handle(app, CancelAssignment("clinic-a", theirs.id, "therapist-1", None, "corr-3", therapist_id="therapist-1"))
    assert [a.id for a in app.for_client("clinic-a", "client-1", "therapist-1")] == [mine.id]
    assert {a.id for a in app.for_client("clinic-a", "client-1")} == {mine.id, theirs.id}
