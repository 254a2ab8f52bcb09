"""The notifications service's entrypoints."""

from typing import Any

from nameko.rpc import rpc

from interlude_contracts.api import NotificationSchema
from interlude_contracts.events import ACTIVITY_ASSIGNED, Event
from interlude_contracts.runtime.consuming import event_consumer
from interlude_contracts.runtime.health import HealthRpc
from interlude_contracts.runtime.metrics import Metrics

from .dependencies import notifications_database
from .store import for_client, purge_client, record_new_activity


class NotificationsService(HealthRpc):
    name = "notifications"

    database = notifications_database()
    metrics = Metrics()

    @event_consumer("notifications.events")
    def on_event(self, event: Event) -> None:
        if event.event_type == ACTIVITY_ASSIGNED:
            record_new_activity(self.database, event)

    @rpc
    def purge_client(self, clinic_id: str, client_id: str) -> None:
        """Erasure: the client's notifications go, with no copy left in the database files."""
        purge_client(self.database, clinic_id, client_id)

    @rpc
    def list_for_client(self, clinic_id: str, client_id: str) -> list[dict[str, Any]]:
        return NotificationSchema(many=True).dump(for_client(self.database, clinic_id, client_id))
