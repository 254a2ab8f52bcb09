"""Notifications addressed to clients: the client's own, and a therapist's view."""

from typing import Any

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from ..auth import CLIENT, THERAPIST, Caller
from ..web import endpoint, json_response


class NotificationRoutes:
    @http("GET", "/clients/<client_id>/notifications")
    @endpoint(THERAPIST)
    def client_notifications(self, request: Request, caller: Caller, client_id: str, **_: Any) -> Response:
        return json_response({"notifications": self.notifications.list_for_client(caller.clinic_id, client_id)})

    @http("GET", "/me/notifications")
    @endpoint(CLIENT)
    def my_notifications(self, request: Request, caller: Caller, **_: Any) -> Response:
        return json_response({"notifications": self.notifications.list_for_client(caller.clinic_id, caller.subject)})
