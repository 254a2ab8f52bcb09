"""The gateway's routes, one module per area, each with its ``RouteTable``; ``GatewayService`` mounts them all."""

from . import (
    activities,
    analytics,
    assignments,
    cors,
    docs,
    fallback,
    fhir,
    health,
    identity,
    library,
    notifications,
    privacy,
    reports,
    schedules,
    webapp,
)

ROUTE_TABLES = (
    health.routes,
    identity.routes,
    activities.routes,
    assignments.routes,
    reports.routes,
    notifications.routes,
    library.routes,
    fhir.routes,
    analytics.routes,
    schedules.routes,
    privacy.routes,
    docs.routes,
    webapp.routes,
    cors.routes,
    fallback.routes,
)
