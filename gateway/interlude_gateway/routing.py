"""Routes as plain functions whose parameters name what they use; ``mount`` makes them the service's entrypoints.

A route module keeps a ``RouteTable`` and declares each handler with
``@routes.http(method, rule, *roles)``. A handler's parameters are, by name:
``request``, ``caller``, ``correlation_id``, the rule's path variables, and any
dependency of ``DEPENDENCIES`` (a typed service client, ``tokens``, ``sessions``, ``policy``,
``names``, ``media``, ``web`` or ``service_class``), annotated with that dependency's
type. ``mount`` checks every handler against this at import time and adds it
to the service class as a nameko ``@http`` entrypoint wrapped by
``@endpoint(*roles)``, so authentication, the upstream timeout and the mapping
of errors are the same for every route.

The declaration is also the route's contract, the one place the OpenAPI
document reads it from: ``body`` is the marshmallow schema a POST, PUT or PATCH
body is checked against before the route runs (the route reads it with
``checked_body``; without one, the route takes no body: an empty object at
most), ``response`` and ``status`` what it answers, and so on (``Contract``).
A body is a JSON object (``application/json``; ``json_body`` names other media
types, or none for a route that reads its own body, whose media types
``uploads`` names).
"""

import functools
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema
from werkzeug.wrappers import Request, Response

from interlude_contracts.api import EmptyRequest

from .auth import Caller, TokenSigner
from .clients import ActivitiesClient, AssignmentsClient, IdentityClient, NotificationsClient, ReportingClient
from .media import MediaStore
from .names import DisplayNames
from .policy import Policy
from .server import http
from .sessions import SessionCheck
from .web import BODY_METHODS, JSON_TYPES, endpoint
from .webapp import WebBundle

Handler = Callable[..., Response]

# werkzeug rule variables: <name>, <int:name>, <any(a, b):name>
_PATH_VARIABLE = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>")


@dataclass(frozen=True)
class Dependency:
    """What a handler parameter of this name gets: ``build`` from the worker (the service instance)."""

    type: Any
    build: Callable[[Any], Any]


def _client(client_class: type, proxy_name: str) -> Dependency:
    return Dependency(client_class, lambda worker: client_class(getattr(worker, proxy_name)))


def _provided(name: str, kind: type) -> Dependency:
    return Dependency(kind, lambda worker: getattr(worker, name))


# The one place the service's nameko dependencies (RPC proxies and providers) become what routes take.
DEPENDENCIES: dict[str, Dependency] = {
    "activities": _client(ActivitiesClient, "activities"),
    "assignments": _client(AssignmentsClient, "assignments"),
    "identity": _client(IdentityClient, "identity"),
    "notifications": _client(NotificationsClient, "notifications"),
    "reporting": _client(ReportingClient, "reporting"),
    "tokens": _provided("tokens", TokenSigner),
    "sessions": _provided("sessions", SessionCheck),
    "policy": _provided("policy", Policy),
    "names": _provided("names", DisplayNames),
    "media": _provided("media", MediaStore),
    "web": _provided("web", WebBundle),
    "service_class": Dependency(type, type),
}
REQUEST_VALUES = {"request": Request, "caller": Caller, "correlation_id": str}


@dataclass(frozen=True)
class Contract:
    """What a route takes and answers: checked on each request (``body``) and published in the OpenAPI document."""

    body: type[Schema] | None = None  # None on a POST, PUT or PATCH: no fields (EmptyRequest)
    response: type[Schema] | None = None
    status: int = 200
    listed: bool = False  # takes ?limit=&offset=
    query: tuple[str | tuple[str, dict[str, Any]], ...] = ()  # its query parameters: a name (text), or with a schema
    headers: tuple[str, ...] = ()  # request headers it reads (openapi.HEADERS)
    required_headers: tuple[str, ...] = ()
    json_body: tuple[str, ...] = JSON_TYPES
    uploads: tuple[str, ...] = ()  # the media types of a body the route reads itself (json_body empty)
    answers: str = "application/json"  # the success response's media type
    creates: str | None = None  # the id field of what a 201 answer created: linked to the routes that take it
    errors: tuple[int, ...] = ()  # statuses beyond those every route of its kind may answer (openapi._responses)

    def body_schema(self, method: str) -> type[Schema] | None:
        """The schema the body is checked against; None when the route reads no JSON body."""
        if method not in BODY_METHODS or not self.json_body:
            return None
        return self.body or EmptyRequest


