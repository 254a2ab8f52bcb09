"""Prometheus metrics shared by every service, and the provider that serves them."""

import logging
import time
from typing import TYPE_CHECKING, Any

from nameko.extensions import DependencyProvider
from prometheus_client import Counter, Gauge, Histogram

if TYPE_CHECKING:
    from .probes import Readiness

log = logging.getLogger(__name__)

ENTRYPOINT_DURATION = Histogram(
    "interlude_entrypoint_duration_seconds",
    "Time spent in an RPC, HTTP or event entrypoint.",
    ["service", "entrypoint", "outcome"],
)
EVENTS_CONSUMED = Counter("interlude_events_consumed_total", "Events handled successfully.", ["queue", "event_type"])
EVENT_HANDLER_ERRORS = Counter(
    "interlude_event_handler_errors_total",
    "Events whose handler raised; they are retried after a pause.",
    ["queue", "event_type"],
)
EVENTS_DEAD_LETTERED = Counter(
    "interlude_events_dead_lettered_total",
    "Messages rejected to the dead-letter queue.",
    ["queue", "reason"],
)
RPC_MESSAGES_DEAD_LETTERED = Counter(
    "interlude_rpc_messages_dead_lettered_total",
    "RPC requests that cannot be handled (no reply_to, undecodable, unknown method, ...), copied to "
    "rpc-<service>.dead-letter and acknowledged.",
    ["service", "reason"],
)
EVENTS_PUBLISHED = Counter(
    "interlude_events_published_total", "Events confirmed by the broker.", ["source", "event_type"]
)
RELAY_POSITION = Gauge("interlude_relay_position", "Last notification id published by the relay.", ["source"])
RELAY_LAG = Gauge("interlude_relay_lag_events", "Stored events not yet published by the relay.", ["source"])


class Metrics(DependencyProvider):
    """Times every entrypoint; serves /metrics and /health/{live,ready} on METRICS_PORT when configured.

    Its value in a worker is the readiness of the service's own store, which the health RPC reports.
    """

    def setup(self) -> None:
        from .probes import Readiness, process_checks, serve_operations, store_checks

        database_url = self._database_url()
        self.store = Readiness(store_checks(database_url))
        port = self.container.config.get("METRICS_PORT")
        if port:
            checks = process_checks(self.container.config["AMQP_URI"], database_url)
            address = self.container.config.get("METRICS_ADDR", "0.0.0.0")
            self._server = serve_operations(int(port), checks, address=address)

    def stop(self) -> None:
        server = getattr(self, "_server", None)
        if server is not None:
            server.shutdown()
            server.server_close()

    def _database_url(self) -> str | None:
        """The service's store when it keeps one (the gateway keeps none)."""
        from .providers import EventSourcedApplication, SqlDatabase
        from .storage import database_url

        if any(isinstance(d, EventSourcedApplication | SqlDatabase) for d in self.container.dependencies):
            return database_url(self.container.service_name)
        return None

    def get_dependency(self, worker_ctx: Any) -> "Readiness":
        return self.store

    def worker_setup(self, worker_ctx: Any) -> None:
        worker_ctx.data["_metrics_started"] = time.perf_counter()

    def worker_result(self, worker_ctx: Any, result: Any = None, exc_info: Any = None) -> None:
        started = worker_ctx.data.get("_metrics_started")
        if started is None:
            return
        ENTRYPOINT_DURATION.labels(
            service=self.container.service_name,
            entrypoint=worker_ctx.entrypoint.method_name,
            outcome="error" if exc_info else "ok",
        ).observe(time.perf_counter() - started)
