"""Notifications addressed to clients: the client's own, and a therapist's view."""

from typing import Any

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from ..auth import CLIENT, CLINIC_ADMIN, THERAPIST, Caller
from ..scoping import audit, paginated, require_client
from ..web import endpoint, json_response


class NotificationRoutes:
    @http("GET", "/clients/<client_id>/notifications")
    @endpoint(THERAPIST, CLINIC_ADMIN)
    def client_notifications(
        self, request: Request, caller: Caller, correlation_id: str, client_id: str, **_: Any
    ) -> Response:
        require_client(self, caller, client_id)
        notifications = self.notifications.list_for_client(caller.clinic_id, client_id)
        audit(self, caller, request, correlation_id, "read", client_id)
        return json_response(paginated(request, "notifications", notifications))

    @http("GET", "/me/notifications")
    @endpoint(CLIENT)
    def my_notifications(self, request: Request, caller: Caller, **_: Any) -> Response:
        notifications = self.notifications.list_for_client(caller.clinic_id, caller.subject)
        return json_response(paginated(request, "notifications", notifications))
