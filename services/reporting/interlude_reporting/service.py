"""The reporting service's entrypoints: it consumes events and answers report queries."""

import logging
from typing import Any

import eventlet
from nameko.rpc import RpcProxy, rpc
from nameko.timer import timer

from interlude_contracts.api import ClientReportSchema
from interlude_contracts.events import Event
from interlude_contracts.runtime.consuming import event_consumer
from interlude_contracts.runtime.health import HealthRpc
from interlude_contracts.runtime.metrics import PROJECTION_LAG, Metrics

from .dependencies import projection_database
from .lag import applied_position, events_behind
from .projection import apply_event, client_report

log = logging.getLogger(__name__)

SOURCES = ("activities", "assignments")
LAG_INTERVAL_SECONDS = 15
LAG_TIMEOUT_SECONDS = 10


class ReportingService(HealthRpc):
    name = "reporting"

    database = projection_database()
    metrics = Metrics()
    activities = RpcProxy("activities")
    assignments = RpcProxy("assignments")

    @event_consumer("reporting.events")
    def on_event(self, event: Event) -> None:
        apply_event(self.database, event)

    @rpc
    def client_report(self, clinic_id: str, client_id: str) -> dict[str, Any]:
        return ClientReportSchema().dump(client_report(self.database, clinic_id, client_id))

    @timer(interval=LAG_INTERVAL_SECONDS)
    def measure_lag(self) -> None:
        """interlude_projection_lag_events per source; a producer that does not answer leaves its gauge as it was."""
        for source in SOURCES:
            proxy = getattr(self, source)
            try:
                with eventlet.Timeout(LAG_TIMEOUT_SECONDS):
                    behind = events_behind(
                        lambda after, limit, proxy=proxy: proxy.read_log(after, limit),
                        applied_position(self.database, source),
                    )
            except (Exception, eventlet.Timeout) as error:
                log.warning("projection lag of %s not measured: %s", source, error)
                continue
            PROJECTION_LAG.labels(projection="reporting", source=source).set(behind)
