"""The OpenAPI document and a browsable page of it."""

import functools
from typing import Any

from werkzeug.wrappers import Response

from ..openapi import DOCS_PAGE, build_spec
from ..routing import RouteTable
from ..web import json_response

routes = RouteTable()


@routes.http("GET", "/openapi.json")
def openapi(service_class: type) -> Response:
    """The OpenAPI 3 document of this API."""
    return json_response(_spec_of(service_class))


@routes.http("GET", "/docs")
def docs() -> Response:
    """The API documentation, browsable."""
    return Response(DOCS_PAGE, mimetype="text/html")


@functools.cache
def _spec_of(service: type) -> dict[str, Any]:
    return build_spec(service)
