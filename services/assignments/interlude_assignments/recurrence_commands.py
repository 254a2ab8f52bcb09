"""The assignment log's recurrence commands (a mixin of ``AssignmentsApplication``).

Creating a recurrence schedules its first occurrence; each release trigger
creates that occurrence's assignment and schedules the next, in one atomic
save with the recurrence, so a repeated or stale trigger creates nothing.
"""

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from interlude_contracts.errors import NotFound
from interlude_contracts.runtime.eventstore import save_with_retry

from .domain import Assignment, new_assignment
from .recurrences import Recurrence
from .snapshot import NO_NAMES, Personalisation, pinned_version


class RecurrenceCommands:
    def create_recurrence(
        self,
        clinic_id: str,
        therapist_id: str,
        client_id: str,
        version: dict[str, Any],
        rule: str,
        starts_at: datetime,
        time_zone: str,
        correlation_id: str,
        due_after: timedelta | None = None,
        grace: timedelta | None = None,
        reminders: list[dict[str, Any]] | None = None,
        personalisation: Personalisation = NO_NAMES,
    ) -> Recurrence:
        """Pin the version now; each occurrence is personalised for the client when it is released."""
        recurrence = Recurrence(
            clinic_id=clinic_id,
            client_id=client_id,
            therapist_id=therapist_id,
            activity=pinned_version(version),
            rule=rule,
            starts_at=starts_at,
            time_zone=time_zone,
            due_after_minutes=int(due_after.total_seconds() // 60) if due_after else None,
            grace_minutes=int(grace.total_seconds() // 60) if grace is not None else None,
            reminders=reminders,
            correlation_id=correlation_id,
            personalisation=personalisation.as_dict(),
        )
        recurrence.plan_next(self.clock() - timedelta(microseconds=1), correlation_id)  # type: ignore[attr-defined]
        self.save(recurrence)  # type: ignore[attr-defined]
        return recurrence

    def release_occurrence(self, recurrence_id: UUID, release_at: datetime, correlation_id: str) -> Assignment | None:
        """Create the occurrence released at ``release_at`` and schedule the next; None if stale or repeated."""

        def build() -> tuple[Any, ...]:
            recurrence = self._recurrence(recurrence_id)
            if not recurrence.is_due(release_at):
                return ()
            times = recurrence.occurrence_times(release_at)
            assignment = new_assignment(
                recurrence.activity,
                Personalisation.of(recurrence.personalisation),
                clinic_id=recurrence.clinic_id,
                client_id=recurrence.client_id,
                therapist_id=recurrence.therapist_id,
                due_at=times["due_at"],
                correlation_id=correlation_id,
                release_at=release_at,
                expires_at=times["expires_at"],
                reminders=recurrence.reminders,
            )
            index = self._client_index(recurrence.clinic_id, recurrence.client_id)  # type: ignore[attr-defined]
            index.add(assignment.id)
            recurrence.record_release(release_at, assignment.id, correlation_id)
            recurrence.plan_next(release_at, correlation_id)
            return recurrence, assignment, index

        saved = save_with_retry(self, build)  # type: ignore[arg-type]
        return saved[1] if saved else None

    def cancel_recurrence(
        self, clinic_id: str, recurrence_id: UUID, cancelled_by: str, correlation_id: str
    ) -> Recurrence:
        recurrence = self.get_recurrence(clinic_id, recurrence_id)
        if recurrence.cancel(cancelled_by, correlation_id):
            self.save(recurrence)  # type: ignore[attr-defined]
        return recurrence

    def get_recurrence(self, clinic_id: str, recurrence_id: UUID) -> Recurrence:
        recurrence = self._recurrence(recurrence_id)
        if recurrence is None or recurrence.clinic_id != clinic_id:
            raise NotFound("No such recurrence.", {"recurrence_id": [f"No recurrence {recurrence_id} in this clinic."]})
        return recurrence

    def _recurrence(self, recurrence_id: UUID) -> Any:
        try:
            found = self.repository.get(recurrence_id)  # type: ignore[attr-defined]
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, Recurrence) else None
