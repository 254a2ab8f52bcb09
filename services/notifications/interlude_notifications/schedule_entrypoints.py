"""The notifications service's scheduler entrypoints: the timer tick and the schedule RPCs.

A mixin of ``NotificationsService`` (which provides ``database`` and ``scheduler``).
Every replica ticks; claims keep them from sending anything twice.
"""

import os
from datetime import UTC, datetime
from typing import Any

from nameko.extensions import DependencyProvider
from nameko.timer import timer

from interlude_contracts.errors import validated
from interlude_contracts.events import (
    ACTIVITY_ASSIGNED,
    ASSIGNMENT_CANCELLED,
    ASSIGNMENT_EXPIRED,
    DUE_DATE_EXTENDED,
    RELEASE_SCHEDULED,
    RESPONSE_SUBMITTED,
    Event,
)
from interlude_contracts.schedules import (
    DeliverySchema,
    FollowUpRequest,
    PreferencesSchema,
    ReminderDefaultsSchema,
    ScheduledEntrySchema,
)
from interlude_contracts.schemas import shared
from interlude_runtime.providers import SqlDatabase
from interlude_runtime.rpc import rpc
from interlude_runtime.storage import Database

from .channels import channels_from_env
from .planning import (
    close_for,
    get_reminder_defaults,
    plan_assignment,
    plan_follow_up,
    plan_release,
    replan_for_due_date,
    set_reminder_defaults,
)
from .preferences import Preferences, get_preferences, save_preferences
from .schedule import entries_for_client
from .scheduler import Scheduler, dead_letters, deliveries_for_client

TICK_SECONDS = float(os.environ.get("SCHEDULER_TICK_SECONDS", "1"))
HEARTBEAT_SECONDS = float(os.environ.get("SCHEDULER_HEARTBEAT_SECONDS", "1"))
HEARTBEAT_TIMEOUT_SECONDS = float(os.environ.get("SCHEDULER_HEARTBEAT_TIMEOUT_SECONDS", "10"))
CLOSING_EVENTS = (RESPONSE_SUBMITTED, ASSIGNMENT_CANCELLED, ASSIGNMENT_EXPIRED)


class SchedulerProvider(DependencyProvider):
    """The scheduler on the service's own database (its SqlDatabase), with the channels the environment configures."""

    def start(self) -> None:
        # After every provider's setup: the SqlDatabase is open and its tables exist.
        [provider] = [dep for dep in self.container.dependencies if isinstance(dep, SqlDatabase)]
        if provider.database is None:
            raise RuntimeError("The service's SqlDatabase is not set up before its scheduler starts.")
        self.scheduler = Scheduler(
            provider.database, channels_from_env(os.environ), heartbeat_timeout_seconds=HEARTBEAT_TIMEOUT_SECONDS
        )

    def get_dependency(self, worker_ctx: Any) -> Scheduler:
        return self.scheduler


def schedule_for(database: Database, event: Event) -> None:
    """Plan or cancel scheduled messages for an assignment event (idempotent)."""
    if event.event_type == ACTIVITY_ASSIGNED:
        plan_assignment(database, event)
    elif event.event_type in CLOSING_EVENTS:
        close_for(database, event)
    elif event.event_type == RELEASE_SCHEDULED:
        plan_release(database, event)
    elif event.event_type == DUE_DATE_EXTENDED:
        replan_for_due_date(database, event)


class ScheduleEntrypoints:
    # Injected by the service's providers (a worker sees the provided objects, not the providers).
    database: Database
    scheduler: Scheduler

    @timer(interval=TICK_SECONDS)
    def tick(self) -> None:
        while self.scheduler.tick() == self.scheduler.batch_size:
            pass  # a full batch: more may be due

    @timer(interval=HEARTBEAT_SECONDS)
    def heartbeat(self) -> None:
        """Beat apart from the tick, so a tick busy with a long batch does not look like a dead process."""
        self.scheduler.beat()

    @rpc
    def get_preferences(self, clinic_id: str, client_id: str) -> dict[str, Any]:
        return get_preferences(self.database, clinic_id, client_id).to_body()

    @rpc
    def set_preferences(self, clinic_id: str, client_id: str, request: dict[str, Any]) -> dict[str, Any]:
        body = validated(shared(PreferencesSchema), request)
        preferences = Preferences.from_body(body)
        save_preferences(self.database, clinic_id, client_id, preferences)
        return preferences.to_body()

    @rpc
    def get_reminder_defaults(self, clinic_id: str) -> dict[str, Any]:
        return {"reminders": get_reminder_defaults(self.database, clinic_id)}

    @rpc
    def set_reminder_defaults(self, clinic_id: str, request: dict[str, Any]) -> dict[str, Any]:
        body = validated(shared(ReminderDefaultsSchema), request)
        set_reminder_defaults(self.database, clinic_id, body["reminders"])
        return {"reminders": body["reminders"]}

    @rpc
    def send_follow_up(
        self,
        clinic_id: str,
        therapist_id: str,
        client_id: str,
        request: dict[str, Any],
        correlation_id: str,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Delivered once per key (or, without one, per correlation id and message), however often it comes."""
        body = validated(shared(FollowUpRequest), request)
        entry = plan_follow_up(
            self.database,
            clinic_id,
            therapist_id,
            client_id,
            body["text"],
            datetime.now(UTC),
            correlation_id,
            idempotency_key=idempotency_key,
        )
        return {"notification_id": entry.entry_id, "due_at": entry.due_at.isoformat()}

    @rpc
    def deliveries_for_client(self, clinic_id: str, client_id: str) -> list[dict[str, Any]]:
        return shared(DeliverySchema, many=True).dump(deliveries_for_client(self.database, clinic_id, client_id))

    @rpc
    def schedule_for_client(self, clinic_id: str, client_id: str) -> list[dict[str, Any]]:
        return shared(ScheduledEntrySchema, many=True).dump(entries_for_client(self.database, clinic_id, client_id))

    @rpc
    def dead_letters(self, clinic_id: str) -> list[dict[str, Any]]:
        return [{**row, "due_at": row["due_at"].isoformat()} for row in dead_letters(self.database, clinic_id)]