@dataclass(frozen=True)
class Route:
    method: str
    rule: str
    roles: tuple[str, ...]
    handler: Handler
    contract: Contract = Contract()


class RouteTable:
    """The routes of one area of the API."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def http(self, method: str, rule: str, *roles: str, **contract: Any) -> Callable[[Handler], Handler]:
        """Declare a route; no roles means no token is needed; the keywords are its ``Contract``.

        ``json_body``: the media types its body may be sent as (a POST, PUT or PATCH body is always
        read as a JSON object before the handler runs); empty when the handler reads the body itself.
        """
        declared = Contract(**contract)

        def register(handler: Handler) -> Handler:
            self.routes.append(Route(method, rule, roles, handler, declared))
            return handler

        return register


# Each mounted entrypoint's contract, for the OpenAPI document; see ``contract_of``.
_CONTRACTS: dict[Handler, Contract] = {}


def contract_of(entrypoint: Handler) -> Contract:
    """The contract a mounted entrypoint was declared with (an empty one for any other)."""
    return _CONTRACTS.get(entrypoint, Contract())


def mount(service_class: type, *tables: RouteTable) -> None:
    """Add every route of the tables to the service class as an HTTP entrypoint named after its handler."""
    for table in tables:
        for route in table.routes:
            name = route.handler.__name__
            if hasattr(service_class, name):
                raise TypeError(f"{service_class.__name__} already has {name!r}: route handlers need unique names.")
            dependencies = _dependencies_of(route)
            contract = route.contract
            json_body = contract.json_body if route.method in BODY_METHODS else ()
            schema = contract.body_schema(route.method)
            wrap = endpoint(*route.roles, json_body=json_body, body_schema=schema() if schema else None)
            method = wrap(_entrypoint_calling(route.handler, dependencies))
            _CONTRACTS[method] = contract
            setattr(service_class, name, http(route.method, route.rule)(method))


def _dependencies_of(route: Route) -> tuple[str, ...]:
    """The handler's dependency parameters; a TypeError names any parameter nothing provides or mistypes."""
    path_variables = set(_PATH_VARIABLE.findall(route.rule))
    dependencies = []
    where = f"{route.handler.__module__}.{route.handler.__name__}"
    parameters = inspect.signature(route.handler).parameters
    for name, parameter in parameters.items():
        if name in path_variables:
            continue
        expected = REQUEST_VALUES.get(name) or (DEPENDENCIES[name].type if name in DEPENDENCIES else None)
        if expected is None or (name == "caller" and not route.roles):
            raise TypeError(f"{where}: nothing provides the parameter {name!r}.")
        if parameter.annotation is not expected:
            raise TypeError(f"{where}: {name!r} must be annotated {expected.__name__}.")
        if name in DEPENDENCIES:
            dependencies.append(name)
    missing = path_variables - set(parameters)
    if missing:
        raise TypeError(f"{where}: the path variables {sorted(missing)} are not parameters.")
    return tuple(dependencies)


def _entrypoint_calling(handler: Handler, dependencies: tuple[str, ...]) -> Handler:
    request_values = [name for name in REQUEST_VALUES if name in inspect.signature(handler).parameters]

    @functools.wraps(handler)
    def entrypoint(worker: Any, request: Request, **values: Any) -> Response:
        values["request"] = request
        arguments = {name: values[name] for name in request_values}
        arguments.update({name: values[name] for name in values if name not in REQUEST_VALUES})
        arguments.update({name: DEPENDENCIES[name].build(worker) for name in dependencies})
        return handler(**arguments)

    return entrypoint
