"""The assignments service's entrypoints. Logic lives in the application and domain."""

from datetime import UTC, datetime
from typing import Any

from nameko.rpc import RpcProxy

from interlude_contracts.analytics import AcknowledgeRiskFlagRequest
from interlude_contracts.api import AssignRequest, CancelRequest, SubmitResponseRequest
from interlude_contracts.errors import Conflict, ValidationFailed, parse_uuid, validated
from interlude_contracts.personalise import personalise
from interlude_contracts.runtime.health import HealthRpc
from interlude_contracts.runtime.metrics import Metrics
from interlude_contracts.runtime.outbox import log_page
from interlude_contracts.runtime.rpc import rpc

from .dependencies import assignments_application
from .schedule_entrypoints import ScheduleEntrypoints, check_release, schedule_of
from .translation import acknowledgement_body, assignment_body, client_view, to_envelope

MAX_LOG_PAGE = 1000
# What an assignment keeps of the exact version: enough to render, validate and score it forever.
SNAPSHOT_KEYS = ("activity_id", "version", "title", "instructions", "measure", "items", "pages", "scoring")


class AssignmentsService(ScheduleEntrypoints, HealthRpc):
    name = "assignments"

    app = assignments_application()
    activities = RpcProxy("activities")
    metrics = Metrics()

    @rpc
    def assign(self, clinic_id: str, therapist_id: str, request: dict[str, Any], correlation_id: str) -> dict[str, Any]:
        """Assign a published activity version (the latest unless one is named) to a client."""
        body = validated(AssignRequest(), request)
        if body["due_at"] is not None and body["due_at"] <= datetime.now(UTC):
            raise ValidationFailed("due_at is in the past.", {"due_at": ["Must be in the future."]})
        check_release(body)
        version = self.activities.get_version(clinic_id, str(body["activity_id"]), body["activity_version"])
        if version.get("archived"):
            detail = "The activity is archived: restore it to assign it."
            raise Conflict(detail, {"activity_id": [detail]})
        snapshot = personalise(
            {key: version[key] for key in SNAPSHOT_KEYS if key in version},
            {
                "client.first_name": body["client_first_name"],
                "therapist.name": body["therapist_name"],
                "clinic.name": body["clinic_name"],
            },
        )
        assignment = self.app.assign(
            clinic_id, therapist_id, body["client_id"], snapshot, body["due_at"], correlation_id, **schedule_of(body)
        )
        return assignment_body(assignment)

    @rpc
    def submit_response(
        self,
        clinic_id: str,
        client_id: str,
        assignment_id: str,
        request: dict[str, Any],
        correlation_id: str,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """The client's own response; validated against the exact version assigned.

        A retry carrying the idempotency key of the recorded submission gets the
        same answer instead of a conflict.
        """
        body = validated(SubmitResponseRequest(), request)
        assignment = self.app.submit(
            clinic_id,
            parse_uuid(assignment_id, "assignment_id"),
            body["answers"],
            correlation_id,
            client_id,
            idempotency_key=idempotency_key,
        )
        return client_view(assignment_body(assignment))

    @rpc
    def cancel(
        self,
        clinic_id: str,
        cancelled_by: str,
        assignment_id: str,
        request: dict[str, Any],
        correlation_id: str,
        therapist_id: str | None = None,
    ) -> dict[str, Any]:
        """Cancel; with ``therapist_id``, only an assignment that therapist made."""
        body = validated(CancelRequest(), request)
        assignment = self.app.cancel(
            clinic_id,
            parse_uuid(assignment_id, "assignment_id"),
            cancelled_by,
            body["reason"],
            correlation_id,
            therapist_id=therapist_id,
        )
        return assignment_body(assignment)

    @rpc
    def get_assignment(
        self, clinic_id: str, assignment_id: str, client_id: str | None = None, therapist_id: str | None = None
    ) -> dict[str, Any]:
        """One assignment of the clinic; of that client or made by that therapist, when named.

        Scores and risk flags are for the therapist: a client (``client_id`` given) sees neither.
        """
        assignment_id_ = parse_uuid(assignment_id, "assignment_id")
        body = assignment_body(self.app.get(clinic_id, assignment_id_, client_id, therapist_id))
        return body if client_id is None else client_view(body)

    @rpc
    def todo(self, clinic_id: str, client_id: str) -> list[dict[str, Any]]:
        return [assignment_body(a) for a in self.app.todo(clinic_id, client_id)]

    @rpc
    def list_for_client(self, clinic_id: str, client_id: str, therapist_id: str | None = None) -> list[dict[str, Any]]:
        return [assignment_body(a) for a in self.app.for_client(clinic_id, client_id, therapist_id)]

    @rpc
    def erase_client(self, clinic_id: str, client_id: str) -> None:
        """Crypto-shred the client's assignments and answers: their key is destroyed (idempotent)."""
        self.app.erase_client(clinic_id, client_id)

    @rpc
    def acknowledge_risk_flag(
        self,
        clinic_id: str,
        therapist_id: str,
        assignment_id: str,
        flag_id: str,
        request: dict[str, Any],
        correlation_id: str,
    ) -> dict[str, Any]:
        """A therapist acknowledges a risk flag of an assignment in their clinic; recorded with who and when."""
        body = validated(AcknowledgeRiskFlagRequest(), request)
        flag = parse_uuid(flag_id, "flag_id")
        assignment = self.app.acknowledge_risk_flag(
            clinic_id, parse_uuid(assignment_id, "assignment_id"), flag, therapist_id, body["note"], correlation_id
        )
        return acknowledgement_body(assignment, str(flag))

    @rpc
    def read_log(self, after: int, limit: int = 500) -> dict[str, Any]:
        """Published events after a position, for rebuilding projections from the log."""
        envelopes, last = log_page(self.app, to_envelope, int(after), min(int(limit), MAX_LOG_PAGE))
        return {"events": envelopes, "last_position": last}
