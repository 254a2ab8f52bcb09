"""Entrypoints on single assignments: assign, submit, open, cancel, acknowledge a risk flag, and the reads."""

from typing import Any

from interlude_contracts.analytics import AcknowledgeRiskFlagRequest
from interlude_contracts.api import (
    AssignRequest,
    CancelRequest,
    CompletedAssignmentSchema,
    ExtendDueDateRequest,
    SubmitResponseRequest,
)
from interlude_contracts.errors import parse_uuid, validated
from interlude_contracts.schemas import shared
from interlude_runtime.rpc import rpc

from ..domain import SUBMITTED
from ..handlers import (
    AcknowledgeRiskFlag,
    Assign,
    CancelAssignment,
    ExtendDueDate,
    OpenAssignment,
    SubmitResponse,
    handle,
)
from ..translation import acknowledgement_body, assignment_body, client_view, completed_summary
from .base import (
    AssignmentChange,
    Creation,
    Entrypoints,
    changes_assignment,
    check_due_in_future,
    creates,
)


class AssignmentEntrypoints(Entrypoints):
    @creates("assign", AssignRequest)
    def assign(self, creation: Creation) -> dict[str, Any]:
        """Assign a published activity version (the latest unless one is named) to a client."""
        spec = self._activity_spec(creation.clinic_id, creation.body)
        command = Assign.of_spec(spec, creation.addressee(creation.body["client_id"]), creation.idempotency)
        return assignment_body(handle(self.app, command))

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
        body = validated(shared(SubmitResponseRequest), request)
        command = SubmitResponse(
            clinic_id,
            parse_uuid(assignment_id, "assignment_id"),
            body["answers"],
            correlation_id,
            client_id,
            idempotency_key=idempotency_key,
        )
        return client_view(assignment_body(handle(self.app, command)))

    @rpc
    def open_assignment(
        self, clinic_id: str, client_id: str, assignment_id: str, correlation_id: str
    ) -> dict[str, Any]:
        """The client opens their assignment (recorded the first time)."""
        command = OpenAssignment(clinic_id, parse_uuid(assignment_id, "assignment_id"), client_id, correlation_id)
        return assignment_body(handle(self.app, command))

    @changes_assignment(CancelRequest)
    def cancel(self, change: AssignmentChange) -> dict[str, Any]:
        """Cancel; with ``therapist_id``, only an assignment that therapist made."""
        command = CancelAssignment(
            change.clinic_id,
            parse_uuid(change.assignment_id, "assignment_id"),
            change.changed_by,
            change.body["reason"],
            change.correlation_id,
            therapist_id=change.therapist_id,
        )
        return assignment_body(handle(self.app, command))

    @changes_assignment(ExtendDueDateRequest)
    def extend_due_date(self, change: AssignmentChange) -> dict[str, Any]:
        """Move an open assignment's due date later; with ``therapist_id``, only an assignment that therapist made."""
        check_due_in_future(change.body)
        command = ExtendDueDate(
            change.clinic_id,
            parse_uuid(change.assignment_id, "assignment_id"),
            change.body["due_at"],
            change.changed_by,
            change.correlation_id,
            therapist_id=change.therapist_id,
        )
        return assignment_body(handle(self.app, command))

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
        body = validated(shared(AcknowledgeRiskFlagRequest), request)
        flag = parse_uuid(flag_id, "flag_id")
        command = AcknowledgeRiskFlag(
            clinic_id, parse_uuid(assignment_id, "assignment_id"), flag, therapist_id, body["note"], correlation_id
        )
        return acknowledgement_body(handle(self.app, command), str(flag))

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
    def page_for_client(
        self, clinic_id: str, client_id: str, therapist_id: str | None, offset: int, limit: int
    ) -> dict[str, Any]:
        """``list_for_client``'s page ``offset``/``limit`` and its total, paged in the client's index."""
        page, total = self.app.page_for_client(clinic_id, client_id, therapist_id, int(offset), int(limit))
        return {"assignments": [assignment_body(a) for a in page], "total": total}

    @rpc
    def completed(self, clinic_id: str, client_id: str) -> list[dict[str, Any]]:
        """What the client completed, newest first: titles and dates only (no answers, scores or snapshots)."""
        done = [a for a in self.app.for_client(clinic_id, client_id) if a.status == SUBMITTED]
        done.sort(key=lambda a: a.submitted_at or a.created_on, reverse=True)
        return shared(CompletedAssignmentSchema, many=True).dump([completed_summary(a) for a in done])

    @rpc
    def erase_client(self, clinic_id: str, client_id: str) -> None:
        """Crypto-shred the client's assignments and answers: their key is destroyed (idempotent)."""
        self.app.erase_client(clinic_id, client_id)
