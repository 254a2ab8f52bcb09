"""Entrypoints over the whole log: pages of it for projection rebuilds, and the snapshot repair."""

import logging
from dataclasses import asdict
from typing import Any

import eventlet
from nameko.timer import timer
from prometheus_client import Counter

from interlude_runtime.outbox import log_page
from interlude_runtime.rpc import rpc

from ..dependencies import snapshot_repair_schedule
from ..repair import repair_snapshots
from ..translation import to_envelope
from .base import Entrypoints

MAX_LOG_PAGE = 1000
# How often the service asks whether the snapshot repair is due (dependencies.SnapshotRepairSchedule says when).
REPAIR_CHECK_SECONDS = 5
VERSION_TIMEOUT_SECONDS = 10

log = logging.getLogger(__name__)
SNAPSHOTS_REPAIRED = Counter(
    "interlude_snapshots_repaired_total",
    "Aggregates whose snapshot the repair completed (completed), answers it scored (scored), repairs that failed.",
    ["outcome"],
)


class LogEntrypoints(Entrypoints):
    repair_schedule = snapshot_repair_schedule()

    @rpc
    def read_log(self, after: int, limit: int = 500) -> dict[str, Any]:
        """Published events after a position, for rebuilding projections from the log."""
        # The relay checks each envelope before it publishes it; read_log's readers (the reporting rebuild, its
        # lag probe) load each with load_event, the same check, or only count them.
        envelopes, last = log_page(self.app, to_envelope, int(after), min(int(limit), MAX_LOG_PAGE), validate=False)
        # newest_position: how far the log goes, for a progress bar (a caller that predates it ignores it).
        newest = self.app.recorder.max_notification_id() or 0
        return {"events": envelopes, "last_position": last, "newest_position": max(newest, last)}

    @rpc
    def repair_snapshots(self, correlation_id: str = "snapshot-repair") -> dict[str, Any]:
        """Complete snapshots stored without their scoring and score their responses (repair.py); idempotent."""
        versions: dict[tuple[str, str, int], dict[str, Any]] = {}

        def version_of(clinic_id: str, activity_id: str, number: int) -> dict[str, Any]:
            key = (clinic_id, activity_id, number)
            if key not in versions:
                late = TimeoutError(f"The activities service did not answer in {VERSION_TIMEOUT_SECONDS} s.")
                with eventlet.Timeout(VERSION_TIMEOUT_SECONDS, late):
                    versions[key] = self.activities.get_version(clinic_id, activity_id, number)
            return versions[key]

        report = asdict(repair_snapshots(self.app, version_of, correlation_id))
        for outcome in ("completed", "scored", "failed"):
            SNAPSHOTS_REPAIRED.labels(outcome).inc(len(report[outcome]))
        if report["completed"] or report["failed"]:
            log.warning("snapshot repair: %s", report)
        return report

    @timer(interval=REPAIR_CHECK_SECONDS, eager=True)
    def repair_snapshots_on_schedule(self) -> None:
        if not self.repair_schedule.due():
            return
        failed = True
        try:
            failed = bool(self.repair_snapshots()["failed"])
        finally:
            self.repair_schedule.ran(failed)
