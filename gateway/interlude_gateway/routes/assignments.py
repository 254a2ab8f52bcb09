"""Assignments: therapists assign and cancel, clients answer; each side's views.

A therapist reaches only their own clients and the assignments they made; a
clinic admin the clinic's; a client only their own. Reads and changes of a
client's assignments go into the audit trail.
"""

from collections.abc import Callable

from werkzeug.wrappers import Request, Response

from interlude_contracts.api import (
    AssignmentSchema,
    AssignRequest,
    CancelRequest,
    CompletedAssignmentSchema,
    ExtendDueDateRequest,
    SubmitResponseRequest,
)

from ..auth import CLIENT, CLINIC_ADMIN, THERAPIST, Caller
from ..clients import AssignmentsClient, IdentityClient, ScopedChange
from ..openapi import page_schema
from ..policy import Policy
from ..routing import Handler, RouteTable
from ..scoping import (
    audit,
    created_for_own_client,
    page_of,
    paginated,
    require_client,
    service_page,
    therapist_scope,
)
from ..web import checked_body, idempotency_key, json_response

routes = RouteTable()


assign = routes.http(
    "POST",
    "/assignments",
    THERAPIST,
    body=AssignRequest,
    response=AssignmentSchema,
    status=201,
    headers=("Idempotency-Key",),
    creates="assignment_id",
)(created_for_own_client("assign", lambda assignments: assignments.assign, audited=True))


@routes.http("GET", "/assignments/<assignment_id>", THERAPIST, CLINIC_ADMIN, CLIENT, response=AssignmentSchema)
def get_assignment(
    request: Request,
    caller: Caller,
    correlation_id: str,
    assignment_id: str,
    assignments: AssignmentsClient,
    identity: IdentityClient,
) -> Response:
    own_only = caller.subject if caller.role == CLIENT else None
    assignment = assignments.get_assignment(
        caller.clinic_id, assignment_id, own_only, therapist_id=therapist_scope(caller)
    )
    audit(identity, caller, request, correlation_id, "read", assignment["client_id"])
    return json_response(assignment)


def _changed_by_its_therapist(
    action: str, rpc: Callable[[AssignmentsClient], ScopedChange], doc: str | None = None
) -> Handler:
    """The route of a change a therapist makes to an assignment they made, audited as ``action`` (its name too)."""

    def route(
        request: Request,
        caller: Caller,
        correlation_id: str,
        assignment_id: str,
        assignments: AssignmentsClient,
        identity: IdentityClient,
    ) -> Response:
        body = checked_body(request)
        assignment = rpc(assignments)(
            caller.clinic_id, caller.subject, assignment_id, body, correlation_id, therapist_id=caller.subject
        )
        audit(identity, caller, request, correlation_id, action, assignment["client_id"])
        return json_response(assignment)

    route.__name__ = route.__qualname__ = action
    route.__doc__ = doc
    return route


cancel = routes.http(
    "POST", "/assignments/<assignment_id>/cancel", THERAPIST, body=CancelRequest, response=AssignmentSchema
)(_changed_by_its_therapist("cancel", lambda assignments: assignments.cancel))
extend_due_date = routes.http(
    "POST", "/assignments/<assignment_id>/due-date", THERAPIST, body=ExtendDueDateRequest, response=AssignmentSchema
)(
    _changed_by_its_therapist(
        "extend_due_date",
        lambda assignments: assignments.extend_due_date,
        "Move an open assignment's due date later (its expiry and reminders move with it).",
    )
)


@routes.http(
    "POST",
    "/assignments/<assignment_id>/responses",
    CLIENT,
    body=SubmitResponseRequest,
    response=AssignmentSchema,
    status=201,
    headers=("Idempotency-Key",),
)
def submit_response(
    request: Request,
    caller: Caller,
    correlation_id: str,
    assignment_id: str,
    assignments: AssignmentsClient,
    policy: Policy,
) -> Response:
    """Answer once. With an ``Idempotency-Key`` header, a retry with the same key gets the same 201."""
    body = checked_body(request)
    policy.submission.hit(caller.subject)
    key = idempotency_key(request)
    assignment = assignments.submit_response(
        caller.clinic_id, caller.subject, assignment_id, body, correlation_id, idempotency_key=key
    )
    # Audited by identity from the ResponseSubmitted event stored with the submission (docs/security.md, audit).
    return json_response(assignment, 201)


# -- a therapist's view of a client --------------------------------------


@routes.http(
    "GET",
    "/clients/<client_id>/assignments",
    THERAPIST,
    CLINIC_ADMIN,
    response=page_schema("assignments", AssignmentSchema),
    listed=True,
)
def client_assignments(
    request: Request,
    caller: Caller,
    correlation_id: str,
    client_id: str,
    assignments: AssignmentsClient,
    identity: IdentityClient,
) -> Response:
    require_client(identity, caller, client_id)
    limit, offset = page_of(request)
    page = assignments.page_for_client(caller.clinic_id, client_id, therapist_scope(caller), offset, limit)
    audit(identity, caller, request, correlation_id, "read", client_id)
    return json_response(service_page(request, "assignments", page))


# -- a client's own view --------------------------------------------------


@routes.http("GET", "/me/history", CLIENT, response=page_schema("assignments", CompletedAssignmentSchema), listed=True)
def my_history(request: Request, caller: Caller, assignments: AssignmentsClient) -> Response:
    """What the client completed, newest first: titles and dates only, never scores or risk flags."""
    return json_response(paginated(request, "assignments", assignments.completed(caller.clinic_id, caller.subject)))


@routes.http("GET", "/me/todo", CLIENT, response=page_schema("assignments", AssignmentSchema), listed=True)
def my_todo(request: Request, caller: Caller, assignments: AssignmentsClient) -> Response:
    return json_response(paginated(request, "assignments", assignments.todo(caller.clinic_id, caller.subject)))
