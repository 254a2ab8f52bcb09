"""Helpers routes use to scope a request: which client, which page, and what goes in the audit trail.

A route calls them with the service client they need, the caller and the request;
``created_for_own_client`` is the whole route of a create for one of the caller's clients.
"""

from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from interlude_contracts.identity import DEFAULT_PAGE_SIZE, MAX_PAGE_OFFSET, MAX_PAGE_SIZE

from .auth import ANALYST, CLIENT, THERAPIST, Caller
from .clients import AssignmentsClient, AssignmentScope, IdentityClient, KeyedCreate, Record, ReportingClient
from .names import DisplayNames
from .web import Handler, HttpProblem, checked_body, idempotency_key, json_response


def require_client(identity: IdentityClient, caller: Caller, client_id: str) -> None:
    """NotFound (404) unless the caller may see this client.

    A client only themself; a therapist their own clients; a clinic admin or an
    analyst the clinic's. The client-therapist relation is the identity
    service's (a client belongs to the therapist who invited them).
    """
    if caller.role == CLIENT:
        if client_id != caller.subject:
            raise HttpProblem(404, "not_found", "No such client.", {"client_id": ["Not yours."]})
        return
    identity.require_client(caller.as_dict(), client_id)


def require_read_client(identity: IdentityClient, reporting: ReportingClient, caller: Caller, client_id: str) -> str:
    """The client a reader of reports names, as ``require_client`` allows: an analyst names clients only by
    their pseudonym (resolved here; a real client id is a 404 to them), anyone else by id."""
    if caller.role == ANALYST:
        client_id = reporting.client_of_pseudonym(caller.clinic_id, client_id)
    require_client(identity, caller, client_id)
    return client_id


def for_reader(reporting: ReportingClient, caller: Caller, body: Any) -> Any:
    """What a reader of reports is shown: to an analyst, every ``client_id`` replaced by its pseudonym."""
    if caller.role != ANALYST:
        return body
    names = reporting.pseudonyms(caller.clinic_id, sorted(set(_client_ids(body))))
    return _renamed(body, names)


def _client_ids(body: Any) -> list[str]:
    if isinstance(body, dict):
        own = [body["client_id"]] if isinstance(body.get("client_id"), str) else []
        return own + [found for value in body.values() for found in _client_ids(value)]
    if isinstance(body, list):
        return [found for value in body for found in _client_ids(value)]
    return []


def _renamed(body: Any, names: dict[str, str]) -> Any:
    """``body`` with every ``client_id`` string replaced by its pseudonym; one ``names`` lacks becomes null,
    never the id itself."""
    if isinstance(body, dict):
        return {
            key: names.get(value) if key == "client_id" and isinstance(value, str) else _renamed(value, names)
            for key, value in body.items()
        }
    if isinstance(body, list):
        return [_renamed(value, names) for value in body]
    return body


def audit(
    identity: IdentityClient, caller: Caller, request: Request, correlation_id: str, action: str, client_id: str | None
) -> None:
    """Append who did what to which client's data; the request fails if the trail cannot be written."""
    entry = {
        "action": action,
        "client_id": client_id,
        "resource": f"{request.method} {request.path}",
        "correlation_id": correlation_id,
    }
    identity.record_audit(caller.as_dict(), entry)


def page_of(request: Request) -> tuple[int, int]:
    """``?limit=&offset=`` of a list request (limit 1..MAX_PAGE_SIZE, default DEFAULT_PAGE_SIZE)."""
    errors = {}
    values = {}
    for name, default, low, high in (("limit", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE), ("offset", 0, 0, MAX_PAGE_OFFSET)):
        raw = request.args.get(name, str(default))
        try:
            values[name] = int(raw)
        except ValueError:
            errors[name] = ["Not an integer."]
            continue
        if not low <= values[name] <= high:
            errors[name] = [f"Must be between {low} and {high}."]
    if errors:
        raise HttpProblem(422, "validation_failed", "The page parameters are not valid.", errors)
    return values["limit"], values["offset"]


def paginated(request: Request, key: str, items: list[Any]) -> dict[str, Any]:
    """One page of a list a service returned whole, with the page's position and the total."""
    limit, offset = page_of(request)
    return {key: items[offset : offset + limit], "page": {"limit": limit, "offset": offset, "total": len(items)}}


def service_page(request: Request, key: str, answer: dict[str, Any]) -> dict[str, Any]:
    """A page a service paginated itself (``{key: [...], "total": n}``), in the gateway's list shape."""
    limit, offset = page_of(request)
    return {key: answer[key], "page": {"limit": limit, "offset": offset, "total": answer["total"]}}


def therapist_scope(caller: Caller) -> str | None:
    """A therapist reaches only what they made (assignments, recurrences, pathways, enrolments, groups);
    a clinic admin, the clinic's. The services refuse anything else as absent (NotFound)."""
    return caller.subject if caller.role == THERAPIST else None


def assignment_scope(caller: Caller) -> AssignmentScope:
    """Who may see an assignment: the client it is for, the therapist who made it, else the clinic."""
    if caller.role == CLIENT:
        return {"client_id": caller.subject}
    if caller.role == THERAPIST:
        return {"therapist_id": caller.subject}
    return {}


def require_assignment(assignments: AssignmentsClient, caller: Caller, assignment_id: str) -> Record:
    """The assignment if the caller may see it; NotFound (404) otherwise."""
    return assignments.get_assignment_in_scope(caller.clinic_id, assignment_id, assignment_scope(caller))


def created_for_own_client(name: str, rpc: Callable[[AssignmentsClient], KeyedCreate], *, audited: bool) -> Handler:
    """The route ``name`` of a keyed create for one of the caller's clients (the body names the client).

    Display names are filled in, the client is checked before anything is created, and with ``audited``
    the create goes into the client's audit trail as ``name``.
    """

    def route(
        request: Request,
        caller: Caller,
        correlation_id: str,
        assignments: AssignmentsClient,
        identity: IdentityClient,
        names: DisplayNames,
    ) -> Response:
        body = names.fill(checked_body(request), caller.subject, caller.clinic_id)
        require_client(identity, caller, body["client_id"])
        key = idempotency_key(request)
        created = rpc(assignments)(caller.clinic_id, caller.subject, body, correlation_id, idempotency_key=key)
        if audited:
            audit(identity, caller, request, correlation_id, name, body["client_id"])
        return json_response(created, 201)

    route.__name__ = route.__qualname__ = name
    return route
