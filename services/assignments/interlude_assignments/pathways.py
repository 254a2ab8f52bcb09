"""Pathways: a named sequence of steps, each an activity version with a release rule; enrolments follow one client.

Release rules of a step:

- ``immediately``: at enrolment;
- ``days_after_enrolment`` (``days``): enrolment time plus N days;
- ``after_previous_completed``: the moment the previous step's response is submitted;
- ``hours_after_previous_completed`` (``hours``): N hours after that;
- ``interval`` (``days``): N days after the previous step was released (a fixed rhythm).

The enrolment decides *when* a step is due; the assignments service creates
the step's assignment when it is released (at once, or when the scheduler's
``ReleaseDue`` arrives). A paused enrolment holds releases that come due and
releases them on resume; a cancelled one releases nothing more.
"""

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

IMMEDIATELY = "immediately"
DAYS_AFTER_ENROLMENT = "days_after_enrolment"
AFTER_PREVIOUS_COMPLETED = "after_previous_completed"
HOURS_AFTER_PREVIOUS_COMPLETED = "hours_after_previous_completed"
INTERVAL = "interval"
RELEASE_RULES = (IMMEDIATELY, DAYS_AFTER_ENROLMENT, AFTER_PREVIOUS_COMPLETED, HOURS_AFTER_PREVIOUS_COMPLETED, INTERVAL)

ACTIVE = "active"
PAUSED = "paused"
CANCELLED = "cancelled"
COMPLETED = "completed"

WAITING = "waiting"  # its rule has not fired yet
SCHEDULED = "scheduled"  # its release time is known
HELD = "held"  # came due while the enrolment was paused
RELEASED = "released"
DONE = "completed"


class PathwayError(Exception):
    pass


class Pathway(Aggregate):
    """The template: name and steps (activity snapshot, release rule, optional due time after release)."""

    @event("Created")
    def __init__(
        self,
        clinic_id: str,
        name: str,
        steps: list[dict[str, Any]],
        created_by: str,
        request_digest: str | None = None,
    ) -> None:
        self.request_digest = request_digest  # of the request that created it (idempotency.py)
        self.clinic_id = clinic_id
        self.name = name
        self.steps = steps
        self.created_by = created_by

    @event("StepsCompleted")
    def complete_steps(self, steps: list[dict[str, Any]]) -> None:
        """Each step's pinned version completed from its exact version (a pathway created without scoring)."""
        self.steps = steps


class PathwayEnrolments(Aggregate):
    """The index of a pathway's enrolments."""

    @staticmethod
    def create_id(pathway_id: UUID) -> UUID:
        from uuid import NAMESPACE_URL, uuid5

        return uuid5(NAMESPACE_URL, f"interlude:pathway-enrolments:{pathway_id}")

    @event("Started")
    def __init__(self, pathway_id: UUID) -> None:
        self.pathway_id = pathway_id
        self.enrolment_ids: list[UUID] = []

    def add(self, enrolment_id: UUID, clinic_id: str, client_id: str) -> None:
        self._enrolment_added(enrolment_id=enrolment_id, clinic_id=clinic_id, client_id=client_id)

    # Sealed under the enrolled client's key; erased, a stand-in (see groups.py). Older events name no client.
    @event("EnrolmentAdded")
    def _enrolment_added(self, enrolment_id: UUID, clinic_id: str | None = None, client_id: str | None = None) -> None:
        self.enrolment_ids.append(enrolment_id)


class StepAssignment(Aggregate):
    """Which enrolment's step an assignment was released for, found by the assignment's id alone.

    Saved with the enrolment and the step's assignment, so that a submitted response looks its
    pathway up with one read by id, which finds nothing for an assignment outside every pathway.
    """

    @staticmethod
    def create_id(assignment_id: UUID) -> UUID:
        from uuid import NAMESPACE_URL, uuid5

        return uuid5(NAMESPACE_URL, f"interlude:pathway-step-assignment:{assignment_id}")

    @event("Recorded")
    def __init__(
        self,
        assignment_id: UUID,
        enrolment_id: UUID,
        step: int,
        clinic_id: str | None = None,
        client_id: str | None = None,
    ) -> None:
        """``clinic_id`` and ``client_id`` (None in records stored before) make it the client's: sealed under
        their key, gone with it."""
        self.clinic_id = clinic_id
        self.client_id = client_id
        self.assignment_id = assignment_id
        self.enrolment_id = enrolment_id
        self.step = step


def release_time(step: dict[str, Any], *, enrolled_at: datetime, previous: dict[str, Any] | None) -> datetime | None:
    """When the step is due given what is known now; None while its rule waits on the previous step."""
    rule = step["release"]
    if rule["type"] == IMMEDIATELY:
        return enrolled_at
    if rule["type"] == DAYS_AFTER_ENROLMENT:
        return enrolled_at + timedelta(days=rule["days"])
    if previous is None:  # the first step has no previous one to wait on
        return enrolled_at
    if rule["type"] == INTERVAL:
        released: datetime | None = previous["released_at"]
        return released + timedelta(days=rule["days"]) if released else None
    completed: datetime | None = previous["completed_at"]
    if completed is None:
        return None
    return completed + timedelta(hours=rule.get("hours", 0) if rule["type"] == HOURS_AFTER_PREVIOUS_COMPLETED else 0)


