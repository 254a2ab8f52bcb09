"""Logins and tokens, clinics, invitations, a caller's clients, and the audit trail."""

from typing import Any

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from interlude_contracts.api import LoginRequest
from interlude_contracts.identity import CreateClinicRequest, InvitationRequest, RedeemRequest, RefreshRequest

from ..auth import CLINIC_ADMIN, OPERATOR, THERAPIST, Caller
from ..scoping import audit, page_of, require_client, service_page
from ..web import endpoint, json_body, json_response


class IdentityRoutes:
    # -- tokens ------------------------------------------------------------------

    @http("POST", "/auth/token")
    @endpoint()
    def login(self, request: Request, **_: Any) -> Response:
        body = json_body(request, LoginRequest())
        self.policy.login.hit(f"{request.remote_addr}|{body['username'].strip().lower()}")
        return json_response(self._token_pair(self.identity.authenticate(body["username"], body["password"])))

    @http("POST", "/auth/refresh")
    @endpoint()
    def refresh(self, request: Request, **_: Any) -> Response:
        """A new access token for a refresh token; the refresh token is rotated (the old one is spent)."""
        body = json_body(request, RefreshRequest())
        return json_response(self._token_pair(self.identity.refresh(body["refresh_token"])))

    @http("POST", "/auth/logout")
    @endpoint()
    def logout(self, request: Request, **_: Any) -> Response:
        body = json_body(request, RefreshRequest())
        self.identity.revoke(body["refresh_token"])
        return Response(status=204)

    def _token_pair(self, session: dict[str, Any]) -> dict[str, Any]:
        caller = Caller(**session["caller"])
        return {
            "access_token": self.tokens.issue(caller),
            "token_type": "Bearer",
            "expires_in": self.tokens.ttl_seconds,
            "refresh_token": session["refresh_token"],
            "refresh_expires_in": session["refresh_expires_in"],
        }

    # -- clinics and invitations -----------------------------------------------------

    @http("POST", "/clinics")
    @endpoint(OPERATOR)
    def create_clinic(self, request: Request, caller: Caller, **_: Any) -> Response:
        body = json_body(request, CreateClinicRequest())
        return json_response(self.identity.create_clinic(caller.as_dict(), body), 201)

    @http("GET", "/clinics")
    @endpoint(OPERATOR)
    def list_clinics(self, request: Request, caller: Caller, **_: Any) -> Response:
        answer = self.identity.list_clinics(caller.as_dict(), *page_of(request))
        return json_response(service_page(request, "clinics", answer))

    @http("POST", "/invitations")
    @endpoint(CLINIC_ADMIN, THERAPIST)
    def invite(self, request: Request, caller: Caller, **_: Any) -> Response:
        """A clinic admin invites staff; a therapist invites a client. The code is shown once."""
        body = json_body(request, InvitationRequest())
        return json_response(self.identity.invite(caller.as_dict(), body), 201)

    @http("POST", "/invitations/redeem")
    @endpoint()
    def redeem(self, request: Request, **_: Any) -> Response:
        body = json_body(request, RedeemRequest())
        return json_response(self.identity.redeem_invitation(body))

    # -- clients and the audit trail ---------------------------------------------------

    @http("GET", "/clients")
    @endpoint(THERAPIST, CLINIC_ADMIN)
    def list_clients(self, request: Request, caller: Caller, **_: Any) -> Response:
        answer = self.identity.list_clients(caller.as_dict(), *page_of(request))
        return json_response(service_page(request, "clients", answer))

    @http("GET", "/audit")
    @endpoint(CLINIC_ADMIN)
    def audit_trail(self, request: Request, caller: Caller, correlation_id: str, **_: Any) -> Response:
        """The clinic's trail, newest first; ``?client_id=`` for one client's."""
        client_id = request.args.get("client_id") or None
        if client_id is not None:
            require_client(self, caller, client_id)
        answer = self.identity.audit_trail(caller.as_dict(), client_id, *page_of(request))
        audit(self, caller, request, correlation_id, "read_audit", client_id)
        return json_response(service_page(request, "entries", answer))
