"""Notifications addressed to clients: the client's own, and a therapist's view."""

from werkzeug.wrappers import Request, Response

from interlude_contracts.api import NotificationSchema

from ..auth import CLIENT, CLINIC_ADMIN, THERAPIST, Caller
from ..clients import IdentityClient, NotificationsClient
from ..openapi import page_schema
from ..routing import RouteTable
from ..scoping import audit, paginated, require_client
from ..web import json_response

routes = RouteTable()


@routes.http(
    "GET",
    "/clients/<client_id>/notifications",
    THERAPIST,
    CLINIC_ADMIN,
    response=page_schema("notifications", NotificationSchema),
    listed=True,
)
def client_notifications(
    request: Request,
    caller: Caller,
    correlation_id: str,
    client_id: str,
    identity: IdentityClient,
    notifications: NotificationsClient,
) -> Response:
    require_client(identity, caller, client_id)
    listed = notifications.list_for_client(caller.clinic_id, client_id)
    audit(identity, caller, request, correlation_id, "read", client_id)
    return json_response(paginated(request, "notifications", listed))


@routes.http("GET", "/me/notifications", CLIENT, response=page_schema("notifications", NotificationSchema), listed=True)
def my_notifications(request: Request, caller: Caller, notifications: NotificationsClient) -> Response:
    listed = notifications.list_for_client(caller.clinic_id, caller.subject)
    return json_response(paginated(request, "notifications", listed))
