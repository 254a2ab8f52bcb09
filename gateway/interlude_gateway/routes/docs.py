"""The OpenAPI document and a browsable page of it."""

import functools
from typing import Any

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from ..openapi import DOCS_PAGE, build_spec
from ..web import endpoint, json_response


class DocsRoutes:
    @http("GET", "/openapi.json")
    @endpoint()
    def openapi(self, request: Request, **_: Any) -> Response:
        """The OpenAPI 3 document of this API."""
        return json_response(_spec_of(type(self)))

    @http("GET", "/docs")
    @endpoint()
    def docs(self, request: Request, **_: Any) -> Response:
        """The API documentation, browsable."""
        return Response(DOCS_PAGE, mimetype="text/html")


@functools.cache
def _spec_of(service: type) -> dict[str, Any]:
    return build_spec(service)
