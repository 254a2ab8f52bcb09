"""The notifications service's entrypoints."""

from typing import Any

from interlude_contracts.api import NotificationSchema
from interlude_contracts.events import ACTIVITY_ASSIGNED, RISK_FLAG_RAISED, Event
from interlude_contracts.schemas import shared
from interlude_runtime.consuming import event_consumer
from interlude_runtime.health import HealthRpc
from interlude_runtime.metrics import Metrics
from interlude_runtime.rpc import rpc

from .alerts import for_therapist, record_risk_alert
from .dependencies import notifications_database
from .schedule_entrypoints import ScheduleEntrypoints, SchedulerProvider, schedule_for
from .store import about_erased_client, for_client, purge_client, record_new_activity


class NotificationsService(ScheduleEntrypoints, HealthRpc):
    name = "notifications"

    database = notifications_database()
    metrics = Metrics()
    scheduler = SchedulerProvider()

    @event_consumer("notifications.events")
    def on_event(self, event: Event) -> None:
        if about_erased_client(self.database, event):
            return  # on its way when the client was erased: nothing of theirs is written again
        if event.event_type == ACTIVITY_ASSIGNED and event.payload["release_at"] is None:
            record_new_activity(self.database, event)  # released now: in the inbox at once
        elif event.event_type == RISK_FLAG_RAISED:
            record_risk_alert(self.database, event)
        schedule_for(self.database, event)
        if about_erased_client(self.database, event):
            # Erased while this was written: the purge may have run before these rows were there. Asked
            # after they were committed, either the tombstone shows here or the purge comes after them.
            purge_client(self.database, event.clinic_id, event.payload["client_id"])

    @rpc
    def purge_client(self, clinic_id: str, client_id: str) -> None:
        """Erasure: the client's notifications go, with no copy left in the database files."""
        purge_client(self.database, clinic_id, client_id)

    @rpc
    def list_for_client(self, clinic_id: str, client_id: str) -> list[dict[str, Any]]:
        return shared(NotificationSchema, many=True).dump(for_client(self.database, clinic_id, client_id))

    @rpc
    def list_for_therapist(self, clinic_id: str, therapist_id: str) -> list[dict[str, Any]]:
        """Alerts addressed to the therapist (risk flags on their clients' responses), newest first."""
        return for_therapist(self.database, clinic_id, therapist_id)
