"""Extending a due date: the handler, its refusals, the RPC entrypoint and the published DueDateExtended.

The application runs on the in-memory store with a clock the test moves (and,
for the reload test, on SQLite and PostgreSQL); the service is called through
nameko's worker_factory with only the activities proxy mocked.
"""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import MagicMock

import pytest
from nameko.testing.services import worker_factory

from interlude_assignments.application import AssignmentsApplication, create_application
from interlude_assignments.domain import ASSIGNED, Assignment
from interlude_assignments.handlers import (
    Assign,
    CancelAssignment,
    ExpireAssignment,
    ExtendDueDate,
    SubmitResponse,
    handle,
)
from interlude_assignments.service import AssignmentsService
from interlude_assignments.translation import SOURCE, to_envelope
from interlude_contracts.errors import Conflict, NotFound, ValidationFailed
from interlude_contracts.events import DUE_DATE_EXTENDED, Event, load_event
from interlude_testing import SCHEDULE_START, Clock

T0 = SCHEDULE_START
DUE = T0 + timedelta(days=2)
GRACE = timedelta(hours=6)
REMINDERS = [{"anchor": "due", "offset_minutes": -60}]


def assign(app: AssignmentsApplication, snapshot: dict[str, Any], **schedule: Any) -> Any:
    due = schedule.pop("due_at", DUE)
    return handle(app, Assign("clinic-a", "therapist-1", "client-1", snapshot, due, "corr-assign", **schedule))


def extend(app: AssignmentsApplication, assignment_id: Any, due_at: datetime | None, **options: Any) -> Any:
    correlation_id = options.pop("correlation_id", "corr-extend")
    return handle(app, ExtendDueDate("clinic-a", assignment_id, due_at, "therapist-1", correlation_id, **options))


def published(app: AssignmentsApplication) -> list[Event]:
    events = []
    for notification in app.recorder.select_notifications(start=1, limit=100):
        envelope = to_envelope(app.mapper.to_domain_event(notification), notification.id)
        if envelope is not None:
            events.append(load_event(envelope))
    return events


def extensions(app: AssignmentsApplication) -> list[Event]:
    return [event for event in published(app) if event.event_type == DUE_DATE_EXTENDED]


def test_the_due_date_moves_later_and_the_expiry_moves_by_as_much(
    app: AssignmentsApplication, snapshot: dict[str, Any]
) -> None:
    assignment = assign(app, snapshot, expires_at=DUE + GRACE)
    later = DUE + timedelta(days=3)

    extended = extend(app, assignment.id, later)

    assert (extended.due_at, extended.expires_at, extended.status) == (later, later + GRACE, ASSIGNED)
    again = app.get("clinic-a", assignment.id)
    assert (again.due_at, again.expires_at) == (later, later + GRACE)


def test_the_published_event_carries_what_consumers_plan_with(
    app: AssignmentsApplication, snapshot: dict[str, Any]
) -> None:
    release = T0 + timedelta(hours=5)
    assignment = assign(app, snapshot, release_at=release, expires_at=DUE + GRACE, reminders=REMINDERS)
    later = DUE + timedelta(days=1)

    extend(app, assignment.id, later, correlation_id="corr-extend-1")

    [event] = extensions(app)
    assert (event.event_type, event.schema_version, event.source) == (DUE_DATE_EXTENDED, 1, SOURCE)
    assert (event.clinic_id, event.correlation_id) == ("clinic-a", "corr-extend-1")
    assert event.payload == {
        "assignment_id": assignment.id,
        "client_id": "client-1",
        "activity_title": snapshot["title"],
        "previous_due_at": DUE,
        "due_at": later,
        "expires_at": later + GRACE,
        "release_at": release,
        "reminders": REMINDERS,
        "extended_by": "therapist-1",
    }


def test_an_assignment_released_when_assigned_tells_consumers_when_that_was(
    app: AssignmentsApplication, snapshot: dict[str, Any]
) -> None:
    """Reminders anchored on the release must not move to the time of the extension."""
    assignment = assign(app, snapshot, expires_at=DUE + GRACE)

    extend(app, assignment.id, DUE + timedelta(days=1))

    [event] = extensions(app)
    assert event.payload["release_at"] == app.get("clinic-a", assignment.id).created_on


