"""Assignments: therapists assign and cancel, clients answer; each side's views.

A therapist reaches only their own clients and the assignments they made; a
clinic admin the clinic's; a client only their own. Reads and changes of a
client's assignments go into the audit trail.
"""

from typing import Any

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from interlude_contracts.api import AssignRequest, CancelRequest, SubmitResponseRequest

from ..auth import CLIENT, CLINIC_ADMIN, THERAPIST, Caller
from ..scoping import audit, paginated, require_client
from ..web import HttpProblem, endpoint, json_body, json_response

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY = 100


class AssignmentRoutes:
    @http("POST", "/assignments")
    @endpoint(THERAPIST)
    def assign(self, request: Request, caller: Caller, correlation_id: str, **_: Any) -> Response:
        body = self.names.fill(json_body(request, AssignRequest()), caller.subject, caller.clinic_id)
        require_client(self, caller, body["client_id"])
        assignment = self.assignments.assign(caller.clinic_id, caller.subject, body, correlation_id)
        audit(self, caller, request, correlation_id, "assign", body["client_id"])
        return json_response(assignment, 201)

    @http("GET", "/assignments/<assignment_id>")
    @endpoint(THERAPIST, CLINIC_ADMIN, CLIENT)
    def get_assignment(
        self, request: Request, caller: Caller, correlation_id: str, assignment_id: str, **_: Any
    ) -> Response:
        own_only = caller.subject if caller.role == CLIENT else None
        assignment = self.assignments.get_assignment(
            caller.clinic_id, assignment_id, own_only, therapist_id=_therapist_scope(caller)
        )
        audit(self, caller, request, correlation_id, "read", assignment["client_id"])
        return json_response(assignment)

    @http("POST", "/assignments/<assignment_id>/cancel")
    @endpoint(THERAPIST)
    def cancel(self, request: Request, caller: Caller, correlation_id: str, assignment_id: str, **_: Any) -> Response:
        body = json_body(request, CancelRequest())
        assignment = self.assignments.cancel(
            caller.clinic_id, caller.subject, assignment_id, body, correlation_id, therapist_id=caller.subject
        )
        audit(self, caller, request, correlation_id, "cancel", assignment["client_id"])
        return json_response(assignment)

    @http("POST", "/assignments/<assignment_id>/responses")
    @endpoint(CLIENT)
    def submit_response(
        self, request: Request, caller: Caller, correlation_id: str, assignment_id: str, **_: Any
    ) -> Response:
        """Answer once. With an ``Idempotency-Key`` header, a retry with the same key gets the same 201."""
        body = json_body(request, SubmitResponseRequest())
        self.policy.submission.hit(caller.subject)
        key = request.headers.get(IDEMPOTENCY_HEADER) or None
        if key is not None and len(key) > MAX_IDEMPOTENCY_KEY:
            raise HttpProblem(
                422, "validation_failed", "The idempotency key is too long.", {IDEMPOTENCY_HEADER: ["At most 100."]}
            )
        assignment = self.assignments.submit_response(
            caller.clinic_id, caller.subject, assignment_id, body, correlation_id, idempotency_key=key
        )
        audit(self, caller, request, correlation_id, "submit", caller.subject)
        return json_response(assignment, 201)

    # -- a therapist's view of a client --------------------------------------

    @http("GET", "/clients/<client_id>/assignments")
    @endpoint(THERAPIST, CLINIC_ADMIN)
    def client_assignments(
        self, request: Request, caller: Caller, correlation_id: str, client_id: str, **_: Any
    ) -> Response:
        require_client(self, caller, client_id)
        assignments = self.assignments.list_for_client(
            caller.clinic_id, client_id, therapist_id=_therapist_scope(caller)
        )
        audit(self, caller, request, correlation_id, "read", client_id)
        return json_response(paginated(request, "assignments", assignments))

    # -- a client's own view --------------------------------------------------
    @http("GET", "/me/todo")
    @endpoint(CLIENT)
    def my_todo(self, request: Request, caller: Caller, **_: Any) -> Response:
        return json_response(paginated(request, "assignments", self.assignments.todo(caller.clinic_id, caller.subject)))


def _therapist_scope(caller: Caller) -> str | None:
    """A therapist's reads are limited to the assignments they made (a clinic admin's are not)."""
    return caller.subject if caller.role == THERAPIST else None
