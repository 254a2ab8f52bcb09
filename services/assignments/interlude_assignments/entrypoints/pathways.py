"""Entrypoints of pathways and their enrolments."""

from typing import Any

from interlude_contracts.errors import ValidationFailed, parse_uuid
from interlude_contracts.schedules import EnrolRequest, PathwayRequest
from interlude_runtime.rpc import rpc

from ..handlers import (
    CancelEnrolment,
    Command,
    CreatePathway,
    Enrol,
    PauseEnrolment,
    ResumeEnrolment,
    enrolments,
    get_enrolment,
    get_pathway,
    handle,
    list_pathways,
)
from ..pathways import Enrolment
from ..snapshot import Personalisation
from ..translation import enrolment_body, pathway_body
from .base import Creation, Entrypoints, creates, creates_in, scoped_read


class PathwayEntrypoints(Entrypoints):
    @creates("pathway", PathwayRequest)
    def create_pathway(self, creation: Creation) -> dict[str, Any]:
        """A named sequence of steps; each step's activity version is fixed now (the latest unless named)."""
        steps = [
            {
                "activity": self._version(creation.clinic_id, step),
                "release": step["release"],
                "due_after_hours": step["due_after_hours"],
            }
            for step in creation.body["steps"]
        ]
        command = CreatePathway(
            creation.clinic_id, creation.therapist_id, creation.body["name"], steps, idempotency=creation.idempotency
        )
        return pathway_body(handle(self.app, command))

    get_pathway = scoped_read(get_pathway, pathway_body, "pathway_id")

    @rpc
    def list_pathways(self, clinic_id: str, therapist_id: str) -> list[dict[str, Any]]:
        """The pathways the therapist made (those made before this index existed are not listed)."""
        return [pathway_body(pathway) for pathway in list_pathways(self.app, clinic_id, therapist_id)]

    @creates_in("enrolment", EnrolRequest, "pathway_id")
    def enrol(self, creation: Creation, pathway_id: str) -> dict[str, Any]:
        """Enrol a client on a pathway the enrolling therapist created (a colleague's is NotFound)."""
        command = Enrol(
            creation.clinic_id,
            creation.therapist_id,
            parse_uuid(pathway_id, "pathway_id"),
            creation.body["client_id"],
            creation.correlation_id,
            personalisation=Personalisation.of(creation.body),
            idempotency=creation.idempotency,
        )
        return enrolment_body(handle(self.app, command))

    @rpc
    def list_enrolments(self, clinic_id: str, pathway_id: str, therapist_id: str | None = None) -> list[dict[str, Any]]:
        """With ``therapist_id``, only that therapist's pathway (else NotFound) and the enrolments they made."""
        identifier = parse_uuid(pathway_id, "pathway_id")
        return [enrolment_body(e) for e in enrolments(self.app, clinic_id, identifier, therapist_id)]

    get_enrolment = scoped_read(get_enrolment, enrolment_body, "enrolment_id")

    @rpc
    def change_enrolment(
        self,
        clinic_id: str,
        changed_by: str,
        enrolment_id: str,
        action: str,
        correlation_id: str,
        therapist_id: str | None = None,
    ) -> dict[str, Any]:
        """``pause``, ``resume`` or ``cancel``; with ``therapist_id``, only an enrolment that therapist made."""
        identifier = parse_uuid(enrolment_id, "enrolment_id")
        commands: dict[str, Command[Enrolment]] = {
            "pause": PauseEnrolment(clinic_id, identifier, correlation_id, therapist_id=therapist_id),
            "resume": ResumeEnrolment(clinic_id, identifier, correlation_id, therapist_id=therapist_id),
            "cancel": CancelEnrolment(clinic_id, identifier, changed_by, correlation_id, therapist_id=therapist_id),
        }
        if action not in commands:
            raise ValidationFailed("Unknown action.", {"action": ["Use pause, resume or cancel."]})
        return enrolment_body(handle(self.app, commands[action]))
