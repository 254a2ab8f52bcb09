"""Liveness and readiness."""

from typing import Any

import eventlet
from werkzeug.wrappers import Response

from ..clients import ActivitiesClient, AssignmentsClient, IdentityClient, NotificationsClient, ReportingClient
from ..openapi import HealthSchema
from ..routing import RouteTable
from ..web import json_response

READINESS_TIMEOUT_SECONDS = 3

routes = RouteTable()


@routes.http("GET", "/health", response=HealthSchema)
def health() -> Response:
    return json_response({"status": "ok"})


@routes.http("GET", "/health/ready", response=HealthSchema, errors=(503,))
def ready(
    activities: ActivitiesClient,
    assignments: AssignmentsClient,
    notifications: NotificationsClient,
    reporting: ReportingClient,
    identity: IdentityClient,
) -> Response:
    """Ready when every service answers its health RPC within a few seconds."""
    services = {
        "activities": activities,
        "assignments": assignments,
        "notifications": notifications,
        "reporting": reporting,
        "identity": identity,
    }
    calls = {name: client.health_async() for name, client in services.items()}
    checks = {name: _answered(reply) for name, reply in calls.items()}
    ready = all(checks.values())
    return json_response({"status": "ok" if ready else "degraded", "services": checks}, 200 if ready else 503)


def _answered(reply: Any) -> bool:
    try:
        with eventlet.Timeout(READINESS_TIMEOUT_SECONDS):
            return reply.result().get("status") == "ok"
    except (Exception, eventlet.Timeout):
        return False
