"""Pathways with a controllable clock: every release rule, pause/resume, cancel, and the triggers' contract."""

from datetime import timedelta
from typing import Any

import pytest

from interlude_assignments.application import AssignmentsApplication
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
)
from interlude_assignments.translation import enrolment_body, to_envelope
from interlude_contracts.errors import Conflict, NotFound
from interlude_contracts.events import load_event
from interlude_contracts.testing import SCHEDULE_START, Clock

T0 = SCHEDULE_START


def step(snapshot: dict[str, Any], title: str, rule: str, **amount: int) -> dict[str, Any]:
    return {"activity": {**snapshot, "title": title}, "release": {"type": rule, **amount}, "due_after_hours": 48}


@pytest.fixture
def pathway(app: AssignmentsApplication, snapshot: dict[str, Any]) -> Any:
    return app.create_pathway(
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
    )


def statuses(app: AssignmentsApplication, enrolment_id: Any) -> list[str]:
    return [state["status"] for state in app.get_enrolment("clinic-a", enrolment_id).steps]


def submit_step(
    app: AssignmentsApplication, enrolment_id: Any, index: int, answers: dict[str, Any], clock: Clock
) -> None:
    assignment_id = app.get_enrolment("clinic-a", enrolment_id).steps[index]["assignment_id"]
    app.submit("clinic-a", assignment_id, answers, "corr-submit", "client-1")
    app.pathway_step_completed(assignment_id, clock.now, "corr-submit")


def test_every_release_rule_in_order(
    app: AssignmentsApplication, pathway: Any, clock: Clock, valid_answers: dict[str, Any]
) -> None:
    enrolment = app.enrol("clinic-a", "therapist-1", pathway.id, "client-1", "corr-enrol")
    # immediately: released at enrolment; days_after_enrolment: its time is known at once.
    assert statuses(app, enrolment.id) == [RELEASED, SCHEDULED, WAITING, WAITING, WAITING]
    assert app.get_enrolment("clinic-a", enrolment.id).steps[1]["release_at"] == T0 + timedelta(days=3)

    clock.now = T0 + timedelta(days=3)
    app.release_pathway_steps(enrolment.id, T0 + timedelta(days=3), "corr-trigger")
    assert statuses(app, enrolment.id)[:3] == [RELEASED, RELEASED, WAITING]

    clock.now += timedelta(hours=1)
    submit_step(app, enrolment.id, 1, valid_answers, clock)  # after_previous_completed: released at once
    assert statuses(app, enrolment.id)[:4] == [RELEASED, DONE, RELEASED, WAITING]

    clock.now += timedelta(hours=2)
    completed_at = clock.now
    submit_step(app, enrolment.id, 2, valid_answers, clock)  # hours_after_previous_completed: 6 h later
    state = app.get_enrolment("clinic-a", enrolment.id).steps[3]
    assert (state["status"], state["release_at"]) == (SCHEDULED, completed_at + timedelta(hours=6))

    clock.now = completed_at + timedelta(hours=6)
    app.release_pathway_steps(enrolment.id, clock.now, "corr-trigger")
    released_at = app.get_enrolment("clinic-a", enrolment.id).steps[3]["released_at"]
    state = app.get_enrolment("clinic-a", enrolment.id).steps[4]  # interval: 7 days after the previous release
    assert (state["status"], state["release_at"]) == (SCHEDULED, released_at + timedelta(days=7))

    clock.now = released_at + timedelta(days=7)
    app.release_pathway_steps(enrolment.id, clock.now, "corr-trigger")
    titles = [a.activity["title"] for a in app.for_client("clinic-a", "client-1")]
    assert titles == ["Welcome", "Sleep diary", "Reflection", "Wind-down plan", "Review"]
    assert app.get_enrolment("clinic-a", enrolment.id).status == ACTIVE


def test_a_repeated_or_early_trigger_releases_nothing_twice(
    app: AssignmentsApplication, pathway: Any, clock: Clock
) -> None:
    enrolment = app.enrol("clinic-a", "therapist-1", pathway.id, "client-1", "corr-enrol")
    due = T0 + timedelta(days=3)

    clock.now = due - timedelta(seconds=2)  # this replica's clock runs a little behind the scheduler's
    app.release_pathway_steps(enrolment.id, due, "corr-trigger")
    app.release_pathway_steps(enrolment.id, due, "corr-trigger")

    assert statuses(app, enrolment.id)[1] == RELEASED
    assert len(app.for_client("clinic-a", "client-1")) == 2


