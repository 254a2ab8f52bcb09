"""Time in the assignment log: the clock every command takes "now" from, and expiry times."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]

DEFAULT_GRACE = timedelta(hours=24)


def system_clock() -> datetime:
    return datetime.now(UTC)


def expiry_of(due_at: datetime | None, grace: timedelta | None) -> datetime | None:
    """When an assignment expires: its due time plus the grace period (none without a due time)."""
    if due_at is None:
        return None
    return due_at + (DEFAULT_GRACE if grace is None else grace)
