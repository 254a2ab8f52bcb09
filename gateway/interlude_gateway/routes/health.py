"""Liveness, readiness and login."""

from typing import Any

import eventlet
from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from interlude_contracts.api import LoginRequest

from ..web import endpoint, json_body, json_response

SERVICES = ("activities", "assignments", "notifications", "reporting")
READINESS_TIMEOUT_SECONDS = 3


class HealthRoutes:
    @http("GET", "/health")
    @endpoint()
    def health(self, request: Request, **_: Any) -> Response:
        return json_response({"status": "ok"})

    @http("GET", "/health/ready")
    @endpoint()
    def ready(self, request: Request, **_: Any) -> Response:
        """Ready when every service answers its health RPC within a few seconds."""
        calls = {name: getattr(self, name).health.call_async() for name in SERVICES}
        checks = {name: _answered(reply) for name, reply in calls.items()}
        ready = all(checks.values())
        return json_response({"status": "ok" if ready else "degraded", "services": checks}, 200 if ready else 503)

    @http("POST", "/auth/token")
    @endpoint()
    def login(self, request: Request, **_: Any) -> Response:
        body = json_body(request, LoginRequest())
        caller = self.users.authenticate(body["username"], body["password"])
        token = self.tokens.issue(caller)
        return json_response({"access_token": token, "token_type": "Bearer", "expires_in": self.tokens.ttl_seconds})


def _answered(reply: Any) -> bool:
    try:
        with eventlet.Timeout(READINESS_TIMEOUT_SECONDS):
            return reply.result().get("status") == "ok"
    except (Exception, eventlet.Timeout):
        return False
