"""The assignments service's schedule entrypoints: opened, and the scheduler's expiry triggers.

A mixin of ``AssignmentsService`` (which provides ``app``).
"""

from datetime import timedelta
from typing import Any

from nameko.rpc import rpc

from interlude_contracts.errors import ValidationFailed, parse_uuid
from interlude_contracts.events import ASSIGNMENT_EXPIRY_DUE, Event
from interlude_contracts.runtime.consuming import event_consumer

from .schedules import expiry_of
from .translation import assignment_body


def check_release(body: dict[str, Any]) -> None:
    """A release time, when given, must come before the due time."""
    release_at, due_at = body.get("release_at"), body.get("due_at")
    if release_at is not None and due_at is not None and release_at >= due_at:
        raise ValidationFailed("release_at is not before due_at.", {"release_at": ["Must be before due_at."]})


def schedule_of(body: dict[str, Any]) -> dict[str, Any]:
    """The application's schedule keywords from a validated AssignRequest."""
    grace = body.get("grace_hours")
    return {
        "release_at": body.get("release_at"),
        "expires_at": expiry_of(body.get("due_at"), None if grace is None else timedelta(hours=grace)),
        "reminders": body.get("reminders"),
    }


class ScheduleEntrypoints:
    @rpc
    def open_assignment(
        self, clinic_id: str, client_id: str, assignment_id: str, correlation_id: str
    ) -> dict[str, Any]:
        """The client opens their assignment (recorded the first time)."""
        assignment = self.app.open(clinic_id, parse_uuid(assignment_id, "assignment_id"), client_id, correlation_id)
        return assignment_body(assignment)

    @event_consumer("assignments.events")
    def on_schedule_trigger(self, event: Event) -> None:
        """The notifications scheduler says an expiry time has come; idempotent (expire checks state)."""
        if event.event_type == ASSIGNMENT_EXPIRY_DUE:
            self.app.expire(event.clinic_id, event.payload["assignment_id"], event.correlation_id)
