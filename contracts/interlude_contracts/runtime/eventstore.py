"""Helpers for eventsourcing applications shared by the services."""

from collections.abc import Callable, Sequence
from typing import TypeVar

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

AggregatesT = TypeVar("AggregatesT", bound=Sequence[Aggregate])


def save_with_retry(app: Application, build: Callable[[], AggregatesT], attempts: int = 5) -> AggregatesT:
    """Build and save aggregates atomically, rebuilding after a concurrent write.

    Used where a new aggregate is saved together with an index aggregate that
    other requests may be appending to at the same moment: optimistic
    concurrency rejects the loser, which reloads the index and tries again.
    """
    for attempt in range(attempts):
        aggregates = build()
        try:
            app.save(*aggregates)
            return aggregates
        except IntegrityError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
