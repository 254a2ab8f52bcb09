"""The assignments service's entrypoints. Logic lives in the application and domain."""

import logging
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import eventlet
from nameko.rpc import RpcProxy
from nameko.timer import timer
from prometheus_client import Counter

from interlude_contracts.analytics import AcknowledgeRiskFlagRequest
from interlude_contracts.api import AssignRequest, CancelRequest, SubmitResponseRequest
from interlude_contracts.errors import ValidationFailed, parse_uuid, validated
from interlude_contracts.runtime.health import HealthRpc
from interlude_contracts.runtime.metrics import Metrics
from interlude_contracts.runtime.outbox import log_page
from interlude_contracts.runtime.rpc import rpc

from .dependencies import SnapshotRepairSchedule, assignments_application
from .repair import repair_snapshots
from .schedule_entrypoints import ScheduleEntrypoints, check_release, schedule_of
from .snapshot import Personalisation
from .translation import acknowledgement_body, assignment_body, client_view, to_envelope

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


class AssignmentsService(ScheduleEntrypoints, HealthRpc):
    name = "assignments"

    app = assignments_application()
    repair_schedule = SnapshotRepairSchedule()
    activities = RpcProxy("activities")
    metrics = Metrics()

    @rpc
    def assign(self, clinic_id: str, therapist_id: str, request: dict[str, Any], correlation_id: str) -> dict[str, Any]:
        """Assign a published activity version (the latest unless one is named) to a client."""
        body = validated(AssignRequest(), request)
        if body["due_at"] is not None and body["due_at"] <= datetime.now(UTC):
            raise ValidationFailed("due_at is in the past.", {"due_at": ["Must be in the future."]})
        check_release(body)
        assignment = self.app.assign(
            clinic_id,
            therapist_id,
            body["client_id"],
            self._version(clinic_id, body),
            body["due_at"],
            correlation_id,
            **schedule_of(body),
            personalisation=Personalisation.of(body),
        )
        return assignment_body(assignment)

    @rpc
    def submit_response(
        self,
        clinic_id: str,
        client_id: str,
        assignment_id: str,
        request: dict[str, Any],
        correlation_id: str,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """The client's own response; validated against the exact version assigned.

        A retry carrying the idempotency key of the recorded submission gets the
        same answer instead of a conflict.
        """
        body = validated(SubmitResponseRequest(), request)
        assignment = self.app.submit(
            clinic_id,
            parse_uuid(assignment_id, "assignment_id"),
            body["answers"],
            correlation_id,
            client_id,
            idempotency_key=idempotency_key,
        )
        return client_view(assignment_body(assignment))

    @rpc
    def cancel(
        self,
        clinic_id: str,
        cancelled_by: str,
        assignment_id: str,
        request: dict[str, Any],
        correlation_id: str,
        therapist_id: str | None = None,
    ) -> dict[str, Any]:
        """Cancel; with ``therapist_id``, only an assignment that therapist made."""
        body = validated(CancelRequest(), request)
        assignment = self.app.cancel(
            clinic_id,
            parse_uuid(assignment_id, "assignment_id"),
            cancelled_by,
            body["reason"],
            correlation_id,
            therapist_id=therapist_id,
        )
        return assignment_body(assignment)

    @rpc
    def get_assignment(
        self, clinic_id: str, assignment_id: str, client_id: str | None = None, therapist_id: str | None = None
    ) -> dict[str, Any]:
        """One assignment of the clinic; of that client or made by that therapist, when named.

        Scores and risk flags are for the therapist: a client (``client_id`` given) sees neither.
        """
        assignment_id_ = parse_uuid(assignment_id, "assignment_id")
        body = assignment_body(self.app.get(clinic_id, assignment_id_, client_id, therapist_id))
        return body if client_id is None else client_view(body)

    @rpc
    def todo(self, clinic_id: str, client_id: str) -> list[dict[str, Any]]:
        return [assignment_body(a) for a in self.app.todo(clinic_id, client_id)]

    @rpc
    def list_for_client(self, clinic_id: str, client_id: str, therapist_id: str | None = None) -> list[dict[str, Any]]:
        return [assignment_body(a) for a in self.app.for_client(clinic_id, client_id, therapist_id)]

    @rpc
    def erase_client(self, clinic_id: str, client_id: str) -> None:
        """Crypto-shred the client's assignments and answers: their key is destroyed (idempotent)."""
        self.app.erase_client(clinic_id, client_id)

    @rpc
    def acknowledge_risk_flag(
        self,
        clinic_id: str,
        therapist_id: str,
        assignment_id: str,
        flag_id: str,
        request: dict[str, Any],
        correlation_id: str,
    ) -> dict[str, Any]:
        """A therapist acknowledges a risk flag of an assignment in their clinic; recorded with who and when."""
        body = validated(AcknowledgeRiskFlagRequest(), request)
        flag = parse_uuid(flag_id, "flag_id")
        assignment = self.app.acknowledge_risk_flag(
            clinic_id, parse_uuid(assignment_id, "assignment_id"), flag, therapist_id, body["note"], correlation_id
        )
        return acknowledgement_body(assignment, str(flag))

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

    @rpc
    def read_log(self, after: int, limit: int = 500) -> dict[str, Any]:
        """Published events after a position, for rebuilding projections from the log."""
        envelopes, last = log_page(self.app, to_envelope, int(after), min(int(limit), MAX_LOG_PAGE))
        return {"events": envelopes, "last_position": last}
