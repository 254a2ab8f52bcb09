"""The assignment log's pathway commands (a mixin of ``AssignmentsApplication``).

Every change to an enrolment ends in ``_advance``: steps whose rule can now be
evaluated get their release time, due steps are released as assignments (or
held while paused), and the enrolment, its new assignments and the client's
index are saved together.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from interlude_contracts.errors import Conflict, NotFound
from interlude_contracts.runtime.eventstore import save_with_retry

from .domain import Assignment, new_assignment
from .pathways import ACTIVE, PAUSED, Enrolment, Pathway, PathwayEnrolments, PathwayError
from .snapshot import NO_NAMES, Personalisation, pinned_version


class PathwayCommands:
    def create_pathway(self, clinic_id: str, therapist_id: str, name: str, steps: list[dict[str, Any]]) -> Pathway:
        """Each step's ``activity`` (a published version) is pinned now; personalised per client on release."""
        pinned = [{**step, "activity": pinned_version(step["activity"])} for step in steps]
        pathway = Pathway(clinic_id=clinic_id, name=name, steps=pinned, created_by=therapist_id)
        self.save(pathway)  # type: ignore[attr-defined]
        return pathway

    def get_pathway(self, clinic_id: str, pathway_id: UUID) -> Pathway:
        pathway = self._find(pathway_id, Pathway)
        if pathway is None or pathway.clinic_id != clinic_id:
            raise NotFound("No such pathway.", {"pathway_id": [f"No pathway {pathway_id} in this clinic."]})
        return pathway

    def enrol(
        self,
        clinic_id: str,
        therapist_id: str,
        pathway_id: UUID,
        client_id: str,
        correlation_id: str,
        enrolled_at: datetime | None = None,
        personalisation: Personalisation = NO_NAMES,
    ) -> Enrolment:
        """Enrol now, or as of ``enrolled_at`` (a group's start: steps already due are released at once)."""
        pathway = self.get_pathway(clinic_id, pathway_id)

        def build() -> list[Any]:
            enrolment = Enrolment(
                clinic_id=clinic_id,
                client_id=client_id,
                therapist_id=therapist_id,
                pathway_id=pathway.id,
                pathway_name=pathway.name,
                steps=pathway.steps,
                enrolled_at=enrolled_at or self.clock(),  # type: ignore[attr-defined]
                correlation_id=correlation_id,
                personalisation=personalisation.as_dict(),
            )
            index = self._enrolment_index(pathway.id)
            index.add(enrolment.id)
            return [index, *self._advanced(enrolment, self.clock(), correlation_id)]  # type: ignore[attr-defined]

        return save_with_retry(self, build)[1]  # type: ignore[arg-type]

    def get_enrolment(self, clinic_id: str, enrolment_id: UUID) -> Enrolment:
        enrolment = self._find(enrolment_id, Enrolment)
        if enrolment is None or enrolment.clinic_id != clinic_id:
            raise NotFound("No such enrolment.", {"enrolment_id": [f"No enrolment {enrolment_id} in this clinic."]})
        return enrolment

    def enrolments(self, clinic_id: str, pathway_id: UUID) -> list[Enrolment]:
        pathway = self.get_pathway(clinic_id, pathway_id)
        return [self.repository.get(i) for i in self._enrolment_index(pathway.id).enrolment_ids]  # type: ignore[attr-defined]

    def release_pathway_steps(self, enrolment_id: UUID, release_at: datetime, correlation_id: str) -> None:
        """The scheduler's trigger: release what is due (never earlier than the trigger's own time)."""
        self._change(enrolment_id, lambda _: None, max(self.clock(), release_at), correlation_id)  # type: ignore[attr-defined]

    def pathway_step_completed(self, assignment_id: UUID, completed_at: datetime, correlation_id: str) -> None:
        """A response to a pathway step's assignment: complete the step, then release what follows."""
        assignment = self._find(assignment_id, Assignment)
        origin = getattr(assignment, "origin", None) if assignment is not None else None
        if not origin:
            return
        step = origin["step"]
        self._change(
            UUID(str(origin["enrolment_id"])),
            lambda enrolment: enrolment.complete_step(step, completed_at, correlation_id),
            self.clock(),  # type: ignore[attr-defined]
            correlation_id,
        )

    def pause_enrolment(self, clinic_id: str, enrolment_id: UUID, correlation_id: str) -> Enrolment:
        self.get_enrolment(clinic_id, enrolment_id)
        return self._change(enrolment_id, lambda e: e.pause(correlation_id), self.clock(), correlation_id)  # type: ignore[attr-defined]

    def resume_enrolment(self, clinic_id: str, enrolment_id: UUID, correlation_id: str) -> Enrolment:
        self.get_enrolment(clinic_id, enrolment_id)
        return self._change(enrolment_id, lambda e: e.resume(correlation_id), self.clock(), correlation_id)  # type: ignore[attr-defined]

    def cancel_enrolment(self, clinic_id: str, enrolment_id: UUID, cancelled_by: str, correlation_id: str) -> Enrolment:
        self.get_enrolment(clinic_id, enrolment_id)
        return self._change(
            enrolment_id,
            lambda e: e.cancel(cancelled_by, correlation_id),
            self.clock(),
            correlation_id,  # type: ignore[attr-defined]
        )

    # -- the one way an enrolment changes ------------------------------------------

    def _change(self, enrolment_id: UUID, command: Any, now: datetime, correlation_id: str) -> Enrolment:
        def build() -> list[Any]:
            enrolment = self._find(enrolment_id, Enrolment)
            if enrolment is None:
                return []
            try:
                command(enrolment)
            except PathwayError as error:
                raise Conflict(str(error), {"enrolment_id": [str(error)]}) from None
            return self._advanced(enrolment, now, correlation_id)

        saved = save_with_retry(self, build)  # type: ignore[arg-type]
        return saved[0] if saved else None  # type: ignore[return-value]

    def _advanced(self, enrolment: Enrolment, now: datetime, correlation_id: str) -> list[Any]:
        """The enrolment after releasing everything due, then the new assignments and the client's index."""
        created: list[Assignment] = []
        while True:
            enrolment.plan(correlation_id)
            if enrolment.status == PAUSED:
                enrolment.hold_due(now, correlation_id)
            due = enrolment.due_steps(now) if enrolment.status == ACTIVE else []
            if not due:
                break
            for step in due:
                assignment = self._step_assignment(enrolment, step, now, correlation_id)
                enrolment.record_release(step, assignment.id, now, correlation_id)
                created.append(assignment)
        if not created:
            return [enrolment]
        index = self._client_index(enrolment.clinic_id, enrolment.client_id)  # type: ignore[attr-defined]
        for assignment in created:
            index.add(assignment.id)
        return [enrolment, *created, index]

    def _step_assignment(self, enrolment: Enrolment, step: int, now: datetime, correlation_id: str) -> Assignment:
        from datetime import timedelta

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

    def _enrolment_index(self, pathway_id: UUID) -> PathwayEnrolments:
        try:
            return self.repository.get(PathwayEnrolments.create_id(pathway_id))  # type: ignore[attr-defined]
        except AggregateNotFoundError:
            return PathwayEnrolments(pathway_id=pathway_id)

    def _find(self, aggregate_id: UUID, kind: type) -> Any:
        try:
            found = self.repository.get(aggregate_id)  # type: ignore[attr-defined]
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, kind) else None
