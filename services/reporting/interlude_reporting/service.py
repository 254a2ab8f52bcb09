"""The reporting service's entrypoints: it consumes events and answers report queries."""

from typing import Any

from nameko.rpc import rpc

from interlude_contracts.api import ClientReportSchema
from interlude_contracts.events import Event
from interlude_contracts.runtime.consuming import event_consumer
from interlude_contracts.runtime.health import HealthRpc
from interlude_contracts.runtime.metrics import Metrics

from .dependencies import projection_database
from .projection import apply_event, client_report, purge_client


class ReportingService(HealthRpc):
    name = "reporting"

    database = projection_database()
    metrics = Metrics()

    @event_consumer("reporting.events")
    def on_event(self, event: Event) -> None:
        apply_event(self.database, event)

    @rpc
    def purge_client(self, clinic_id: str, client_id: str) -> None:
        """Erasure: the client's rows go, with no copy left in the database files."""
        purge_client(self.database, clinic_id, client_id)

    @rpc
    def client_report(self, clinic_id: str, client_id: str, therapist_id: str | None = None) -> dict[str, Any]:
        """One client's report in the clinic; only the assignments a therapist made, when one is named."""
        return ClientReportSchema().dump(client_report(self.database, clinic_id, client_id, therapist_id))
