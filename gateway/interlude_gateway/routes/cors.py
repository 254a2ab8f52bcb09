"""CORS preflight for the front ends' origins (``CORS_ALLOWED_ORIGINS``)."""

from werkzeug.wrappers import Request, Response

from ..policy import Policy
from ..routing import RouteTable
from ..web import CORS_ALLOWED_HEADERS

PREFLIGHT_MAX_AGE_SECONDS = 600

routes = RouteTable()


@routes.http("OPTIONS", "/<path:path>")
def preflight(request: Request, path: str, policy: Policy) -> Response:
    """CORS preflight: the methods and headers a front end of an allowed origin may use."""
    response = Response(status=204)
    if request.headers.get("Origin") in policy.cors_origins:
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = CORS_ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_SECONDS)
    return response
