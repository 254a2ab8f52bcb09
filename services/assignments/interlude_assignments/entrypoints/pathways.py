"""Entrypoints of pathways and their enrolments."""

from typing import Any

from interlude_contracts.errors import ValidationFailed, parse_uuid, validated
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
from ..idempotency import Idempotency
from ..pathways import Enrolment
from ..snapshot import Personalisation
from ..translation import enrolment_body, pathway_body
from .base import Entrypoints


class PathwayEntrypoints(Entrypoints):
    @rpc
    def create_pathway(
        self,
        clinic_id: str,
        therapist_id: str,
        request: dict[str, Any],
        correlation_id: str,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """A named sequence of steps; each step's activity version is fixed now (the latest unless named)."""
        body = validated(PathwayRequest(), request)
        steps = [
            {
                "activity": self._version(clinic_id, step),
                "release": step["release"],
                "due_after_hours": step["due_after_hours"],
            }
            for step in body["steps"]
        ]
        idempotency = Idempotency.of("pathway", clinic_id, therapist_id, request, correlation_id, idempotency_key)
        command = CreatePathway(clinic_id, therapist_id, body["name"], steps, idempotency=idempotency)
        return pathway_body(handle(self.app, command))

    @rpc
    def list_pathways(self, clinic_id: str, therapist_id: str) -> list[dict[str, Any]]:
        """The pathways the therapist made (those made before this index existed are not listed)."""
        return [pathway_body(pathway) for pathway in list_pathways(self.app, clinic_id, therapist_id)]

    @rpc
    def get_pathway(self, clinic_id: str, pathway_id: str, therapist_id: str | None = None) -> dict[str, Any]:
        """With ``therapist_id``, only a pathway that therapist created (else NotFound)."""
        return pathway_body(get_pathway(self.app, clinic_id, parse_uuid(pathway_id, "pathway_id"), therapist_id))

    @rpc
    def enrol(
        self,
        clinic_id: str,
        therapist_id: str,
        pathway_id: str,
        request: dict[str, Any],
        correlation_id: str,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Enrol a client on a pathway the enrolling therapist created (a colleague's is NotFound)."""
        body = validated(EnrolRequest(), request)
        addressed = {**request, "pathway_id": pathway_id}
        command = Enrol(
            clinic_id,
            therapist_id,
            parse_uuid(pathway_id, "pathway_id"),
            body["client_id"],
            correlation_id,
            personalisation=Personalisation.of(body),
            idempotency=Idempotency.of(
                "enrolment", clinic_id, therapist_id, addressed, correlation_id, idempotency_key
            ),
        )
        return enrolment_body(handle(self.app, command))

    @rpc
    def list_enrolments(self, clinic_id: str, pathway_id: str, therapist_id: str | None = None) -> list[dict[str, Any]]:
        """With ``therapist_id``, only that therapist's pathway (else NotFound) and the enrolments they made."""
        identifier = parse_uuid(pathway_id, "pathway_id")
        return [enrolment_body(e) for e in enrolments(self.app, clinic_id, identifier, therapist_id)]

    @rpc
    def get_enrolment(self, clinic_id: str, enrolment_id: str, therapist_id: str | None = None) -> dict[str, Any]:
        """With ``therapist_id``, only an enrolment that therapist made (else NotFound)."""
        identifier = parse_uuid(enrolment_id, "enrolment_id")
        return enrolment_body(get_enrolment(self.app, clinic_id, identifier, therapist_id))

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
