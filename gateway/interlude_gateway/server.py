"""The gateway's HTTP server: nameko's, with Nagle's algorithm off on every connection.

eventlet's WSGI server writes a response's head and body in separate sends. With Nagle on, the body
waits for the client to acknowledge the head, and a client holding its connection open (a browser,
an HTTP client with a session) delays that acknowledgement by up to 40 ms: every request on a kept-alive
connection took 40 ms more than on a new one.
"""

import socket
from functools import partial
from typing import Any

from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer


class NoDelayWebServer(WebServer):
    def run(self) -> None:
        while self._is_accepting:
            connection, address = self._sock.accept()
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection.settimeout(self._serv.socket_timeout)
            self.container.spawn_managed_thread(partial(self.process_request, connection, address))


class HttpRoute(HttpRequestHandler):
    server = NoDelayWebServer()


def http(method: str, url: str, **kwargs: Any) -> Any:
    """nameko's ``@http`` entrypoint, served by ``NoDelayWebServer``."""
    return HttpRoute.decorator(method, url, **kwargs)
