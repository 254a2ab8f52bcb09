"""The operations endpoint of every process: /metrics, /health/live and /health/ready.

Served on METRICS_PORT beside the Prometheus metrics, so Kubernetes probes
and Prometheus use one port. Readiness reflects what the process depends on:
the broker (an AMQP connection opens) and, where the process has one, its
database (``SELECT 1``). Results are cached for a few seconds so frequent
probes do not hammer either server.
"""

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import closing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from .storage import is_postgres, postgres_conninfo, postgres_params, sqlite_path

log = logging.getLogger(__name__)

Check = Callable[[], None]
CHECK_TIMEOUT_SECONDS = 3.0
CACHE_SECONDS = 2.0


def broker_check(amqp_uri: str) -> Check:
    def check() -> None:
        from kombu import Connection

        with Connection(amqp_uri, connect_timeout=CHECK_TIMEOUT_SECONDS) as connection:
            connection.ensure_connection(max_retries=1)

    return check


def database_check(url: str) -> Check:
    """A fresh connection each time (not the service's pool), so the answer is about the server now."""

    def check() -> None:
        if is_postgres(url):
            import psycopg

            conninfo = postgres_conninfo(postgres_params(url))
            with psycopg.connect(conninfo, connect_timeout=int(CHECK_TIMEOUT_SECONDS)) as connection:
                connection.execute("SELECT 1")
        else:
            with closing(sqlite3.connect(sqlite_path(url), timeout=CHECK_TIMEOUT_SECONDS)) as connection:
                connection.execute("SELECT 1")

    return check


class Readiness:
    """Runs the named checks; remembers the answer for a moment."""

    def __init__(self, checks: dict[str, Check]) -> None:
        self.checks = checks
        self._lock = threading.Lock()
        self._answer: tuple[float, dict[str, str]] | None = None

    def status(self) -> dict[str, str]:
        with self._lock:
            if self._answer and time.monotonic() - self._answer[0] < CACHE_SECONDS:
                return self._answer[1]
            results = {name: _run(check) for name, check in self.checks.items()}
            self._answer = (time.monotonic(), results)
            return results


def _run(check: Check) -> str:
    try:
        check()
        return "ok"
    except Exception as error:
        log.warning("readiness check failed: %s", error)
        return f"failing: {type(error).__name__}"


def _handler(readiness: Readiness) -> type[BaseHTTPRequestHandler]:
    class OperationsHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/health/live":
                self._send(200, "application/json", json.dumps({"status": "ok"}).encode())
            elif path == "/health/ready":
                checks = readiness.status()
                ready = all(value == "ok" for value in checks.values())
                body = json.dumps({"status": "ok" if ready else "degraded", "checks": checks}).encode()
                self._send(200 if ready else 503, "application/json", body)
            elif path in ("/metrics", "/"):
                self._send(200, CONTENT_TYPE_LATEST, generate_latest(REGISTRY))
            else:
                self._send(404, "text/plain", b"not found\n")

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    return OperationsHandler


def serve_operations(port: int, checks: dict[str, Check], address: str = "0.0.0.0") -> ThreadingHTTPServer:
    """Start the operations endpoint in a daemon thread; returns the server (``shutdown()`` stops it)."""
    server = ThreadingHTTPServer((address, port), _handler(Readiness(checks)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="operations-endpoint", daemon=True).start()
    log.info("metrics and health on port %s", port)
    return server


def store_checks(database_url: str | None) -> dict[str, Check]:
    """The process's own store, where it keeps one (the gateway keeps none)."""
    if database_url and not database_url.startswith("memory://"):
        return {"database": database_check(database_url)}
    return {}


def process_checks(amqp_uri: str, database_url: str | None) -> dict[str, Check]:
    return {"broker": broker_check(amqp_uri), **store_checks(database_url)}
