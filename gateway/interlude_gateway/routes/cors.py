"""CORS preflight for the front ends' origins (``CORS_ALLOWED_ORIGINS``)."""

from typing import Any

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from ..web import CORS_ALLOWED_HEADERS, endpoint

PREFLIGHT_MAX_AGE_SECONDS = 600


class CorsRoutes:
    @http("OPTIONS", "/<path:path>")
    @endpoint()
    def preflight(self, request: Request, **_: Any) -> Response:
        """CORS preflight: the methods and headers a front end of an allowed origin may use."""
        response = Response(status=204)
        if request.headers.get("Origin") in self.policy.cors_origins:
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = CORS_ALLOWED_HEADERS
            response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_SECONDS)
        return response
