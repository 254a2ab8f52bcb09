"""Reports for therapists and analysts (more in ``analytics``)."""

from typing import Any

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from ..auth import ANALYST, THERAPIST, Caller
from ..web import endpoint, json_response


class ReportRoutes:
    @http("GET", "/clients/<client_id>/report")
    @endpoint(THERAPIST, ANALYST)
    def client_report(self, request: Request, caller: Caller, client_id: str, **_: Any) -> Response:
        return json_response(self.reporting.client_report(caller.clinic_id, client_id))