def test_the_envelope_is_deterministic_and_loads_under_the_contract(snapshot: dict[str, Any]) -> None:
    assignment = Assignment(
        clinic_id="clinic-a",
        client_id="client-1",
        therapist_id="therapist-1",
        activity=snapshot,
        due_at=DUE,
        correlation_id="corr-assign",
    )
    assert assignment.extend_due_date(DUE + timedelta(days=1), "therapist-1", "corr-extend") is True
    [_, extended] = assignment.collect_events()

    envelope = to_envelope(extended, 42)

    assert (envelope["event_type"], envelope["position"], envelope["source"]) == (DUE_DATE_EXTENDED, 42, SOURCE)
    assert envelope["payload"]["due_at"] == (DUE + timedelta(days=1)).isoformat()
    assert envelope["payload"]["expires_at"] is None  # no expiry before, none after
    assert envelope["payload"]["reminders"] is None  # the clinic's defaults apply
    assert to_envelope(extended, 500)["event_id"] == envelope["event_id"]
    assert load_event(json.loads(json.dumps(envelope))).payload["previous_due_at"] == DUE


def test_the_same_due_date_again_records_nothing(app: AssignmentsApplication, snapshot: dict[str, Any]) -> None:
    assignment = assign(app, snapshot, expires_at=DUE + GRACE)
    later = DUE + timedelta(days=1)
    extend(app, assignment.id, later)
    recorded = app.recorder.max_notification_id()

    again = extend(app, assignment.id, later, correlation_id="corr-extend-retry")

    assert (again.due_at, again.expires_at) == (later, later + GRACE)
    assert app.recorder.max_notification_id() == recorded
    assert [event.correlation_id for event in extensions(app)] == ["corr-extend"]


def test_extending_twice_moves_from_the_latest_date(app: AssignmentsApplication, snapshot: dict[str, Any]) -> None:
    assignment = assign(app, snapshot, expires_at=DUE + GRACE)
    first, second = DUE + timedelta(days=1), DUE + timedelta(days=4)

    extend(app, assignment.id, first)
    extend(app, assignment.id, second, correlation_id="corr-extend-2")

    payloads = [event.payload for event in extensions(app)]
    assert [(p["previous_due_at"], p["due_at"], p["expires_at"]) for p in payloads] == [
        (DUE, first, first + GRACE),
        (first, second, second + GRACE),
    ]


def test_an_earlier_due_date_is_refused_naming_due_at(app: AssignmentsApplication, snapshot: dict[str, Any]) -> None:
    assignment = assign(app, snapshot, expires_at=DUE + GRACE)
    recorded = app.recorder.max_notification_id()

    with pytest.raises(ValidationFailed) as refused:
        extend(app, assignment.id, DUE - timedelta(minutes=1))

    assert "due_at" in refused.value.fields
    assert app.recorder.max_notification_id() == recorded
    again = app.get("clinic-a", assignment.id)
    assert (again.due_at, again.expires_at) == (DUE, DUE + GRACE)


def test_an_undated_assignment_can_be_given_a_due_date(app: AssignmentsApplication, snapshot: dict[str, Any]) -> None:
    assignment = assign(app, snapshot, due_at=None)

    extended = extend(app, assignment.id, DUE)

    assert (extended.due_at, extended.expires_at) == (DUE, None)
    [event] = extensions(app)
    assert (event.payload["previous_due_at"], event.payload["due_at"]) == (None, DUE)


def _submit(app: AssignmentsApplication, assignment: Any, clock: Clock) -> None:
    answers = {"mood": 7, "sleep": "good"}
    handle(app, SubmitResponse("clinic-a", assignment.id, answers, "corr-submit", "client-1"))


def _cancel(app: AssignmentsApplication, assignment: Any, clock: Clock) -> None:
    handle(app, CancelAssignment("clinic-a", assignment.id, "therapist-1", None, "corr-cancel"))


def _expire(app: AssignmentsApplication, assignment: Any, clock: Clock) -> None:
    clock.now = assignment.expires_at
    assert handle(app, ExpireAssignment("clinic-a", assignment.id, "corr-expire"))


@pytest.mark.parametrize("close", [_submit, _cancel, _expire], ids=["submitted", "cancelled", "expired"])
def test_a_closed_assignment_cannot_be_extended(
    app: AssignmentsApplication, snapshot: dict[str, Any], clock: Clock, close: Callable[..., None]
) -> None:
    assignment = assign(app, snapshot, expires_at=DUE + GRACE)
    close(app, assignment, clock)
    recorded = app.recorder.max_notification_id()

    with pytest.raises(Conflict) as refused:
        extend(app, assignment.id, DUE + timedelta(days=7))

    assert "assignment_id" in refused.value.fields
    assert app.recorder.max_notification_id() == recorded
    assert extensions(app) == []


def test_another_therapists_assignment_is_not_found(app: AssignmentsApplication, snapshot: dict[str, Any]) -> None:
    assignment = assign(app, snapshot)

    with pytest.raises(NotFound):
        extend(app, assignment.id, DUE + timedelta(days=1), therapist_id="therapist-2")
    assert extensions(app) == []

    extended = extend(app, assignment.id, DUE + timedelta(days=1), therapist_id="therapist-1")
    assert extended.due_at == DUE + timedelta(days=1)


