"""What every area's entrypoints share: the application, the activities service and request checks."""

from datetime import UTC, datetime, timedelta
from typing import Any

from interlude_contracts.errors import ValidationFailed
from interlude_runtime.rpc_proxy import RpcProxy

from ..application import AssignmentsApplication
from ..dependencies import assignments_application
from ..recurrences import InvalidRule, parse_rule
from ..schedules import expiry_of


class Entrypoints:
    """The providers the areas' entrypoints use; each area's class extends this one."""

    app: AssignmentsApplication = assignments_application()
    activities = RpcProxy("activities")

    def _version(self, clinic_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """The published version a request names (the latest unless one is named); the handler pins it."""
        version: dict[str, Any] = self.activities.get_version(
            clinic_id, str(body["activity_id"]), body["activity_version"]
        )
        return version


def check_due_in_future(body: dict[str, Any]) -> None:
    if body["due_at"] is not None and body["due_at"] <= datetime.now(UTC):
        raise ValidationFailed("due_at is in the past.", {"due_at": ["Must be in the future."]})


def check_release(body: dict[str, Any]) -> None:
    """A release time, when given, must come before the due time."""
    release_at, due_at = body.get("release_at"), body.get("due_at")
    if release_at is not None and due_at is not None and release_at >= due_at:
        raise ValidationFailed("release_at is not before due_at.", {"release_at": ["Must be before due_at."]})


def check_rule(body: dict[str, Any]) -> None:
    """The recurrence rule must parse (RFC 5545) from its start."""
    try:
        parse_rule(body["rule"], body["starts_at"])
    except InvalidRule as error:
        raise ValidationFailed(str(error), {"rule": [str(error)]}) from None


def schedule_of(body: dict[str, Any]) -> dict[str, Any]:
    """The schedule keywords of ``Assign`` from a validated AssignRequest."""
    grace = body.get("grace_hours")
    return {
        "release_at": body.get("release_at"),
        "expires_at": expiry_of(body.get("due_at"), None if grace is None else timedelta(hours=grace)),
        "reminders": body.get("reminders"),
    }
