"""Release, opened and expiry: the assignment log's commands about time.

A mixin of ``AssignmentsApplication``; the clock is injectable so tests can
move time, and every command takes "now" from it.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

from interlude_contracts.errors import Conflict

from .domain import Assignment, AssignmentError

Clock = Callable[[], datetime]

DEFAULT_GRACE = timedelta(hours=24)


def system_clock() -> datetime:
    return datetime.now(UTC)


def expiry_of(due_at: datetime | None, grace: timedelta | None) -> datetime | None:
    """When an assignment expires: its due time plus the grace period (none without a due time)."""
    if due_at is None:
        return None
    return due_at + (DEFAULT_GRACE if grace is None else grace)


class ScheduleCommands:
    """Opened and expiry commands; mixed into the application (which provides get/save/repository)."""

    clock: Clock = staticmethod(system_clock)

    def open(self, clinic_id: str, assignment_id: UUID, client_id: str, correlation_id: str) -> Assignment:
        """The client opens their assignment; the first opening is recorded."""
        assignment = self.get(clinic_id, assignment_id, client_id)  # type: ignore[attr-defined]
        try:
            opened = assignment.open(self.clock(), correlation_id)
        except AssignmentError as error:
            raise Conflict(str(error), {"assignment_id": [str(error)]}) from None
        if opened:
            self.save(assignment)  # type: ignore[attr-defined]
        return assignment

    def expire(self, clinic_id: str, assignment_id: UUID, correlation_id: str) -> bool:
        """Expire an open assignment whose expiry time has passed; False when there is nothing to do."""
        assignment = self.get(clinic_id, assignment_id)  # type: ignore[attr-defined]
        if not assignment.expire(self.clock(), correlation_id):
            return False
        self.save(assignment)  # type: ignore[attr-defined]
        return True
