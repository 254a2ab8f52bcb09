"""Logins and tokens, clinics, invitations, a caller's clients, and the audit trail."""

from typing import Any

from werkzeug.wrappers import Request, Response

from interlude_contracts.api import LoginRequest
from interlude_contracts.errors import NotFound
from interlude_contracts.identity import (
    AccountSchema,
    AuditEntrySchema,
    ClinicSchema,
    CreateClinicRequest,
    CreatedClinicSchema,
    InvitationRequest,
    InvitationSchema,
    NotAuthenticated,
    RedeemRequest,
    RefreshRequest,
    RefreshSessionRequest,
    TokenPairSchema,
)

from ..auth import CLINIC_ADMIN, OPERATOR, THERAPIST, Caller, TokenSigner
from ..clients import IdentityClient, Record
from ..openapi import page_schema
from ..policy import Policy
from ..routing import RouteTable
from ..scoping import audit, page_of, require_client, service_page
from ..web import HttpProblem, checked_body, idempotency_key, json_response, problem_response

routes = RouteTable()

# Browser sessions: the refresh token in a cookie only the refresh route sees. The custom header is
# the CSRF guard: a cross-site form cannot send it, and CORS does not allow it from other origins.
SESSION_HEADER = "X-Interlude-Session"
COOKIE_SESSION = "cookie"
REFRESH_COOKIE = "interlude_refresh"
REFRESH_PATH = "/auth/refresh"

# -- tokens ------------------------------------------------------------------


@routes.http(
    "POST",
    "/auth/token",
    body=LoginRequest,
    response=TokenPairSchema,
    headers=(SESSION_HEADER,),
    errors=(401, 503, 504),
)
def login(request: Request, identity: IdentityClient, policy: Policy, tokens: TokenSigner) -> Response:
    """A token pair; a browser session (``X-Interlude-Session: cookie``) gets its refresh token as a cookie."""
    body = checked_body(request)
    policy.hit_login(request, body["username"])
    return _tokens_for(request, tokens, identity.authenticate(body["username"], body["password"]))


@routes.http(
    "POST",
    "/auth/refresh",
    body=RefreshSessionRequest,
    response=TokenPairSchema,
    headers=(SESSION_HEADER, "Idempotency-Key"),
    errors=(401, 503, 504),
)
def refresh(request: Request, correlation_id: str, identity: IdentityClient, tokens: TokenSigner) -> Response:
    """A new access token for a refresh token; the refresh token is rotated (the old one is spent).

    A browser session sends ``X-Interlude-Session: cookie`` and no token: its token is the cookie,
    rotated in the answer. A spent token sent again ends every session of the account, unless it is
    the same request again (same ``Idempotency-Key``, or else correlation id) within a few minutes:
    that gets the same answer.
    """
    rotation_key = idempotency_key(request) or correlation_id
    if not _is_browser_session(request):
        refresh_token = checked_body(request).get("refresh_token")
        if refresh_token is None:
            missing = {"refresh_token": ["Missing data for required field."]}
            raise HttpProblem(422, "validation_failed", "The request body is not valid.", missing)
        return _tokens_for(request, tokens, identity.refresh(refresh_token, rotation_key))
    try:
        session = identity.refresh(_refresh_cookie(request), rotation_key)
    except NotAuthenticated as error:
        return _without_refresh_cookie(problem_response(HttpProblem(401, error.code, error.detail), correlation_id))
    return _tokens_for(request, tokens, session)


@routes.http(
    "DELETE",
    "/auth/refresh",
    status=204,
    headers=(SESSION_HEADER,),
    required_headers=(SESSION_HEADER,),
    errors=(400, 503, 504),
)
def end_browser_session(request: Request, identity: IdentityClient) -> Response:
    """Sign a browser session out: its refresh cookie is revoked and cleared (the cookie only reaches this path)."""
    if not _is_browser_session(request):
        raise HttpProblem(400, "session_header_missing", f"Send {SESSION_HEADER}: {COOKIE_SESSION}.")
    cookie = request.cookies.get(REFRESH_COOKIE)
    if cookie:
        identity.revoke(cookie)
    return _without_refresh_cookie(Response(status=204))


@routes.http("POST", "/auth/logout", body=RefreshRequest, status=204, errors=(503, 504))
def logout(request: Request, identity: IdentityClient) -> Response:
    body = checked_body(request)
    identity.revoke(body["refresh_token"])
    return Response(status=204)


