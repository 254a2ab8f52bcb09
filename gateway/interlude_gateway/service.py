"""The gateway: the HTTP JSON API, a thin layer calling the services by RPC.

Routes live in one mixin per area (``routes/``); this class only combines
them with the dependencies they use.
"""

from nameko.rpc import RpcProxy

from interlude_contracts.runtime.metrics import Metrics

from .dependencies import Tokens
from .policy import RequestPolicy
from .routes.activities import ActivityRoutes
from .routes.assignments import AssignmentRoutes
from .routes.cors import CorsRoutes
from .routes.docs import DocsRoutes
from .routes.health import HealthRoutes
from .routes.identity import IdentityRoutes
from .routes.notifications import NotificationRoutes
from .routes.privacy import PrivacyRoutes
from .routes.reports import ReportRoutes


class GatewayService(
    HealthRoutes,
    IdentityRoutes,
    ActivityRoutes,
    AssignmentRoutes,
    ReportRoutes,
    NotificationRoutes,
    PrivacyRoutes,
    DocsRoutes,
    CorsRoutes,
):
    name = "gateway"

    tokens = Tokens()
    policy = RequestPolicy()
    metrics = Metrics()
    activities = RpcProxy("activities")
    assignments = RpcProxy("assignments")
    notifications = RpcProxy("notifications")
    reporting = RpcProxy("reporting")
    identity = RpcProxy("identity")
