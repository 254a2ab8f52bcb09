"""The reporting service's entrypoints: it consumes events and answers report queries."""

import os
from datetime import UTC, datetime
from typing import Any

import eventlet
from nameko.timer import timer

from interlude_contracts.api import ClientReportSchema
from interlude_contracts.errors import NotFound
from interlude_contracts.events import Event
from interlude_contracts.schemas import shared
from interlude_runtime.consuming import event_consumer
from interlude_runtime.health import HealthRpc
from interlude_runtime.metrics import Metrics
from interlude_runtime.rpc import rpc
from interlude_runtime.rpc_proxy import RpcProxy

from . import reports
from .dependencies import projection_database
from .exports import as_csv, export_page
from .lag import probe_lag
from .projection import apply_event, client_report, purge_client
from .pseudonyms import client_of, pseudonyms_of
from .rebuild import SOURCES

LAG_PROBE_SECONDS = float(os.environ.get("PROJECTION_LAG_PROBE_SECONDS", "15"))
LAG_PROBE_TIMEOUT_SECONDS = 10


class LagProbeTimeout(Exception):
    """A source did not answer the lag probe's read_log in time."""


class ReportingService(HealthRpc):
    name = "reporting"

    database = projection_database()
    metrics = Metrics()
    activities = RpcProxy("activities")
    assignments = RpcProxy("assignments")

    @event_consumer("reporting.events")
    def on_event(self, event: Event) -> None:
        apply_event(self.database, event)

    @timer(interval=LAG_PROBE_SECONDS)
    def probe_lag(self) -> dict[str, int]:
        """Publish ``interlude_projection_lag_events`` per source (a source that does not answer is skipped)."""
        return probe_lag(self.database, self._read_log, SOURCES)

    def _read_log(self, source: str, after: int, limit: int) -> dict[str, Any]:
        with eventlet.Timeout(LAG_PROBE_TIMEOUT_SECONDS, LagProbeTimeout(source)):
            return getattr(self, source).read_log(after, limit)

    @rpc
    def purge_client(self, clinic_id: str, client_id: str) -> None:
        """Erasure: the client's rows go, with no copy left in the database files."""
        purge_client(self.database, clinic_id, client_id)

    @rpc
    def pseudonyms(self, clinic_id: str, client_ids: list[str]) -> dict[str, str]:
        """The pseudonym analysts know each client by (docs/security.md)."""
        return pseudonyms_of(self.database, clinic_id, client_ids)

    @rpc
    def client_of_pseudonym(self, clinic_id: str, pseudonym: str) -> str:
        return client_of(self.database, clinic_id, pseudonym)

    @rpc
    def client_report(self, clinic_id: str, client_id: str, therapist_id: str | None = None) -> dict[str, Any]:
        """One client's report in the clinic; only the assignments a therapist made, when one is named."""
        return shared(ClientReportSchema).dump(client_report(self.database, clinic_id, client_id, therapist_id))

    @rpc
    def assignment_timeline(self, clinic_id: str, assignment_id: str) -> dict[str, Any]:
        timeline = reports.assignment_timeline(self.database, clinic_id, assignment_id)
        if not timeline["timeline"]:
            raise NotFound("No such assignment.", {"assignment_id": [f"No assignment {assignment_id} in this clinic."]})
        return timeline

    @rpc
    def client_adherence(self, clinic_id: str, client_id: str) -> dict[str, Any]:
        return reports.client_adherence(self.database, clinic_id, client_id, datetime.now(UTC))

    @rpc
    def client_progress(self, clinic_id: str, client_id: str) -> dict[str, Any]:
        return reports.client_progress(self.database, clinic_id, client_id)

    @rpc
    def measure_progress(self, clinic_id: str, client_id: str, measure: str) -> dict[str, Any]:
        return reports.measure_progress(self.database, clinic_id, client_id, measure)

    @rpc
    def client_risk_flags(self, clinic_id: str, client_id: str) -> list[dict[str, Any]]:
        return reports.risk_flags(self.database, clinic_id, client_id)

    @rpc
    def caseload(self, clinic_id: str, therapist_id: str) -> list[dict[str, Any]]:
        return reports.caseload(self.database, clinic_id, therapist_id, datetime.now(UTC))

    @rpc
    def clinic_usage(self, clinic_id: str) -> dict[str, Any]:
        return reports.clinic_usage(self.database, clinic_id)

    @rpc
    def export_page(
        self,
        clinic_id: str,
        report: str,
        filters: dict[str, str],
        offset: int | str,
        limit: int,
        pseudonymised: bool = False,
        csv: bool = False,
    ) -> dict[str, Any]:
        """A page of a report; ``pseudonymised`` for an analyst (each client named by their pseudonym); with
        ``csv``, its rows as CSV text (``"csv"``, not ``"rows"``): a thousand rows as one string, not as lists
        to encode here and decode in the gateway."""
        now = datetime.now(UTC)
        page = export_page(self.database, clinic_id, report, filters, offset, limit, now, bool(pseudonymised))
        return as_csv(page) if csv else page
