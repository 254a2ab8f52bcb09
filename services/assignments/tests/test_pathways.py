"""Pathways with a controllable clock: every release rule, pause/resume, cancel, and the triggers' contract."""

from datetime import timedelta
from typing import Any

import pytest

from interlude_assignments.application import AssignmentsApplication
from interlude_assignments.handlers import (
    Assign,
    CancelEnrolment,
    CompletePathwayStep,
    CreatePathway,
    Enrol,
    PauseEnrolment,
    ReleasePathwaySteps,
    ResumeEnrolment,
    SubmitResponse,
    enrolments,
    get_enrolment,
    handle,
)
from interlude_assignments.handlers import pathways as pathway_handlers
from interlude_assignments.migrate import index_released_steps
from interlude_assignments.pathways import (
    ACTIVE,
    CANCELLED,
    COMPLETED,
    DONE,
    HELD,
    PAUSED,
    RELEASED,
    SCHEDULED,
    WAITING,
    StepAssignment,
)
from interlude_assignments.translation import enrolment_body, to_envelope
from interlude_contracts.errors import Conflict, NotFound
from interlude_contracts.events import load_event
from interlude_testing import SCHEDULE_START, Clock

T0 = SCHEDULE_START


def step(snapshot: dict[str, Any], title: str, rule: str, **amount: int) -> dict[str, Any]:
    return {"activity": {**snapshot, "title": title}, "release": {"type": rule, **amount}, "due_after_hours": 48}


@pytest.fixture
def pathway(app: AssignmentsApplication, snapshot: dict[str, Any]) -> Any:
    return handle(
        app,
        CreatePathway(
            "clinic-a",
            "therapist-1",
            "Sleep programme",
            [
                step(snapshot, "Welcome", "immediately"),
                step(snapshot, "Sleep diary", "days_after_enrolment", days=3),
                step(snapshot, "Reflection", "after_previous_completed"),
                step(snapshot, "Wind-down plan", "hours_after_previous_completed", hours=6),
                step(snapshot, "Review", "interval", days=7),
            ],
        ),
    )


def statuses(app: AssignmentsApplication, enrolment_id: Any) -> list[str]:
    return [state["status"] for state in get_enrolment(app, "clinic-a", enrolment_id).steps]


def submit_step(
    app: AssignmentsApplication, enrolment_id: Any, index: int, answers: dict[str, Any], clock: Clock
) -> None:
    assignment_id = get_enrolment(app, "clinic-a", enrolment_id).steps[index]["assignment_id"]
    handle(app, SubmitResponse("clinic-a", assignment_id, answers, "corr-submit", "client-1"))
    handle(app, CompletePathwayStep(assignment_id, clock.now, "corr-submit"))


def test_every_release_rule_in_order(
    app: AssignmentsApplication, pathway: Any, clock: Clock, valid_answers: dict[str, Any]
) -> None:
    enrolment = handle(app, Enrol("clinic-a", "therapist-1", pathway.id, "client-1", "corr-enrol"))
    # immediately: released at enrolment; days_after_enrolment: its time is known at once.
    assert statuses(app, enrolment.id) == [RELEASED, SCHEDULED, WAITING, WAITING, WAITING]
    assert get_enrolment(app, "clinic-a", enrolment.id).steps[1]["release_at"] == T0 + timedelta(days=3)

    clock.now = T0 + timedelta(days=3)
    handle(app, ReleasePathwaySteps(enrolment.id, T0 + timedelta(days=3), "corr-trigger"))
    assert statuses(app, enrolment.id)[:3] == [RELEASED, RELEASED, WAITING]

    clock.now += timedelta(hours=1)
    submit_step(app, enrolment.id, 1, valid_answers, clock)  # after_previous_completed: released at once
    assert statuses(app, enrolment.id)[:4] == [RELEASED, DONE, RELEASED, WAITING]

    clock.now += timedelta(hours=2)
    completed_at = clock.now
    submit_step(app, enrolment.id, 2, valid_answers, clock)  # hours_after_previous_completed: 6 h later
    state = get_enrolment(app, "clinic-a", enrolment.id).steps[3]
    assert (state["status"], state["release_at"]) == (SCHEDULED, completed_at + timedelta(hours=6))

    clock.now = completed_at + timedelta(hours=6)
    handle(app, ReleasePathwaySteps(enrolment.id, clock.now, "corr-trigger"))
    released_at = get_enrolment(app, "clinic-a", enrolment.id).steps[3]["released_at"]
    state = get_enrolment(app, "clinic-a", enrolment.id).steps[4]  # interval: 7 days after the previous release
    assert (state["status"], state["release_at"]) == (SCHEDULED, released_at + timedelta(days=7))

    clock.now = released_at + timedelta(days=7)
    handle(app, ReleasePathwaySteps(enrolment.id, clock.now, "corr-trigger"))
    titles = [a.activity["title"] for a in app.for_client("clinic-a", "client-1")]
    assert titles == ["Welcome", "Sleep diary", "Reflection", "Wind-down plan", "Review"]
    assert get_enrolment(app, "clinic-a", enrolment.id).status == ACTIVE