class Enrolment(Aggregate):
    """One client on one pathway: where each step stands."""

    @event("Enrolled")
    def __init__(
        self,
        clinic_id: str,
        client_id: str,
        therapist_id: str,
        pathway_id: UUID,
        pathway_name: str,
        steps: list[dict[str, Any]],
        enrolled_at: datetime,
        correlation_id: str,
        personalisation: dict[str, Any] | None = None,
        request_digest: str | None = None,
    ) -> None:
        self.request_digest = request_digest  # of the request that created it (idempotency.py)
        self.personalisation = personalisation  # the names each step's assignment is personalised with
        self.clinic_id = clinic_id
        self.client_id = client_id
        self.therapist_id = therapist_id
        self.pathway_id = pathway_id
        self.pathway_name = pathway_name
        self.definition = steps
        self.enrolled_at = enrolled_at
        self.status = ACTIVE
        self.steps: list[dict[str, Any]] = [
            {"status": WAITING, "release_at": None, "released_at": None, "completed_at": None, "assignment_id": None}
            for _ in steps
        ]

    @event("DefinitionCompleted")
    def complete_definition(self, clinic_id: str, client_id: str, definition: list[dict[str, Any]]) -> None:
        """The steps' pinned versions completed from their exact versions (enrolled before scoring was kept)."""
        self.definition = definition

    # -- what is due -------------------------------------------------------------

    def plan(self, correlation_id: str) -> None:
        """Give every waiting step whose rule can now be evaluated its release time."""
        for index, state in enumerate(self.steps):
            if state["status"] != WAITING:
                continue
            previous = self.steps[index - 1] if index else None
            moment = release_time(self.definition[index], enrolled_at=self.enrolled_at, previous=previous)
            if moment is not None:
                self._step_scheduled(
                    clinic_id=self.clinic_id,
                    client_id=self.client_id,
                    step=index,
                    release_at=moment,
                    correlation_id=correlation_id,
                )

    @event("StepScheduled")
    def _step_scheduled(
        self, clinic_id: str, client_id: str, step: int, release_at: datetime, correlation_id: str
    ) -> None:
        self.steps[step].update(status=SCHEDULED, release_at=release_at)

    def due_steps(self, now: datetime) -> list[int]:
        """Steps to release now: scheduled and due (held ones too once active)."""
        if self.status != ACTIVE:
            return []
        return [
            index
            for index, state in enumerate(self.steps)
            if state["status"] == HELD or (state["status"] == SCHEDULED and state["release_at"] <= now)
        ]

    def hold_due(self, now: datetime, correlation_id: str) -> None:
        """While paused, due steps are held for the resume."""
        for index, state in enumerate(self.steps):
            if state["status"] == SCHEDULED and state["release_at"] <= now:
                self._step_held(step=index, correlation_id=correlation_id)

    @event("StepHeld")
    def _step_held(self, step: int, correlation_id: str) -> None:
        self.steps[step]["status"] = HELD

    @event("StepReleased")
    def record_release(self, step: int, assignment_id: UUID, released_at: datetime, correlation_id: str) -> None:
        self.steps[step].update(status=RELEASED, assignment_id=assignment_id, released_at=released_at)

    def step_of(self, assignment_id: UUID) -> int | None:
        for index, state in enumerate(self.steps):
            if state["assignment_id"] == assignment_id:
                return index
        return None

    def complete_step(self, step: int, completed_at: datetime, correlation_id: str) -> bool:
        if self.steps[step]["status"] != RELEASED:
            return False
        self._step_completed(step=step, completed_at=completed_at, correlation_id=correlation_id)
        if all(state["status"] == DONE for state in self.steps):
            self._completed(clinic_id=self.clinic_id, correlation_id=correlation_id)
        return True

    @event("StepCompleted")
    def _step_completed(self, step: int, completed_at: datetime, correlation_id: str) -> None:
        self.steps[step].update(status=DONE, completed_at=completed_at)

    @event("Completed")
    def _completed(self, clinic_id: str, correlation_id: str) -> None:
        self.status = COMPLETED

    # -- pause, resume, cancel -------------------------------------------------------

    def pause(self, correlation_id: str) -> None:
        self._require(ACTIVE)
        self._paused(clinic_id=self.clinic_id, correlation_id=correlation_id)

    @event("Paused")
    def _paused(self, clinic_id: str, correlation_id: str) -> None:
        self.status = PAUSED

    def resume(self, correlation_id: str) -> None:
        self._require(PAUSED)
        self._resumed(clinic_id=self.clinic_id, correlation_id=correlation_id)

    @event("Resumed")
    def _resumed(self, clinic_id: str, correlation_id: str) -> None:
        self.status = ACTIVE

    def cancel(self, cancelled_by: str, correlation_id: str) -> None:
        if self.status in (CANCELLED, COMPLETED):
            raise PathwayError(f"The enrolment is already {self.status}.")
        self._cancelled(clinic_id=self.clinic_id, cancelled_by=cancelled_by, correlation_id=correlation_id)

    @event("Cancelled")
    def _cancelled(self, clinic_id: str, cancelled_by: str, correlation_id: str) -> None:
        self.status = CANCELLED

    def _require(self, status: str) -> None:
        if self.status != status:
            raise PathwayError(f"The enrolment is {self.status}, not {status}.")
