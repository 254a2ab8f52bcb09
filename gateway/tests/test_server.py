"""The gateway's HTTP server turns Nagle's algorithm off on every connection it accepts.

With it on, a kept-alive connection (a browser's) waited for a delayed acknowledgement between a
response's head and body: 40 ms more per request than on a new connection.
"""

import socket
from types import SimpleNamespace
from typing import Any

import eventlet
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.web.server import WebServer

from interlude_gateway.server import HttpRoute, NoDelayWebServer
from interlude_gateway.service import GatewayService


def accepted_connection(server: WebServer) -> Any:
    """The socket ``server.run`` hands on for the first connection a client opens."""
    server._sock = eventlet.listen(("127.0.0.1", 0))
    server._is_accepting = True
    server._serv = SimpleNamespace(socket_timeout=5)
    handed_on: list[Any] = []

    def spawn(work: Any) -> None:
        handed_on.append(work.args[0])
        server._is_accepting = False

    server.container = SimpleNamespace(spawn_managed_thread=spawn)
    client = socket.create_connection(server._sock.getsockname())
    try:
        server.run()
    finally:
        client.close()
        server._sock.close()
    return handed_on[0]


def test_an_accepted_connection_has_nagle_off() -> None:
    connection = accepted_connection(NoDelayWebServer())

    assert connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    connection.close()


def test_nameko_alone_would_leave_it_on() -> None:
    connection = accepted_connection(WebServer())

    assert connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
    connection.close()


def test_every_route_of_the_gateway_is_served_by_that_server() -> None:
    entrypoints = [
        extension
        for member in vars(GatewayService).values()
        for extension in getattr(member, ENTRYPOINT_EXTENSIONS_ATTR, ())
        if hasattr(extension, "url")
    ]

    assert len(entrypoints) > 50
    assert all(isinstance(entrypoint, HttpRoute) for entrypoint in entrypoints)
