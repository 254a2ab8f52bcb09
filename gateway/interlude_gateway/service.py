"""The gateway: the HTTP JSON API, a thin layer calling the services by RPC.

Routes live in one mixin per area (``routes/``); this class only combines
them with the dependencies they use.
"""

from nameko.rpc import RpcProxy

from interlude_contracts.runtime.metrics import Metrics

from .dependencies import Tokens
from .media import Media
from .names import Names
from .policy import RequestPolicy
from .routes.activities import ActivityRoutes
from .routes.analytics import AnalyticsRoutes
from .routes.assignments import AssignmentRoutes
from .routes.cors import CorsRoutes
from .routes.docs import DocsRoutes
from .routes.health import HealthRoutes
from .routes.identity import IdentityRoutes
from .routes.library import LibraryRoutes
from .routes.notifications import NotificationRoutes
from .routes.privacy import PrivacyRoutes
from .routes.reports import ReportRoutes
from .routes.schedules import ScheduleRoutes


class GatewayService(
    HealthRoutes,
    IdentityRoutes,
    ActivityRoutes,
    AssignmentRoutes,
    ReportRoutes,
    NotificationRoutes,
    LibraryRoutes,
    AnalyticsRoutes,
    ScheduleRoutes,
    PrivacyRoutes,
    DocsRoutes,
    CorsRoutes,
):
    name = "gateway"

    tokens = Tokens()
    policy = RequestPolicy()
    metrics = Metrics()
    names = Names()
    media = Media()
    activities = RpcProxy("activities")
    assignments = RpcProxy("assignments")
    notifications = RpcProxy("notifications")
    reporting = RpcProxy("reporting")
    identity = RpcProxy("identity")
