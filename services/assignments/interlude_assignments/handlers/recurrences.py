"""Recurrence commands: create, release an occurrence, cancel; and the lookup.

Creating a recurrence schedules its first occurrence; each release trigger
creates that occurrence's assignment and schedules the next, in one atomic
save with the recurrence, so a repeated or stale trigger creates nothing.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from interlude_runtime.eventstore import save_with_retry

from ..application import AssignmentsApplication
from ..domain import Assignment, new_assignment
from ..idempotency import Idempotency
from ..recurrences import Recurrence
from ..snapshot import NO_NAMES, Personalisation, pinned_version
from .command import Addressee, Command, create_once, find_own


@dataclass(frozen=True)
class CreateRecurrence(Command[Recurrence]):
    """Pin the version now; each occurrence is personalised for the client when it is released."""

    clinic_id: str
    therapist_id: str
    client_id: str
    version: dict[str, Any]
    rule: str
    starts_at: datetime
    time_zone: str
    correlation_id: str
    due_after: timedelta | None = None
    grace: timedelta | None = None
    reminders: list[dict[str, Any]] | None = None
    personalisation: Personalisation = NO_NAMES
    idempotency: Idempotency | None = None

    @classmethod
    def of_spec(cls, spec: dict[str, Any], to: Addressee, idempotency: Idempotency | None) -> "CreateRecurrence":
        """From what starts a recurrence (``entrypoints.base.recurrence_spec``; a group programme keeps it)."""
        return cls(
            to.clinic_id,
            to.therapist_id,
            to.client_id,
            spec["activity"],
            spec["rule"],
            spec["starts_at"],
            spec["time_zone"],
            to.correlation_id,
            due_after=_minutes_span(spec["due_after_minutes"]),
            grace=_minutes_span(spec["grace_minutes"]),
            reminders=spec["reminders"],
            personalisation=Personalisation.of(spec.get("personalisation")),
            idempotency=idempotency,
        )


@dataclass(frozen=True)
class ReleaseOccurrence(Command[Assignment | None]):
    """Create the occurrence released at ``release_at`` and schedule the next; None if stale or repeated."""

    recurrence_id: UUID
    release_at: datetime
    correlation_id: str


@dataclass(frozen=True)
class CancelRecurrence(Command[Recurrence]):
    """Cancel; with ``therapist_id``, only a recurrence that therapist made."""

    clinic_id: str
    recurrence_id: UUID
    cancelled_by: str
    correlation_id: str
    therapist_id: str | None = None


def create_recurrence(app: AssignmentsApplication, command: CreateRecurrence) -> Recurrence:
    return create_once(
        app,
        command.idempotency,
        Recurrence,
        lambda: {
            "clinic_id": command.clinic_id,
            "client_id": command.client_id,
            "therapist_id": command.therapist_id,
            "activity": pinned_version(command.version),
            "rule": command.rule,
            "starts_at": command.starts_at,
            "time_zone": command.time_zone,
            "due_after_minutes": _minutes(command.due_after) if command.due_after else None,
            "grace_minutes": _minutes(command.grace) if command.grace is not None else None,
            "reminders": command.reminders,
            "correlation_id": command.correlation_id,
            "personalisation": command.personalisation.as_dict(),
        },
        lambda created: created.plan_next(app.clock() - timedelta(microseconds=1), command.correlation_id),
    )


def release_occurrence(app: AssignmentsApplication, command: ReleaseOccurrence) -> Assignment | None:
    def build() -> list[Aggregate]:
        recurrence = app.find(command.recurrence_id, Recurrence)
        if recurrence is None or not recurrence.is_due(command.release_at):
            return []
        times = recurrence.occurrence_times(command.release_at)
        assignment = new_assignment(
            recurrence.activity,
            Personalisation.of(recurrence.personalisation),
            clinic_id=recurrence.clinic_id,
            client_id=recurrence.client_id,
            therapist_id=recurrence.therapist_id,
            due_at=times["due_at"],
            correlation_id=command.correlation_id,
            release_at=command.release_at,
            expires_at=times["expires_at"],
            reminders=recurrence.reminders,
        )
        index = app.client_index(recurrence.clinic_id, recurrence.client_id)
        index.add(assignment.id, assignment.therapist_id)
        recurrence.record_release(command.release_at, assignment.id, command.correlation_id)
        recurrence.plan_next(command.release_at, command.correlation_id)
        return [recurrence, assignment, index]

    saved = save_with_retry(app, build)
    released = saved[1] if saved else None
    return released if isinstance(released, Assignment) else None


def cancel_recurrence(app: AssignmentsApplication, command: CancelRecurrence) -> Recurrence:
    recurrence = get_recurrence(app, command.clinic_id, command.recurrence_id, command.therapist_id)
    if recurrence.cancel(command.cancelled_by, command.correlation_id):
        app.save(recurrence)
    return recurrence


def get_recurrence(
    app: AssignmentsApplication, clinic_id: str, recurrence_id: UUID, therapist_id: str | None = None
) -> Recurrence:
    """The recurrence if it is in the clinic (and made by the therapist, when one is named); else NotFound."""
    return find_own(app, Recurrence, recurrence_id, clinic_id, therapist_id, made_by=lambda found: found.therapist_id)


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


def _minutes_span(minutes: int | None) -> timedelta | None:
    return timedelta(minutes=minutes) if minutes is not None else None
