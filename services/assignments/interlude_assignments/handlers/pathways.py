"""Pathway commands: create a pathway, enrol, release due steps, complete a step, pause, resume, cancel.

Every change to an enrolment ends in ``_advanced``: steps whose rule can now be
evaluated get their release time, due steps are released as assignments (or
held while paused), and the enrolment, its new assignments and the client's
index are saved together.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from interlude_runtime.eventstore import save_with_retry

from ..application import AssignmentsApplication
from ..domain import Assignment, new_assignment
from ..idempotency import Idempotency, create
from ..pathways import ACTIVE, PAUSED, Enrolment, Pathway, PathwayEnrolments, StepAssignment
from ..snapshot import NO_NAMES, Personalisation, pinned_version
from .command import Command, already_created, create_once, find_own


@dataclass(frozen=True)
class CreatePathway(Command[Pathway]):
    """Each step's ``activity`` (a published version) is pinned now; personalised per client on release."""

    clinic_id: str
    therapist_id: str
    name: str
    steps: list[dict[str, Any]]
    idempotency: Idempotency | None = None


@dataclass(frozen=True)
class Enrol(Command[Enrolment]):
    """Enrol now, or as of ``enrolled_at`` (a group's start: steps already due are released at once).

    The pathway must be the enrolling therapist's own: a colleague's looks absent (NotFound).
    """

    clinic_id: str
    therapist_id: str
    pathway_id: UUID
    client_id: str
    correlation_id: str
    enrolled_at: datetime | None = None
    personalisation: Personalisation = NO_NAMES
    idempotency: Idempotency | None = None


@dataclass(frozen=True)
class ReleasePathwaySteps(Command[None]):
    """The scheduler's trigger: release what is due (never earlier than the trigger's own time)."""

    enrolment_id: UUID
    release_at: datetime
    correlation_id: str


@dataclass(frozen=True)
class CompletePathwayStep(Command[None]):
    """A response to a pathway step's assignment: complete the step, then release what follows."""

    assignment_id: UUID
    completed_at: datetime
    correlation_id: str


@dataclass(frozen=True)
class _EnrolmentSwitch(Command[Enrolment]):
    """The fields of pausing and resuming, which differ only in the handler they reach.

    With ``therapist_id``, only an enrolment that therapist made.
    """

    clinic_id: str
    enrolment_id: UUID
    correlation_id: str
    therapist_id: str | None = None


@dataclass(frozen=True)
class PauseEnrolment(_EnrolmentSwitch):
    pass


@dataclass(frozen=True)
class ResumeEnrolment(_EnrolmentSwitch):
    pass


@dataclass(frozen=True)
class CancelEnrolment(Command[Enrolment]):
    """With ``therapist_id``, only an enrolment that therapist made."""

    clinic_id: str
    enrolment_id: UUID
    cancelled_by: str
    correlation_id: str
    therapist_id: str | None = None


def create_pathway(app: AssignmentsApplication, command: CreatePathway) -> Pathway:
    def fields() -> dict[str, Any]:
        pinned = [{**step, "activity": pinned_version(step["activity"])} for step in command.steps]
        return {
            "clinic_id": command.clinic_id,
            "name": command.name,
            "steps": pinned,
            "created_by": command.therapist_id,
        }

    def listed(pathway: Pathway) -> Aggregate:
        index = app.programmes_index(command.clinic_id, command.therapist_id)
        index.add_pathway(pathway.id)
        return index

    return create_once(app, command.idempotency, Pathway, fields, indexed_in=listed)


def list_pathways(app: AssignmentsApplication, clinic_id: str, therapist_id: str) -> list[Pathway]:
    """The pathways the therapist made, oldest first."""
    index = app.programmes_index(clinic_id, therapist_id)
    return [get_pathway(app, clinic_id, pathway_id, therapist_id) for pathway_id in index.pathway_ids]


def enrol(app: AssignmentsApplication, command: Enrol) -> Enrolment:
    pathway = get_pathway(app, command.clinic_id, command.pathway_id, command.therapist_id)

    def build() -> list[Aggregate]:
        # Inside build: a concurrent repeat of this enrolment that saved first is found on the retry.
        existing = already_created(app, command.idempotency, Enrolment)
        if existing is not None:
            return [pathway, existing]
        enrolment = create(
            Enrolment,
            "Enrolled",
            command.idempotency,
            clinic_id=command.clinic_id,
            client_id=command.client_id,
            therapist_id=command.therapist_id,
            pathway_id=pathway.id,
            pathway_name=pathway.name,
            steps=pathway.steps,
            enrolled_at=command.enrolled_at or app.clock(),
            correlation_id=command.correlation_id,
            personalisation=command.personalisation.as_dict(),
        )
        index = _enrolment_index(app, pathway.id)
        index.add(enrolment.id, enrolment.clinic_id, enrolment.client_id)
        return [index, *_advanced(app, enrolment, app.clock(), command.correlation_id)]

    enrolled = save_with_retry(app, build)[1]
    assert isinstance(enrolled, Enrolment)
    return enrolled


def release_pathway_steps(app: AssignmentsApplication, command: ReleasePathwaySteps) -> None:
    now = max(app.clock(), command.release_at)
    _change(app, command.enrolment_id, lambda _: None, now, command.correlation_id)


def complete_pathway_step(app: AssignmentsApplication, command: CompletePathwayStep) -> None:
    """One read by id: most responses belong to no pathway, and cost nothing more (docs/pathways.md)."""
    released = app.find(StepAssignment.create_id(command.assignment_id), StepAssignment)
    if released is None:
        return
    _change(
        app,
        released.enrolment_id,
        lambda enrolment: enrolment.complete_step(released.step, command.completed_at, command.correlation_id),
        app.clock(),
        command.correlation_id,
    )


