"""The gateway: the HTTP JSON API, a thin layer calling the services by RPC.

Routes live in one mixin per area (``routes/``); this class only combines
them with the dependencies they use.
"""

from nameko.rpc import RpcProxy

from interlude_contracts.runtime.metrics import Metrics

from .dependencies import Tokens, Users
from .routes.activities import ActivityRoutes
from .routes.assignments import AssignmentRoutes
from .routes.health import HealthRoutes
from .routes.notifications import NotificationRoutes
from .routes.reports import ReportRoutes
from .routes.schedules import ScheduleRoutes


class GatewayService(HealthRoutes, ActivityRoutes, AssignmentRoutes, ReportRoutes, NotificationRoutes, ScheduleRoutes):
    name = "gateway"

    tokens = Tokens()
    users = Users()
    metrics = Metrics()
    activities = RpcProxy("activities")
    assignments = RpcProxy("assignments")
    notifications = RpcProxy("notifications")
    reporting = RpcProxy("reporting")
