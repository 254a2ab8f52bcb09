"""Assignments: therapists assign and cancel, clients answer; each side's views."""

from typing import Any

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from interlude_contracts.api import AssignRequest, CancelRequest, SubmitResponseRequest

from ..auth import CLIENT, THERAPIST, Caller
from ..web import endpoint, json_body, json_response


class AssignmentRoutes:
    @http("POST", "/assignments")
    @endpoint(THERAPIST)
    def assign(self, request: Request, caller: Caller, correlation_id: str, **_: Any) -> Response:
        body = self.names.fill_assign_request(json_body(request, AssignRequest()), caller.subject, caller.clinic_id)
        assignment = self.assignments.assign(caller.clinic_id, caller.subject, body, correlation_id)
        return json_response(assignment, 201)

    @http("GET", "/assignments/<assignment_id>")
    @endpoint(THERAPIST, CLIENT)
    def get_assignment(self, request: Request, caller: Caller, assignment_id: str, **_: Any) -> Response:
        own_only = caller.subject if caller.role == CLIENT else None
        return json_response(self.assignments.get_assignment(caller.clinic_id, assignment_id, own_only))

    @http("POST", "/assignments/<assignment_id>/cancel")
    @endpoint(THERAPIST)
    def cancel(self, request: Request, caller: Caller, correlation_id: str, assignment_id: str, **_: Any) -> Response:
        body = json_body(request, CancelRequest())
        return json_response(
            self.assignments.cancel(caller.clinic_id, caller.subject, assignment_id, body, correlation_id)
        )

    @http("POST", "/assignments/<assignment_id>/responses")
    @endpoint(CLIENT)
    def submit_response(
        self, request: Request, caller: Caller, correlation_id: str, assignment_id: str, **_: Any
    ) -> Response:
        body = json_body(request, SubmitResponseRequest())
        assignment = self.assignments.submit_response(
            caller.clinic_id, caller.subject, assignment_id, body, correlation_id
        )
        return json_response(assignment, 201)

    # -- a therapist's view of a client --------------------------------------

    @http("GET", "/clients/<client_id>/assignments")
    @endpoint(THERAPIST)
    def client_assignments(self, request: Request, caller: Caller, client_id: str, **_: Any) -> Response:
        return json_response({"assignments": self.assignments.list_for_client(caller.clinic_id, client_id)})

    # -- a client's own view --------------------------------------------------
    @http("GET", "/me/todo")
    @endpoint(CLIENT)
    def my_todo(self, request: Request, caller: Caller, **_: Any) -> Response:
        return json_response({"assignments": self.assignments.todo(caller.clinic_id, caller.subject)})