def pause_enrolment(app: AssignmentsApplication, command: PauseEnrolment) -> Enrolment:
    get_enrolment(app, command.clinic_id, command.enrolment_id, command.therapist_id)
    return _changed(app, command.enrolment_id, lambda e: e.pause(command.correlation_id), command.correlation_id)


def resume_enrolment(app: AssignmentsApplication, command: ResumeEnrolment) -> Enrolment:
    get_enrolment(app, command.clinic_id, command.enrolment_id, command.therapist_id)
    return _changed(app, command.enrolment_id, lambda e: e.resume(command.correlation_id), command.correlation_id)


def cancel_enrolment(app: AssignmentsApplication, command: CancelEnrolment) -> Enrolment:
    get_enrolment(app, command.clinic_id, command.enrolment_id, command.therapist_id)
    return _changed(
        app,
        command.enrolment_id,
        lambda e: e.cancel(command.cancelled_by, command.correlation_id),
        command.correlation_id,
    )


def get_pathway(
    app: AssignmentsApplication, clinic_id: str, pathway_id: UUID, therapist_id: str | None = None
) -> Pathway:
    """The pathway if it is in the clinic (and created by the therapist, when one is named); else NotFound."""
    return find_own(app, Pathway, pathway_id, clinic_id, therapist_id, made_by=lambda found: found.created_by)


def get_enrolment(
    app: AssignmentsApplication, clinic_id: str, enrolment_id: UUID, therapist_id: str | None = None
) -> Enrolment:
    """The enrolment if it is in the clinic (and made by the therapist, when one is named); else NotFound."""
    return find_own(app, Enrolment, enrolment_id, clinic_id, therapist_id, made_by=lambda found: found.therapist_id)


def enrolments(
    app: AssignmentsApplication, clinic_id: str, pathway_id: UUID, therapist_id: str | None = None
) -> list[Enrolment]:
    """The pathway's enrolments, erased clients' left out; with ``therapist_id``, only those they made."""
    pathway = get_pathway(app, clinic_id, pathway_id, therapist_id)
    found = (app.find(i, Enrolment) for i in _enrolment_index(app, pathway.id).enrolment_ids)
    # An erased client's enrolment is unreadable for good (find gives None): the others still list.
    return [e for e in found if e is not None and therapist_id in (None, e.therapist_id)]


# -- the one way an enrolment changes ------------------------------------------


def _changed(
    app: AssignmentsApplication, enrolment_id: UUID, change: Callable[[Enrolment], Any], correlation_id: str
) -> Enrolment:
    """The enrolment after the change (an enrolment the caller has just found)."""
    enrolment = _change(app, enrolment_id, change, app.clock(), correlation_id)
    assert enrolment is not None
    return enrolment


def _change(
    app: AssignmentsApplication,
    enrolment_id: UUID,
    change: Callable[[Enrolment], Any],
    now: datetime,
    correlation_id: str,
) -> Enrolment | None:
    def build() -> list[Aggregate]:
        enrolment = app.find(enrolment_id, Enrolment)
        if enrolment is None:
            return []
        change(enrolment)
        return _advanced(app, enrolment, now, correlation_id)

    saved = save_with_retry(app, build)
    changed = saved[0] if saved else None
    return changed if isinstance(changed, Enrolment) else None


def _advanced(app: AssignmentsApplication, enrolment: Enrolment, now: datetime, correlation_id: str) -> list[Aggregate]:
    """The enrolment after releasing everything due, then the new assignments and the client's index."""
    created: list[Assignment] = []
    released: list[StepAssignment] = []
    while True:
        enrolment.plan(correlation_id)
        if enrolment.status == PAUSED:
            enrolment.hold_due(now, correlation_id)
        due = enrolment.due_steps(now) if enrolment.status == ACTIVE else []
        if not due:
            break
        for step in due:
            assignment = _step_assignment(enrolment, step, now, correlation_id)
            enrolment.record_release(step, assignment.id, now, correlation_id)
            created.append(assignment)
            released.append(
                StepAssignment(
                    assignment_id=assignment.id,
                    enrolment_id=enrolment.id,
                    step=step,
                    clinic_id=enrolment.clinic_id,
                    client_id=enrolment.client_id,
                )
            )
    if not created:
        return [enrolment]
    index = app.client_index(enrolment.clinic_id, enrolment.client_id)
    for assignment in created:
        index.add(assignment.id, assignment.therapist_id)
    return [enrolment, *created, *released, index]


def _step_assignment(enrolment: Enrolment, step: int, now: datetime, correlation_id: str) -> Assignment:
    definition = enrolment.definition[step]
    due_after = definition.get("due_after_hours")
    due = now + timedelta(hours=due_after) if due_after else None
    return new_assignment(
        definition["activity"],
        Personalisation.of(enrolment.personalisation),
        clinic_id=enrolment.clinic_id,
        client_id=enrolment.client_id,
        therapist_id=enrolment.therapist_id,
        due_at=due,
        correlation_id=correlation_id,
        release_at=now,
        expires_at=due + timedelta(hours=24) if due else None,
        reminders=None,
        origin={"enrolment_id": str(enrolment.id), "step": step},
    )


def _enrolment_index(app: AssignmentsApplication, pathway_id: UUID) -> PathwayEnrolments:
    try:
        return app.repository.get(PathwayEnrolments.create_id(pathway_id))
    except AggregateNotFoundError:
        return PathwayEnrolments(pathway_id=pathway_id)