def _tokens_for(request: Request, tokens: TokenSigner, session: Record) -> Response:
    pair = _token_pair(tokens, session)
    if not _is_browser_session(request):
        return json_response(pair)
    # The refresh token never reaches the page's script: it lives in an HttpOnly cookie.
    refresh_token = pair.pop("refresh_token")
    response = json_response(pair)
    response.set_cookie(
        REFRESH_COOKIE,
        refresh_token,
        max_age=pair["refresh_expires_in"],
        path=REFRESH_PATH,
        secure=True,
        httponly=True,
        samesite="Strict",
    )
    return response


def _is_browser_session(request: Request) -> bool:
    return request.headers.get(SESSION_HEADER, "").strip().lower() == COOKIE_SESSION


def _refresh_cookie(request: Request) -> str:
    cookie = request.cookies.get(REFRESH_COOKIE)
    if not cookie:
        raise HttpProblem(401, "unauthenticated", "No refresh cookie: sign in again.")
    return cookie


def _without_refresh_cookie(response: Response) -> Response:
    response.delete_cookie(REFRESH_COOKIE, path=REFRESH_PATH, secure=True, httponly=True, samesite="Strict")
    return response


def _token_pair(tokens: TokenSigner, session: Record) -> dict[str, Any]:
    caller = Caller(**session["caller"])
    return {
        "access_token": tokens.issue(caller, generation=int(session.get("session_generation") or 0)),
        "token_type": "Bearer",
        "expires_in": tokens.ttl_seconds,
        "refresh_token": session["refresh_token"],
        "refresh_expires_in": session["refresh_expires_in"],
    }


# -- clinics and invitations -----------------------------------------------------


@routes.http("POST", "/clinics", OPERATOR, body=CreateClinicRequest, response=CreatedClinicSchema, status=201)
def create_clinic(request: Request, caller: Caller, identity: IdentityClient) -> Response:
    body = checked_body(request)
    return json_response(identity.create_clinic(caller.as_dict(), body), 201)


@routes.http("GET", "/clinics", OPERATOR, response=page_schema("clinics", ClinicSchema), listed=True)
def list_clinics(request: Request, caller: Caller, identity: IdentityClient) -> Response:
    answer = identity.list_clinics(caller.as_dict(), *page_of(request))
    return json_response(service_page(request, "clinics", answer))


@routes.http(
    "POST", "/invitations", CLINIC_ADMIN, THERAPIST, body=InvitationRequest, response=InvitationSchema, status=201
)
def invite(request: Request, caller: Caller, identity: IdentityClient) -> Response:
    """A clinic admin invites staff; a therapist invites a client. The code is shown once."""
    body = checked_body(request)
    return json_response(identity.invite(caller.as_dict(), body), 201)


@routes.http(
    "POST", "/invitations/redeem", body=RedeemRequest, response=AccountSchema, errors=(401, 404, 409, 503, 504)
)
def redeem(request: Request, identity: IdentityClient) -> Response:
    body = checked_body(request)
    return json_response(identity.redeem_invitation(body))


# -- clients and the audit trail ---------------------------------------------------


@routes.http("GET", "/clients", THERAPIST, CLINIC_ADMIN, response=page_schema("clients", AccountSchema), listed=True)
def list_clients(request: Request, caller: Caller, identity: IdentityClient) -> Response:
    answer = identity.list_clients(caller.as_dict(), *page_of(request))
    return json_response(service_page(request, "clients", answer))


@routes.http(
    "GET",
    "/audit",
    CLINIC_ADMIN,
    response=page_schema("entries", AuditEntrySchema),
    listed=True,
    query=("client_id",),
)
def audit_trail(request: Request, caller: Caller, correlation_id: str, identity: IdentityClient) -> Response:
    """The clinic's trail, newest first; ``?client_id=`` for one client's."""
    client_id = request.args.get("client_id") or None
    answer = _trail(identity, caller, client_id, *page_of(request))
    audit(identity, caller, request, correlation_id, "read_audit", client_id)
    return json_response(service_page(request, "entries", answer))


def _trail(identity: IdentityClient, caller: Caller, client_id: str | None, limit: int, offset: int) -> Record:
    """The clinic's trail, or one client's; NotFound for an id that is neither a client nor in the trail.

    Erasure removes the client but keeps their trail: a client no longer found is answered from the
    trail, which only ever holds the caller's clinic's entries.
    """
    if client_id is not None:
        try:
            require_client(identity, caller, client_id)
        except NotFound:
            erased = identity.audit_trail(caller.as_dict(), client_id, limit, offset)
            if not erased["total"]:
                raise
            return erased
    return identity.audit_trail(caller.as_dict(), client_id, limit, offset)
