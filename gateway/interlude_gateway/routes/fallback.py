"""Requests no route takes: an unknown path is a 404 problem; a known path with a method it lacks, a 405.

The 405 names the path's methods in ``Allow`` and in its ``errors``.

Without these, werkzeug would answer its own HTML pages, and the CORS preflight route (which takes
every path) would make every path look known with ``Allow: OPTIONS``.
"""

import functools

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from ..openapi import http_routes
from ..routing import RouteTable
from ..web import FHIR_PREFIX, HttpProblem, operation_outcome, problem_response

routes = RouteTable()

# Every method but OPTIONS (the CORS preflight's, on every path); werkzeug adds HEAD to GET.
METHODS = "GET,POST,PUT,PATCH,DELETE,TRACE"
ANY_PATH = "/<path:path>"


@routes.http(METHODS, ANY_PATH, json_body=())
def no_such_route(request: Request, correlation_id: str, path: str, service_class: type) -> Response:
    """No route takes this method on this path."""
    return _refusal(request, correlation_id, service_class)


@routes.http(METHODS, "/", json_body=())
def no_route_at_the_root(request: Request, correlation_id: str, service_class: type) -> Response:
    """Nothing is served at the root: the API's routes are under their own paths (see /openapi.json)."""
    return _refusal(request, correlation_id, service_class)


def _refusal(request: Request, correlation_id: str, service_class: type) -> Response:
    failure = operation_outcome if request.path.startswith(FHIR_PREFIX) else problem_response
    try:
        _real_routes(service_class).bind("localhost").match(request.path, request.method)
    except MethodNotAllowed as error:
        allowed = sorted({*(error.valid_methods or ()), "OPTIONS"})
        detail = f"{request.method} is not allowed here; this path takes {', '.join(allowed)}."
        response = failure(HttpProblem(405, "method_not_allowed", detail, {"method": allowed}), correlation_id)
        response.headers["Allow"] = ", ".join(allowed)
        return response
    except NotFound:
        pass
    return failure(HttpProblem(404, "not_found", f"No route has the path {request.path}."), correlation_id)


@functools.cache
def _real_routes(service_class: type) -> Map:
    """The service's routes but these and the preflight (which take every path)."""
    rules = [
        Rule(rule, methods=method.split(","))
        for method, rule, _ in http_routes(service_class)
        if rule not in (ANY_PATH, "/")
    ]
    return Map(rules)
