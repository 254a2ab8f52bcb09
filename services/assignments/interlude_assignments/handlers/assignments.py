"""Commands on one assignment: assign, submit, cancel, acknowledge a risk flag, open, expire."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from interlude_runtime.eventstore import save_with_retry

from ..application import AssignmentsApplication
from ..domain import Assignment, ClientAssignments, new_assignment
from ..idempotency import Idempotency
from ..snapshot import NO_NAMES, Personalisation
from .command import Addressee, Command, already_created


@dataclass(frozen=True)
class Assign(Command[Assignment]):
    """Assign an exact published activity version (or the version a schedule pinned)."""

    clinic_id: str
    therapist_id: str
    client_id: str
    version: dict[str, Any]
    due_at: datetime | None
    correlation_id: str
    release_at: datetime | None = None
    expires_at: datetime | None = None
    reminders: list[dict[str, Any]] | None = None
    personalisation: Personalisation = NO_NAMES
    idempotency: Idempotency | None = None

    @classmethod
    def of_spec(cls, spec: dict[str, Any], to: "Addressee", idempotency: Idempotency | None) -> "Assign":
        """From what sends one activity (``entrypoints.base.activity_spec``; a group programme keeps it)."""
        return cls(
            to.clinic_id,
            to.therapist_id,
            to.client_id,
            spec["activity"],
            spec["due_at"],
            to.correlation_id,
            release_at=spec["release_at"],
            expires_at=spec["expires_at"],
            reminders=spec["reminders"],
            personalisation=Personalisation.of(spec.get("personalisation")),
            idempotency=idempotency,
        )


@dataclass(frozen=True)
class SubmitResponse(Command[Assignment]):
    """Record a response; ``client_id`` restricts it to that client's own assignment.

    A retry with the idempotency key of the recorded submission returns the
    assignment unchanged: the key is kept in the assignment's own log, so
    this holds whichever gateway replica the retry reaches.
    """

    clinic_id: str
    assignment_id: UUID
    answers: dict[str, Any]
    correlation_id: str
    client_id: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class CancelAssignment(Command[Assignment]):
    """Cancel; with ``therapist_id``, only an assignment that therapist made."""

    clinic_id: str
    assignment_id: UUID
    cancelled_by: str
    reason: str | None
    correlation_id: str
    therapist_id: str | None = None


@dataclass(frozen=True)
class ExtendDueDate(Command[Assignment]):
    """Move an open assignment's due date later; with ``therapist_id``, only an assignment that therapist made."""

    clinic_id: str
    assignment_id: UUID
    due_at: datetime
    extended_by: str
    correlation_id: str
    therapist_id: str | None = None


@dataclass(frozen=True)
class AcknowledgeRiskFlag(Command[Assignment]):
    clinic_id: str
    assignment_id: UUID
    flag_id: UUID
    acknowledged_by: str
    note: str | None
    correlation_id: str


@dataclass(frozen=True)
class OpenAssignment(Command[Assignment]):
    """The client opens their assignment; the first opening is recorded."""

    clinic_id: str
    assignment_id: UUID
    client_id: str
    correlation_id: str


@dataclass(frozen=True)
class ExpireAssignment(Command[bool]):
    """Expire an open assignment whose expiry time has passed; False when there is nothing to do."""

    clinic_id: str
    assignment_id: UUID
    correlation_id: str


def assign(app: AssignmentsApplication, command: Assign) -> Assignment:
    def build() -> list[Assignment | ClientAssignments]:
        # Inside build: a concurrent repeat of this create that saved first is found on the retry.
        existing = already_created(app, command.idempotency, Assignment)
        if existing is not None:
            return [existing]
        assignment = new_assignment(
            command.version,
            command.personalisation,
            command.idempotency,
            clinic_id=command.clinic_id,
            client_id=command.client_id,
            therapist_id=command.therapist_id,
            due_at=command.due_at,
            correlation_id=command.correlation_id,
            release_at=command.release_at,
            expires_at=command.expires_at,
            reminders=command.reminders,
        )
        index = app.client_index(command.clinic_id, command.client_id)
        index.add(assignment.id, assignment.therapist_id)
        return [assignment, index]

    assignment = save_with_retry(app, build)[0]
    assert isinstance(assignment, Assignment)
    return assignment


def submit_response(app: AssignmentsApplication, command: SubmitResponse) -> Assignment:
    assignment = app.get(command.clinic_id, command.assignment_id, command.client_id)
    if assignment.submit(command.answers, command.correlation_id, command.idempotency_key):
        app.save(assignment)
    return assignment


def cancel_assignment(app: AssignmentsApplication, command: CancelAssignment) -> Assignment:
    assignment = app.get(command.clinic_id, command.assignment_id, therapist_id=command.therapist_id)
    assignment.cancel(command.cancelled_by, command.reason, command.correlation_id)
    app.save(assignment)
    return assignment


def extend_due_date(app: AssignmentsApplication, command: ExtendDueDate) -> Assignment:
    assignment = app.get(command.clinic_id, command.assignment_id, therapist_id=command.therapist_id)
    if assignment.extend_due_date(command.due_at, command.extended_by, command.correlation_id):
        app.save(assignment)
    return assignment


def acknowledge_risk_flag(app: AssignmentsApplication, command: AcknowledgeRiskFlag) -> Assignment:
    assignment = app.get(command.clinic_id, command.assignment_id)
    assignment.acknowledge_risk_flag(command.flag_id, command.acknowledged_by, command.note, command.correlation_id)
    app.save(assignment)
    return assignment


def open_assignment(app: AssignmentsApplication, command: OpenAssignment) -> Assignment:
    assignment = app.get(command.clinic_id, command.assignment_id, command.client_id)
    if assignment.open(app.clock(), command.correlation_id):
        app.save(assignment)
    return assignment


def expire_assignment(app: AssignmentsApplication, command: ExpireAssignment) -> bool:
    assignment = app.get(command.clinic_id, command.assignment_id)
    if not assignment.expire(app.clock(), command.correlation_id):
        return False
    app.save(assignment)
    return True
