"""A response request repeated with the same correlation id is answered as done, not as a conflict.

That request may be a redelivered RPC (the service was killed after storing the response but before
replying) or a client retrying after an error with its X-Correlation-Id: either way the response is
stored once and the caller learns it was accepted.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from interlude_assignments.application import AssignmentsApplication, create_application
from interlude_assignments.domain import SUBMITTED, AlreadySubmitted, Assignment
from interlude_assignments.handlers import Assign, SubmitResponse, handle
from interlude_contracts.errors import Conflict

OpenApp = Callable[[], AssignmentsApplication]


@pytest.fixture
def open_app(application_opener: Callable[..., OpenApp]) -> OpenApp:
    return application_opener(create_application)


def assign(app: AssignmentsApplication, snapshot: dict[str, Any]) -> Assignment:
    due = datetime.now(UTC) + timedelta(days=7)
    return handle(app, Assign("clinic-a", "therapist-1", "client-1", snapshot, due, "corr-assign"))


def submitted_events(app: AssignmentsApplication, assignment: Assignment) -> list:
    events = app.repository.event_store.get(assignment.id)
    return [e for e in events if type(e).__name__ == "ResponseSubmitted"]


def test_the_same_request_again_is_done_once(open_app: OpenApp, snapshot, valid_answers) -> None:
    app = open_app()
    assignment = assign(app, snapshot)
    handle(app, SubmitResponse("clinic-a", assignment.id, valid_answers, "corr-submit-1", client_id="client-1"))

    again = handle(
        open_app(), SubmitResponse("clinic-a", assignment.id, valid_answers, "corr-submit-1", client_id="client-1")
    )

    assert again.status == SUBMITTED
    assert len(submitted_events(open_app(), assignment)) == 1


def test_another_request_is_still_a_conflict(open_app: OpenApp, snapshot, valid_answers) -> None:
    app = open_app()
    assignment = assign(app, snapshot)
    handle(app, SubmitResponse("clinic-a", assignment.id, valid_answers, "corr-submit-1", client_id="client-1"))

    with pytest.raises(Conflict):
        handle(
            open_app(), SubmitResponse("clinic-a", assignment.id, valid_answers, "corr-submit-2", client_id="client-1")
        )


def test_same_correlation_id_with_other_answers_is_a_conflict(snapshot, valid_answers) -> None:
    assignment = Assignment("clinic-a", "client-1", "therapist-1", snapshot, None, "corr-assign")
    assignment.submit(valid_answers, "corr-submit-1")

    with pytest.raises(AlreadySubmitted):
        assignment.submit({**valid_answers, "other": "x"}, "corr-submit-1")