def test_a_repeated_or_early_trigger_releases_nothing_twice(
    app: AssignmentsApplication, pathway: Any, clock: Clock
) -> None:
    enrolment = handle(app, Enrol("clinic-a", "therapist-1", pathway.id, "client-1", "corr-enrol"))
    due = T0 + timedelta(days=3)

    clock.now = due - timedelta(seconds=2)  # this replica's clock runs a little behind the scheduler's
    handle(app, ReleasePathwaySteps(enrolment.id, due, "corr-trigger"))
    handle(app, ReleasePathwaySteps(enrolment.id, due, "corr-trigger"))

    assert statuses(app, enrolment.id)[1] == RELEASED
    assert len(app.for_client("clinic-a", "client-1")) == 2


def test_pause_holds_due_steps_and_resume_releases_them(
    app: AssignmentsApplication, pathway: Any, clock: Clock
) -> None:
    enrolment = handle(app, Enrol("clinic-a", "therapist-1", pathway.id, "client-1", "corr-enrol"))
    handle(app, PauseEnrolment("clinic-a", enrolment.id, "corr-pause"))

    clock.now = T0 + timedelta(days=3)
    handle(app, ReleasePathwaySteps(enrolment.id, clock.now, "corr-trigger"))
    assert statuses(app, enrolment.id)[1] == HELD
    assert get_enrolment(app, "clinic-a", enrolment.id).status == PAUSED
    with pytest.raises(Conflict):
        handle(app, PauseEnrolment("clinic-a", enrolment.id, "corr-pause"))

    clock.now += timedelta(days=1)
    handle(app, ResumeEnrolment("clinic-a", enrolment.id, "corr-resume"))
    state = get_enrolment(app, "clinic-a", enrolment.id).steps[1]
    assert (state["status"], state["released_at"]) == (RELEASED, clock.now)


def test_a_cancelled_enrolment_releases_nothing_more(app: AssignmentsApplication, pathway: Any, clock: Clock) -> None:
    enrolment = handle(app, Enrol("clinic-a", "therapist-1", pathway.id, "client-1", "corr-enrol"))
    handle(app, CancelEnrolment("clinic-a", enrolment.id, "therapist-1", "corr-cancel"))

    clock.now = T0 + timedelta(days=30)
    handle(app, ReleasePathwaySteps(enrolment.id, clock.now, "corr-trigger"))

    assert get_enrolment(app, "clinic-a", enrolment.id).status == CANCELLED
    assert len(app.for_client("clinic-a", "client-1")) == 1
    with pytest.raises(Conflict):
        handle(app, ResumeEnrolment("clinic-a", enrolment.id, "corr"))


def test_completing_every_step_completes_the_enrolment(
    app: AssignmentsApplication, snapshot: dict[str, Any], clock: Clock, valid_answers: dict[str, Any]
) -> None:
    short = handle(
        app,
        CreatePathway(
            "clinic-a",
            "therapist-1",
            "Two steps",
            [step(snapshot, "One", "immediately"), step(snapshot, "Two", "after_previous_completed")],
        ),
    )
    enrolment = handle(app, Enrol("clinic-a", "therapist-1", short.id, "client-1", "corr"))
    submit_step(app, enrolment.id, 0, valid_answers, clock)
    submit_step(app, enrolment.id, 1, valid_answers, clock)

    assert get_enrolment(app, "clinic-a", enrolment.id).status == COMPLETED


