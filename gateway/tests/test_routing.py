"""``mount`` refuses, at import time, a route whose parameters nothing provides or whose types are wrong."""

import re

import pytest
from werkzeug.wrappers import Request, Response

from interlude_gateway.auth import THERAPIST, Caller
from interlude_gateway.clients import ActivitiesClient, IdentityClient
from interlude_gateway.routing import RouteTable, mount
from interlude_gateway.service import GatewayService


def mounted(handler: object, rule: str = "/things/<thing_id>", *roles: str) -> type:
    routes = RouteTable()
    routes.http("GET", rule, *roles)(handler)  # type: ignore[arg-type]
    service_class = type("Service", (), {})
    mount(service_class, routes)
    return service_class


def test_a_route_naming_its_clients_and_path_variables_is_mounted() -> None:
    def show_thing(caller: Caller, thing_id: str, activities: ActivitiesClient) -> Response:
        return Response()

    assert hasattr(mounted(show_thing, "/things/<thing_id>", THERAPIST), "show_thing")


def test_a_parameter_nothing_provides_is_refused() -> None:
    def show_thing(thing_id: str, clock: float) -> Response:
        return Response()

    with pytest.raises(TypeError, match="nothing provides the parameter 'clock'"):
        mounted(show_thing)


def test_a_path_variable_the_handler_does_not_take_is_refused() -> None:
    def show_thing(request: Request) -> Response:
        return Response()

    with pytest.raises(TypeError, match=re.escape("the path variables ['thing_id'] are not parameters")):
        mounted(show_thing)


def test_a_client_of_the_wrong_type_is_refused() -> None:
    def show_thing(thing_id: str, activities: IdentityClient) -> Response:
        return Response()

    with pytest.raises(TypeError, match="'activities' must be annotated ActivitiesClient"):
        mounted(show_thing)


def test_a_route_without_roles_has_no_caller() -> None:
    def show_thing(request: Request, caller: Caller, thing_id: str) -> Response:
        return Response()

    with pytest.raises(TypeError, match="nothing provides the parameter 'caller'"):
        mounted(show_thing)


def test_two_routes_of_one_name_are_refused() -> None:
    def health() -> Response:
        return Response()

    routes = RouteTable()
    routes.http("GET", "/again")(health)
    with pytest.raises(TypeError, match="already has 'health'"):
        mount(GatewayService, routes)
