"""A client's data: export (JSON) and erasure (crypto-shredding plus purging the projections)."""

from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from ..auth import CLIENT, CLINIC_ADMIN, THERAPIST, Caller
from ..clients import AssignmentsClient, IdentityClient, NotificationsClient, ReportingClient
from ..openapi import ClientExportSchema
from ..routing import RouteTable
from ..scoping import audit, require_client
from ..sessions import SessionCheck
from ..web import json_response

routes = RouteTable()

# Deliberately everything, unlike the client's in-app views (which hide scores and risk flags): an export
# answers a data-subject access request (GDPR art. 15), and that must give all the data held. The label says so.
EXPORT_KIND = "data-subject-access-request"
EXPORT_NOTICE = (
    "Everything Interlude keeps about this client: the account, every assignment with its answers, "
    "the therapist's scores and risk flags (which the app does not show the client), notifications and "
    "the report. It is the answer to a data-subject access request, so nothing held is left out."
)


@routes.http("GET", "/clients/<client_id>/export", THERAPIST, CLINIC_ADMIN, response=ClientExportSchema)
def export_client(
    request: Request,
    caller: Caller,
    correlation_id: str,
    client_id: str,
    identity: IdentityClient,
    assignments: AssignmentsClient,
    notifications: NotificationsClient,
    reporting: ReportingClient,
) -> Response:
    """Everything held about the client, as JSON (the clinic's copy: all their assignments)."""
    require_client(identity, caller, client_id)
    export = _export(caller, client_id, identity, assignments, notifications, reporting)
    audit(identity, caller, request, correlation_id, "export", client_id)
    return json_response(export, headers={"Content-Disposition": f'attachment; filename="{client_id}.json"'})


@routes.http("GET", "/me/export", CLIENT, response=ClientExportSchema)
def export_mine(
    request: Request,
    caller: Caller,
    correlation_id: str,
    identity: IdentityClient,
    assignments: AssignmentsClient,
    notifications: NotificationsClient,
    reporting: ReportingClient,
) -> Response:
    export = _export(caller, caller.subject, identity, assignments, notifications, reporting)
    audit(identity, caller, request, correlation_id, "export", caller.subject)
    return json_response(export, headers={"Content-Disposition": 'attachment; filename="interlude.json"'})


@routes.http("DELETE", "/clients/<client_id>", CLINIC_ADMIN, status=204)
def erase_client(
    request: Request,
    caller: Caller,
    correlation_id: str,
    client_id: str,
    identity: IdentityClient,
    assignments: AssignmentsClient,
    notifications: NotificationsClient,
    reporting: ReportingClient,
    sessions: SessionCheck,
) -> Response:
    """Erase the client: their key is destroyed (the logs keep only unreadable ciphertext), the
    projections and their account are purged. Each step is idempotent, so a failed erasure is retried whole.
    Their access tokens are refused from then on (at once here, within seconds on other replicas)."""
    require_client(identity, caller, client_id)
    audit(identity, caller, request, correlation_id, "erase", client_id)
    assignments.erase_client(caller.clinic_id, client_id)
    reporting.purge_client(caller.clinic_id, client_id)
    notifications.purge_client(caller.clinic_id, client_id)
    identity.erase_client(caller.as_dict(), client_id)
    sessions.forget(client_id)
    return Response(status=204)


def _export(
    caller: Caller,
    client_id: str,
    identity: IdentityClient,
    assignments: AssignmentsClient,
    notifications: NotificationsClient,
    reporting: ReportingClient,
) -> dict[str, Any]:
    return {
        "kind": EXPORT_KIND,
        "notice": EXPORT_NOTICE,
        "exported_at": datetime.now(UTC).isoformat(),
        "account": identity.get_client(caller.as_dict(), client_id),
        "assignments": assignments.list_for_client(caller.clinic_id, client_id, therapist_id=None),
        "notifications": notifications.list_for_client(caller.clinic_id, client_id),
        "report": reporting.client_report(caller.clinic_id, client_id, therapist_id=None),
    }
