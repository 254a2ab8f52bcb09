"""The gateway: the HTTP JSON API, a thin layer calling the services by RPC.

Routes are functions in ``routes/``, one module per area; each names in its
parameters the typed service clients (``clients``) and providers it uses.
This class holds the nameko dependencies and ``mount`` adds every route to it
as an HTTP entrypoint (``routing``).
"""

from interlude_runtime.metrics import Metrics
from interlude_runtime.rpc_proxy import RpcProxy

from .dependencies import Tokens
from .media import Media
from .names import Names
from .policy import RequestPolicy
from .routes import ROUTE_TABLES
from .routing import mount
from .sessions import Sessions
from .webapp import Web


class GatewayService:
    name = "gateway"

    tokens = Tokens()
    sessions = Sessions()
    policy = RequestPolicy()
    metrics = Metrics()
    names = Names()
    media = Media()
    web = Web()
    # Routes reach these through the typed clients of ``clients`` (built in ``routing.DEPENDENCIES``).
    activities = RpcProxy("activities")
    assignments = RpcProxy("assignments")
    notifications = RpcProxy("notifications")
    reporting = RpcProxy("reporting")
    identity = RpcProxy("identity")


mount(GatewayService, *ROUTE_TABLES)
