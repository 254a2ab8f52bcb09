"""The gateway: the HTTP JSON API, a thin layer calling the services by RPC.

Routes live in one mixin per area (``routes/``); this class only combines
them with the dependencies they use.
"""

from nameko.rpc import RpcProxy

from interlude_contracts.runtime.metrics import Metrics

from .dependencies import Tokens, Users
from .media import Media
from .names import Names
from .routes.activities import ActivityRoutes
from .routes.analytics import AnalyticsRoutes
from .routes.assignments import AssignmentRoutes
from .routes.health import HealthRoutes
from .routes.library import LibraryRoutes
from .routes.notifications import NotificationRoutes
from .routes.reports import ReportRoutes
from .routes.schedules import ScheduleRoutes


class GatewayService(
    HealthRoutes,
    ActivityRoutes,
    AssignmentRoutes,
    ReportRoutes,
    NotificationRoutes,
    LibraryRoutes,
    AnalyticsRoutes,
    ScheduleRoutes,
):
    name = "gateway"

    tokens = Tokens()
    users = Users()
    metrics = Metrics()
    names = Names()
    media = Media()
    activities = RpcProxy("activities")
    assignments = RpcProxy("assignments")
    notifications = RpcProxy("notifications")
    reporting = RpcProxy("reporting")
