"""The assignment log: an eventsourcing Application whose aggregate is the assignment."""

import os
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import Mapper

from interlude_contracts.errors import Conflict, NotFound, ValidationFailed
from interlude_contracts.runtime.eventstore import save_with_retry
from interlude_contracts.runtime.schema import created_despite_races
from interlude_contracts.runtime.shredding import (
    MASTER_KEY_VARIABLE,
    ClientDataErased,
    ClientKeyMapper,
    ClientKeys,
    client_key_id,
    client_keys_for,
    master_key_from,
)
from interlude_contracts.runtime.storage import database_url, eventstore_env

from .domain import (
    ASSIGNED,
    Assignment,
    AssignmentError,
    ClientAssignments,
    InvalidAnswers,
    UnknownRiskFlag,
    new_assignment,
)
from .group_commands import GroupCommands
from .pathway_commands import PathwayCommands
from .recurrence_commands import RecurrenceCommands
from .schedules import ScheduleCommands
from .snapshot import NO_NAMES, Personalisation

SERVICE = "assignments"


class AssignmentsApplication(ScheduleCommands, RecurrenceCommands, PathwayCommands, GroupCommands, Application[UUID]):
    """The assignment log. Stored events are encrypted per client (see ``runtime/shredding.py``)."""

    name = "Assignments"

    def __init__(self, env: Mapping[str, str] | None = None, client_keys: ClientKeys | None = None) -> None:
        self.master_key = master_key_from(env or {})
        self.client_keys = client_keys or ClientKeys(self.master_key, None)
        super().__init__(env=env)

    def construct_mapper(self) -> Mapper:
        return ClientKeyMapper(self.construct_transcoder(), self.client_keys, self.master_key)

    def close(self) -> None:
        super().close()
        self.client_keys.close()

    def erase_client(self, clinic_id: str, client_id: str) -> None:
        """Destroy the client's data key: every stored event of theirs becomes unreadable for good."""
        self.client_keys.destroy(client_key_id(clinic_id, client_id))

    def assign(
        self,
        clinic_id: str,
        therapist_id: str,
        client_id: str,
        version: dict[str, Any],
        due_at: datetime | None,
        correlation_id: str,
        release_at: datetime | None = None,
        expires_at: datetime | None = None,
        reminders: list[dict[str, Any]] | None = None,
        personalisation: Personalisation = NO_NAMES,
    ) -> Assignment:
        """Assign an exact published activity version (or the version a schedule pinned)."""

        def build() -> tuple[Assignment, ClientAssignments]:
            assignment = new_assignment(
                version,
                personalisation,
                clinic_id=clinic_id,
                client_id=client_id,
                therapist_id=therapist_id,
                due_at=due_at,
                correlation_id=correlation_id,
                release_at=release_at,
                expires_at=expires_at,
                reminders=reminders,
            )
            index = self._client_index(clinic_id, client_id)
            index.add(assignment.id)
            return assignment, index

        assignment, _ = save_with_retry(self, build)
        return assignment

    def submit(
        self,
        clinic_id: str,
        assignment_id: UUID,
        answers: dict[str, Any],
        correlation_id: str,
        client_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> Assignment:
        """Record a response; ``client_id`` restricts it to that client's own assignment.

        A retry with the idempotency key of the recorded submission returns the
        assignment unchanged: the key is kept in the assignment's own log, so
        this holds whichever gateway replica the retry reaches.
        """
        assignment = self.get(clinic_id, assignment_id, client_id)
        try:
            if not assignment.submit(answers, correlation_id, idempotency_key):
                return assignment
        except InvalidAnswers as error:
            raise ValidationFailed(str(error), {"answers": error.errors}) from None
        except AssignmentError as error:
            raise Conflict(str(error), {"assignment_id": [str(error)]}) from None
        self.save(assignment)
        return assignment

    def cancel(
        self,
        clinic_id: str,
        assignment_id: UUID,
        cancelled_by: str,
        reason: str | None,
        correlation_id: str,
        therapist_id: str | None = None,
    ) -> Assignment:
        assignment = self.get(clinic_id, assignment_id, therapist_id=therapist_id)
        try:
            assignment.cancel(cancelled_by, reason, correlation_id)
        except AssignmentError as error:
            raise Conflict(str(error), {"assignment_id": [str(error)]}) from None
        self.save(assignment)
        return assignment

    def acknowledge_risk_flag(
        self,
        clinic_id: str,
        assignment_id: UUID,
        flag_id: UUID,
        acknowledged_by: str,
        note: str | None,
        correlation_id: str,
    ) -> Assignment:
        assignment = self.get(clinic_id, assignment_id)
        try:
            assignment.acknowledge_risk_flag(flag_id, acknowledged_by, note, correlation_id)
        except UnknownRiskFlag as error:
            raise NotFound(str(error), {"flag_id": [str(error)]}) from None
        except AssignmentError as error:
            raise Conflict(str(error), {"flag_id": [str(error)]}) from None
        self.save(assignment)
        return assignment

    def get(
        self, clinic_id: str, assignment_id: UUID, client_id: str | None = None, therapist_id: str | None = None
    ) -> Assignment:
        """The assignment if it is in the clinic (and the client's, the therapist's, when given); else NotFound."""
        try:
            assignment = self.repository.get(assignment_id)
        except (AggregateNotFoundError, ClientDataErased):
            assignment = None
        visible = (
            isinstance(assignment, Assignment)
            and assignment.clinic_id == clinic_id
            and client_id in (None, assignment.client_id)
            and (client_id is None or assignment.is_released(self.clock()))
            and therapist_id in (None, assignment.therapist_id)
        )
        if not visible:
            raise NotFound(
                "No such assignment.", {"assignment_id": [f"No assignment {assignment_id} of yours in this clinic."]}
            )
        return assignment

    def for_client(self, clinic_id: str, client_id: str, therapist_id: str | None = None) -> list[Assignment]:
        """The client's assignments in the clinic; only those the therapist made, when one is named."""
        index = self._client_index(clinic_id, client_id)
        assignments = [self.repository.get(assignment_id) for assignment_id in index.assignment_ids]
        return [a for a in assignments if therapist_id in (None, a.therapist_id)]

    def todo(self, clinic_id: str, client_id: str) -> list[Assignment]:
        """Open, released assignments, soonest due first, then oldest first."""
        now = self.clock()
        open_ones = [a for a in self.for_client(clinic_id, client_id) if a.status == ASSIGNED and a.is_released(now)]
        return sorted(open_ones, key=lambda a: (a.due_at is None, a.due_at or a.created_on, a.created_on))

    def _client_index(self, clinic_id: str, client_id: str) -> ClientAssignments:
        try:
            return self.repository.get(ClientAssignments.create_id(clinic_id, client_id))
        except AggregateNotFoundError:
            return ClientAssignments(clinic_id=clinic_id, client_id=client_id)
        except ClientDataErased:
            raise NotFound("No such client.", {"client_id": ["This client's data was erased."]}) from None


def create_application(environ: Mapping[str, str] = os.environ) -> AssignmentsApplication:
    """The application on the store the environment names (SQLite by default)."""
    url = database_url(SERVICE, environ)
    env = {**eventstore_env(url), **{k: v for k, v in environ.items() if k == MASTER_KEY_VARIABLE}}
    return created_despite_races(
        lambda: AssignmentsApplication(env=env, client_keys=client_keys_for(url, master_key_from(env)))
    )