def test_where_each_client_stands_and_clinic_scoping(app: AssignmentsApplication, pathway: Any) -> None:
    first = handle(app, Enrol("clinic-a", "therapist-1", pathway.id, "client-1", "corr"))
    handle(app, Enrol("clinic-a", "therapist-1", pathway.id, "client-2", "corr"))

    bodies = [enrolment_body(e) for e in enrolments(app, "clinic-a", pathway.id)]

    assert [body["client_id"] for body in bodies] == ["client-1", "client-2"]
    assert [s["status"] for s in bodies[0]["steps"]] == [RELEASED, SCHEDULED, WAITING, WAITING, WAITING]
    with pytest.raises(NotFound):
        enrolments(app, "clinic-b", pathway.id)
    with pytest.raises(NotFound):
        get_enrolment(app, "clinic-b", first.id)


def test_scheduled_steps_are_published_as_release_triggers(app: AssignmentsApplication, pathway: Any) -> None:
    enrolment = handle(app, Enrol("clinic-a", "therapist-1", pathway.id, "client-1", "corr"))
    envelopes = []
    for notification in app.recorder.select_notifications(start=1, limit=100):
        envelope = to_envelope(app.mapper.to_domain_event(notification), notification.id)
        if envelope is not None:
            envelopes.append(load_event(envelope))

    scheduled = [e.payload for e in envelopes if e.event_type == "ReleaseScheduled"]
    assert [(p["schedule_id"], p["schedule_kind"], p["step"]) for p in scheduled] == [
        (enrolment.id, "pathway", 0),
        (enrolment.id, "pathway", 1),
    ]
    assigned = [e.payload for e in envelopes if e.event_type == "ActivityAssigned"]
    assert [p["activity_title"] for p in assigned] == ["Welcome"]


def test_an_enrolment_survives_a_reload(application_opener: Any, snapshot: dict[str, Any]) -> None:
    from interlude_assignments.application import create_application

    open_app = application_opener(create_application)
    first = open_app()
    first.clock = Clock(T0)
    pathway = handle(
        first,
        CreatePathway(
            "clinic-a",
            "therapist-1",
            "P",
            [step(snapshot, "One", "immediately"), step(snapshot, "Two", "interval", days=2)],
        ),
    )
    enrolment = handle(first, Enrol("clinic-a", "therapist-1", pathway.id, "client-1", "corr"))

    again = get_enrolment(open_app(), "clinic-a", enrolment.id)

    assert [s["status"] for s in again.steps] == [RELEASED, SCHEDULED]
    assert again.steps[1]["release_at"] == T0 + timedelta(days=2)


def counted_gets(app: AssignmentsApplication, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The ids of every aggregate the repository loads from now on."""
    loaded: list[Any] = []
    get = app.repository.get

    def counting(aggregate_id: Any, **options: Any) -> Any:
        loaded.append(aggregate_id)
        return get(aggregate_id, **options)

    monkeypatch.setattr(app.repository, "get", counting)
    return loaded


def test_a_response_outside_every_pathway_costs_one_lookup_that_finds_nothing(
    app: AssignmentsApplication, snapshot: dict[str, Any], clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    assignment = handle(app, Assign("clinic-a", "therapist-1", "client-1", snapshot, None, "corr-assign"))
    loaded = counted_gets(app, monkeypatch)

    handle(app, CompletePathwayStep(assignment.id, clock.now, "corr-submit"))

    assert loaded == [StepAssignment.create_id(assignment.id)]  # neither the assignment nor any enrolment


def test_a_step_released_before_the_step_index_completes_once_the_migration_backfilled_it(
    app: AssignmentsApplication,
    pathway: Any,
    clock: Clock,
    valid_answers: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    advanced = pathway_handlers._advanced

    def as_before_the_index(*args: Any) -> list[Any]:
        return [aggregate for aggregate in advanced(*args) if not isinstance(aggregate, StepAssignment)]

    monkeypatch.setattr(pathway_handlers, "_advanced", as_before_the_index)
    enrolment = handle(app, Enrol("clinic-a", "therapist-1", pathway.id, "client-1", "corr-enrol"))
    monkeypatch.setattr(pathway_handlers, "_advanced", advanced)

    assert index_released_steps(app) == 1
    assert index_released_steps(app) == 0  # idempotent
    submit_step(app, enrolment.id, 0, valid_answers, clock)

    assert statuses(app, enrolment.id)[0] == DONE