def test_another_clinics_assignment_is_not_found(app: AssignmentsApplication, snapshot: dict[str, Any]) -> None:
    assignment = assign(app, snapshot)

    with pytest.raises(NotFound):
        handle(app, ExtendDueDate("clinic-b", assignment.id, DUE + timedelta(days=1), "therapist-1", "corr"))


def test_the_extension_survives_a_reload(
    application_opener: Callable[..., Callable[[], AssignmentsApplication]], snapshot: dict[str, Any]
) -> None:
    open_app = application_opener(create_application)
    first = open_app()
    assignment = assign(first, snapshot, expires_at=DUE + GRACE, reminders=REMINDERS)
    later = DUE + timedelta(days=2)
    extend(first, assignment.id, later)

    again = open_app().get("clinic-a", assignment.id)

    assert (again.due_at, again.expires_at, again.reminders, again.status) == (
        later,
        later + GRACE,
        REMINDERS,
        ASSIGNED,
    )


# -- the service entrypoint ---------------------------------------------------


@pytest.fixture
def service(app: AssignmentsApplication, version_body: dict[str, Any]) -> AssignmentsService:
    activities = MagicMock()
    activities.get_version.return_value = version_body
    return worker_factory(AssignmentsService, app=app, activities=activities, metrics=None)


def in_days(days: float) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def test_the_entrypoint_extends_and_returns_the_assignment(
    service: AssignmentsService, app: AssignmentsApplication, snapshot: dict[str, Any]
) -> None:
    due = in_days(2)
    assignment = assign(app, snapshot, due_at=due, expires_at=due + GRACE)
    later = in_days(5)

    body = service.extend_due_date(
        "clinic-a", "therapist-1", str(assignment.id), {"due_at": later.isoformat()}, "corr-rpc"
    )

    assert body["assignment_id"] == str(assignment.id)
    assert datetime.fromisoformat(body["due_at"]) == later
    assert datetime.fromisoformat(body["expires_at"]) == later + GRACE
    [event] = extensions(app)
    assert (event.correlation_id, event.payload["extended_by"]) == ("corr-rpc", "therapist-1")


def test_the_entrypoint_refuses_a_due_date_in_the_past(
    service: AssignmentsService, app: AssignmentsApplication, snapshot: dict[str, Any]
) -> None:
    assignment = assign(app, snapshot, due_at=in_days(-3))

    with pytest.raises(ValidationFailed) as refused:
        service.extend_due_date(
            "clinic-a", "therapist-1", str(assignment.id), {"due_at": in_days(-1).isoformat()}, "corr-rpc"
        )

    assert "due_at" in refused.value.fields
    assert extensions(app) == []


@pytest.mark.parametrize(
    "request_body", [{}, {"due_at": None}, {"due_at": "next week"}, {"due_at": "2030-06-03T09:00"}]
)
def test_the_entrypoint_refuses_a_missing_or_malformed_due_date(
    service: AssignmentsService, app: AssignmentsApplication, snapshot: dict[str, Any], request_body: dict[str, Any]
) -> None:
    assignment = assign(app, snapshot, due_at=in_days(1))

    with pytest.raises(ValidationFailed) as refused:
        service.extend_due_date("clinic-a", "therapist-1", str(assignment.id), request_body, "corr-rpc")

    assert "due_at" in refused.value.fields
    assert extensions(app) == []


def test_the_entrypoint_refuses_an_earlier_due_date_naming_due_at(
    service: AssignmentsService, app: AssignmentsApplication, snapshot: dict[str, Any]
) -> None:
    assignment = assign(app, snapshot, due_at=in_days(5))

    with pytest.raises(ValidationFailed) as refused:
        service.extend_due_date(
            "clinic-a", "therapist-1", str(assignment.id), {"due_at": in_days(2).isoformat()}, "corr-rpc"
        )

    assert "due_at" in refused.value.fields


def test_the_entrypoint_hides_another_therapists_assignment(
    service: AssignmentsService, app: AssignmentsApplication, snapshot: dict[str, Any]
) -> None:
    assignment = assign(app, snapshot, due_at=in_days(1))

    with pytest.raises(NotFound):
        service.extend_due_date(
            "clinic-a",
            "therapist-2",
            str(assignment.id),
            {"due_at": in_days(3).isoformat()},
            "corr-rpc",
            therapist_id="therapist-2",
        )
    assert extensions(app) == []


def test_the_entrypoint_refuses_a_malformed_assignment_id(service: AssignmentsService) -> None:
    with pytest.raises(ValidationFailed) as refused:
        service.extend_due_date("clinic-a", "therapist-1", "not-a-uuid", {"due_at": in_days(3).isoformat()}, "corr")

    assert "assignment_id" in refused.value.fields