def test_pause_holds_due_steps_and_resume_releases_them(
    app: AssignmentsApplication, pathway: Any, clock: Clock
) -> None:
    enrolment = app.enrol("clinic-a", "therapist-1", pathway.id, "client-1", "corr-enrol")
    app.pause_enrolment("clinic-a", enrolment.id, "corr-pause")

    clock.now = T0 + timedelta(days=3)
    app.release_pathway_steps(enrolment.id, clock.now, "corr-trigger")
    assert statuses(app, enrolment.id)[1] == HELD
    assert app.get_enrolment("clinic-a", enrolment.id).status == PAUSED
    with pytest.raises(Conflict):
        app.pause_enrolment("clinic-a", enrolment.id, "corr-pause")

    clock.now += timedelta(days=1)
    app.resume_enrolment("clinic-a", enrolment.id, "corr-resume")
    state = app.get_enrolment("clinic-a", enrolment.id).steps[1]
    assert (state["status"], state["released_at"]) == (RELEASED, clock.now)


def test_a_cancelled_enrolment_releases_nothing_more(app: AssignmentsApplication, pathway: Any, clock: Clock) -> None:
    enrolment = app.enrol("clinic-a", "therapist-1", pathway.id, "client-1", "corr-enrol")
    app.cancel_enrolment("clinic-a", enrolment.id, "therapist-1", "corr-cancel")

    clock.now = T0 + timedelta(days=30)
    app.release_pathway_steps(enrolment.id, clock.now, "corr-trigger")

    assert app.get_enrolment("clinic-a", enrolment.id).status == CANCELLED
    assert len(app.for_client("clinic-a", "client-1")) == 1
    with pytest.raises(Conflict):
        app.resume_enrolment("clinic-a", enrolment.id, "corr")


def test_completing_every_step_completes_the_enrolment(
    app: AssignmentsApplication, snapshot: dict[str, Any], clock: Clock, valid_answers: dict[str, Any]
) -> None:
    short = app.create_pathway(
        "clinic-a",
        "therapist-1",
        "Two steps",
        [step(snapshot, "One", "immediately"), step(snapshot, "Two", "after_previous_completed")],
    )
    enrolment = app.enrol("clinic-a", "therapist-1", short.id, "client-1", "corr")
    submit_step(app, enrolment.id, 0, valid_answers, clock)
    submit_step(app, enrolment.id, 1, valid_answers, clock)

    assert app.get_enrolment("clinic-a", enrolment.id).status == COMPLETED


def test_where_each_client_stands_and_clinic_scoping(app: AssignmentsApplication, pathway: Any) -> None:
    first = app.enrol("clinic-a", "therapist-1", pathway.id, "client-1", "corr")
    app.enrol("clinic-a", "therapist-1", pathway.id, "client-2", "corr")

    bodies = [enrolment_body(e) for e in app.enrolments("clinic-a", pathway.id)]

    assert [body["client_id"] for body in bodies] == ["client-1", "client-2"]
    assert [s["status"] for s in bodies[0]["steps"]] == [RELEASED, SCHEDULED, WAITING, WAITING, WAITING]
    with pytest.raises(NotFound):
        app.enrolments("clinic-b", pathway.id)
    with pytest.raises(NotFound):
        app.get_enrolment("clinic-b", first.id)


def test_scheduled_steps_are_published_as_release_triggers(app: AssignmentsApplication, pathway: Any) -> None:
    enrolment = app.enrol("clinic-a", "therapist-1", pathway.id, "client-1", "corr")
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
    pathway = first.create_pathway(
        "clinic-a",
        "therapist-1",
        "P",
        [step(snapshot, "One", "immediately"), step(snapshot, "Two", "interval", days=2)],
    )
    enrolment = first.enrol("clinic-a", "therapist-1", pathway.id, "client-1", "corr")

    again = open_app().get_enrolment("clinic-a", enrolment.id)

    assert [s["status"] for s in again.steps] == [RELEASED, SCHEDULED]
    assert again.steps[1]["release_at"] == T0 + timedelta(days=2)
