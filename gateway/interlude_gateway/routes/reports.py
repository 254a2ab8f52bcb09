"""Reports: a therapist's of their own clients; a clinic admin's and an analyst's of the clinic's."""

from typing import Any

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from ..auth import ANALYST, CLINIC_ADMIN, THERAPIST, Caller
from ..scoping import audit, require_client
from ..web import endpoint, json_response


class ReportRoutes:
    @http("GET", "/clients/<client_id>/report")
    @endpoint(THERAPIST, CLINIC_ADMIN, ANALYST)
    def client_report(
        self, request: Request, caller: Caller, correlation_id: str, client_id: str, **_: Any
    ) -> Response:
        require_client(self, caller, client_id)
        therapist_id = caller.subject if caller.role == THERAPIST else None
        report = self.reporting.client_report(caller.clinic_id, client_id, therapist_id=therapist_id)
        audit(self, caller, request, correlation_id, "read_report", client_id)
        return json_response(report)
