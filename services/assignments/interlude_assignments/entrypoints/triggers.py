"""The bus consumer: the notifications scheduler's triggers and submitted responses, as commands."""

import logging
from typing import Any

from interlude_contracts.events import ASSIGNMENT_EXPIRY_DUE, RELEASE_DUE, RESPONSE_SUBMITTED, Event
from interlude_runtime.consuming import event_consumer
from interlude_runtime.shredding import ClientDataErased

from ..handlers import Command, CompletePathwayStep, ExpireAssignment, ReleaseOccurrence, ReleasePathwaySteps, handle
from .base import Entrypoints

log = logging.getLogger(__name__)


def trigger_command(event: Event) -> Command[Any] | None:
    """The command an event asks for; None for events of no concern here."""
    payload = event.payload
    if event.event_type == ASSIGNMENT_EXPIRY_DUE:
        return ExpireAssignment(event.clinic_id, payload["assignment_id"], event.correlation_id)
    if event.event_type == RELEASE_DUE and payload["schedule_kind"] == "recurrence":
        return ReleaseOccurrence(payload["schedule_id"], payload["release_at"], event.correlation_id)
    if event.event_type == RELEASE_DUE and payload["schedule_kind"] == "pathway":
        return ReleasePathwaySteps(payload["schedule_id"], payload["release_at"], event.correlation_id)
    if event.event_type == RESPONSE_SUBMITTED:
        return CompletePathwayStep(payload["assignment_id"], event.occurred_at, event.correlation_id)
    return None


class TriggerEntrypoints(Entrypoints):
    @event_consumer("assignments.events")
    def on_schedule_trigger(self, event: Event) -> None:
        """A release or expiry time has come, or a response was submitted; idempotent (each command checks state)."""
        command = trigger_command(event)
        if command is None:
            return
        try:
            handle(self.app, command)
        except ClientDataErased:
            # The client was erased since the trigger was scheduled: nothing is left to release or expire.
            log.info("ignored %s for an erased client", event.event_type)
