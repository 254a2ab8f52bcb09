"""Reports: a therapist's of their own clients; a clinic admin's and an analyst's of the clinic's (an analyst's
by pseudonym: see ``scoping.for_reader``)."""

from werkzeug.wrappers import Request, Response

from interlude_contracts.api import ClientReportSchema

from ..auth import ANALYST, CLINIC_ADMIN, THERAPIST, Caller
from ..clients import IdentityClient, ReportingClient
from ..routing import RouteTable
from ..scoping import audit, for_reader, require_read_client
from ..web import json_response

routes = RouteTable()


@routes.http("GET", "/clients/<client_id>/report", THERAPIST, CLINIC_ADMIN, ANALYST, response=ClientReportSchema)
def client_report(
    request: Request,
    caller: Caller,
    correlation_id: str,
    client_id: str,
    identity: IdentityClient,
    reporting: ReportingClient,
) -> Response:
    client_id = require_read_client(identity, reporting, caller, client_id)
    therapist_id = caller.subject if caller.role == THERAPIST else None
    report = reporting.client_report(caller.clinic_id, client_id, therapist_id=therapist_id)
    audit(identity, caller, request, correlation_id, "read_report", client_id)
    return json_response(for_reader(reporting, caller, report))
