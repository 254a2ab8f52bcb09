"""Release, opened and expiry in the assignment log, with a clock the test moves.

The application runs on the in-memory store and, for the reload test, on SQLite
and PostgreSQL; the service is called through nameko's worker_factory with only
the activities proxy mocked.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import MagicMock
from uuid import uuid4

import pytest
from nameko.testing.services import worker_factory

from interlude_assignments.application import AssignmentsApplication, create_application
from interlude_assignments.domain import ASSIGNED, EXPIRED
from interlude_assignments.handlers import Assign, ExpireAssignment, OpenAssignment, SubmitResponse, handle
from interlude_assignments.schedules import expiry_of
from interlude_assignments.service import AssignmentsService
from interlude_assignments.translation import to_envelope
from interlude_contracts.envelope import make_envelope
from interlude_contracts.errors import Conflict, NotFound, ValidationFailed
from interlude_contracts.events import load_event
from interlude_testing import SCHEDULE_START, Clock

T0 = SCHEDULE_START


def assign(app: AssignmentsApplication, snapshot: dict[str, Any], **schedule: Any) -> Any:
    due = schedule.pop("due_at", T0 + timedelta(days=2))
    return handle(app, Assign("clinic-a", "therapist-1", "client-1", snapshot, due, "corr-assign", **schedule))


def published(app: AssignmentsApplication) -> list[Any]:
    events = []
    for notification in app.recorder.select_notifications(start=1, limit=100):
        envelope = to_envelope(app.mapper.to_domain_event(notification), notification.id)
        if envelope is not None:
            events.append(load_event(envelope))
    return events


def test_an_unreleased_assignment_is_hidden_from_the_client_until_its_release(
    app: AssignmentsApplication, snapshot: dict[str, Any], clock: Clock
) -> None:
    release = T0 + timedelta(hours=5)
    assignment = assign(app, snapshot, release_at=release)

    assert app.todo("clinic-a", "client-1") == []
    with pytest.raises(NotFound):
        app.get("clinic-a", assignment.id, "client-1")
    assert app.get("clinic-a", assignment.id).release_at == release  # the therapist sees it

    clock.now = release
    assert [a.id for a in app.todo("clinic-a", "client-1")] == [assignment.id]
    assert app.get("clinic-a", assignment.id, "client-1").id == assignment.id


def test_opening_is_recorded_once(app: AssignmentsApplication, snapshot: dict[str, Any], clock: Clock) -> None:
    assignment = assign(app, snapshot)

    handle(app, OpenAssignment("clinic-a", assignment.id, "client-1", "corr-open"))
    clock.now += timedelta(hours=1)
    again = handle(app, OpenAssignment("clinic-a", assignment.id, "client-1", "corr-open-2"))

    assert again.opened_at == T0
    opened = [event for event in published(app) if event.event_type == "AssignmentOpened"]
    assert [event.payload["opened_at"] for event in opened] == [T0]


def test_another_client_cannot_open_it(app: AssignmentsApplication, snapshot: dict[str, Any]) -> None:
    assignment = assign(app, snapshot)

    with pytest.raises(NotFound):
        handle(app, OpenAssignment("clinic-a", assignment.id, "client-2", "corr-open"))


def test_expiry_comes_only_after_the_grace_period_and_closes_the_assignment(
    app: AssignmentsApplication, snapshot: dict[str, Any], clock: Clock, valid_answers: dict[str, Any]
) -> None:
    due = T0 + timedelta(days=2)
    assignment = assign(app, snapshot, due_at=due, expires_at=expiry_of(due, timedelta(hours=6)))

    clock.now = due + timedelta(hours=5)
    assert handle(app, ExpireAssignment("clinic-a", assignment.id, "corr-x")) is False  # too early: a stale trigger
    clock.now = due + timedelta(hours=6)
    assert handle(app, ExpireAssignment("clinic-a", assignment.id, "corr-x")) is True
    assert handle(app, ExpireAssignment("clinic-a", assignment.id, "corr-x")) is False  # a redelivered trigger

    assert app.get("clinic-a", assignment.id).status == EXPIRED
    with pytest.raises(Conflict):
        handle(app, SubmitResponse("clinic-a", assignment.id, valid_answers, "corr-late", "client-1"))
    [expired] = [event for event in published(app) if event.event_type == "AssignmentExpired"]
    assert expired.payload["due_at"] == due and expired.payload["expired_at"] == due + timedelta(hours=6)


def test_a_submitted_assignment_never_expires(
    app: AssignmentsApplication, snapshot: dict[str, Any], clock: Clock, valid_answers: dict[str, Any]
) -> None:
    due = T0 + timedelta(days=2)
    assignment = assign(app, snapshot, due_at=due, expires_at=expiry_of(due, None))
    handle(app, SubmitResponse("clinic-a", assignment.id, valid_answers, "corr-submit", "client-1"))

    clock.now = due + timedelta(days=30)
    assert handle(app, ExpireAssignment("clinic-a", assignment.id, "corr-x")) is False


def test_the_default_grace_is_24_hours() -> None:
    assert expiry_of(T0, None) == T0 + timedelta(hours=24)
    assert expiry_of(None, timedelta(hours=1)) is None


def test_schedule_fields_survive_a_reload(
    application_opener: Callable[..., Callable[[], AssignmentsApplication]], snapshot: dict[str, Any]
) -> None:
    open_app = application_opener(create_application)
    reminders = [{"anchor": "due", "offset_minutes": -60}]
    first = open_app()
    assignment = assign(first, snapshot, release_at=T0, expires_at=T0 + timedelta(days=3), reminders=reminders)

    again = open_app().get("clinic-a", assignment.id)

    assert (again.release_at, again.expires_at, again.reminders, again.status) == (
        T0,
        T0 + timedelta(days=3),
        reminders,
        ASSIGNED,
    )


# -- the service entrypoints --------------------------------------------------


@pytest.fixture
def service(app: AssignmentsApplication, version_body: dict[str, Any]) -> AssignmentsService:
    activities = MagicMock()
    activities.get_version.return_value = version_body
    return worker_factory(AssignmentsService, app=app, activities=activities, metrics=None)


def in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def test_assign_takes_release_grace_and_reminders(service: AssignmentsService, version_body: dict[str, Any]) -> None:
    request = {
        "client_id": "client-1",
        "activity_id": version_body["activity_id"],
        "release_at": in_days(1),
        "due_at": in_days(3),
        "grace_hours": 12,
        "reminders": [{"anchor": "release", "offset_minutes": 60}],
    }

    body = service.assign("clinic-a", "therapist-1", request, "corr-assign")

    assert datetime.fromisoformat(body["release_at"]) == datetime.fromisoformat(request["release_at"])
    expected_expiry = datetime.fromisoformat(request["due_at"]) + timedelta(hours=12)
    assert datetime.fromisoformat(body["expires_at"]) == expected_expiry
    assert body["reminders"] == request["reminders"]


def test_a_release_after_the_due_time_is_refused(service: AssignmentsService, version_body: dict[str, Any]) -> None:
    request = {"client_id": "client-1", "activity_id": version_body["activity_id"], "due_at": in_days(1)}

    with pytest.raises(ValidationFailed) as refused:
        service.assign("clinic-a", "therapist-1", {**request, "release_at": in_days(2)}, "corr")

    assert "release_at" in refused.value.fields


def test_the_expiry_trigger_expires_the_assignment(
    service: AssignmentsService, app: AssignmentsApplication, snapshot: dict[str, Any], clock: Clock
) -> None:
    due = T0 + timedelta(days=1)
    assignment = assign(app, snapshot, due_at=due, expires_at=due + timedelta(hours=24))
    trigger = load_event(
        make_envelope(
            event_id=str(uuid4()),
            event_type="AssignmentExpiryDue",
            schema_version=1,
            occurred_at=assignment.expires_at,
            clinic_id="clinic-a",
            correlation_id="corr-trigger",
            source="notifications",
            position=1,
            payload={
                "assignment_id": str(assignment.id),
                "client_id": "client-1",
                "expires_at": assignment.expires_at.isoformat(),
            },
        )
    )
    clock.now = assignment.expires_at

    service.on_schedule_trigger(trigger)
    service.on_schedule_trigger(trigger)  # redelivered

    assert app.get("clinic-a", assignment.id).status == EXPIRED
    assert [e.event_type for e in published(app)].count("AssignmentExpired") == 1
