"""Liveness and readiness."""

from typing import Any

import eventlet
from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from ..web import endpoint, json_response

SERVICES = ("activities", "assignments", "notifications", "reporting", "identity")
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


def _answered(reply: Any) -> bool:
    try:
        with eventlet.Timeout(READINESS_TIMEOUT_SECONDS):
            return reply.result().get("status") == "ok"
    except (Exception, eventlet.Timeout):
        return False
