"""Helpers for eventsourcing applications shared by the services."""

import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import Application, Repository
from eventsourcing.domain import Aggregate, DomainEvent
from eventsourcing.persistence import IntegrityError

AggregatesT = TypeVar("AggregatesT", bound=Sequence[Aggregate])


def mutated(aggregate: Any, domain_events: Iterable[Any]) -> Any:
    """The aggregate after each event in turn: eventsourcing's ``project_aggregate`` without its per-event
    ``isinstance`` against a runtime-checkable Protocol, which typing answers by listing the Protocol's
    members every time (about 0.1 ms an event: a client's to-do list of 40 assignments spent 16 ms on it)."""
    for domain_event in domain_events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


class MutatingRepository(Repository[UUID]):
    """A repository whose loads project with ``mutated``."""

    def get(self, aggregate_id: UUID, *, projector_func: Any = mutated, **options: Any) -> Any:
        return super().get(aggregate_id, projector_func=projector_func, **options)


def mutating_repository(built: Repository[UUID]) -> MutatingRepository:
    """``built`` (as ``Application.construct_repository`` configured it), loading with ``mutated``."""
    repository = MutatingRepository(
        built.event_store,
        snapshot_store=built.snapshot_store,
        fastforward=built.fastforward,
        fastforward_skipping=built.fastforward_skipping,
        deepcopy_from_cache=built.deepcopy_from_cache,
    )
    repository.cache = built.cache
    return repository


def save_with_retry(
    app: Application, build: Callable[[], AggregatesT], attempts: int = 10, backoff: float = 0.005
) -> AggregatesT:
    """Build and save aggregates atomically, rebuilding after a concurrent write.

    Used where a new aggregate is saved together with an index aggregate that
    other requests may be appending to at the same moment: optimistic
    concurrency rejects the loser, which reloads the index and tries again.
    Losers wait a random, growing moment first: retrying in lockstep, only one
    of them could win each round.
    """
    for attempt in range(attempts):
        aggregates = build()
        try:
            app.save(*aggregates)
            return aggregates
        except IntegrityError:
            if attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0, backoff * 2**attempt))
    raise AssertionError("unreachable")


def decorated_event(aggregate: type[Aggregate], name: str) -> type[DomainEvent]:
    """The event class that ``@event(name)`` defined on the aggregate class.

    The decorator adds it when the class is created, where a type checker cannot see it;
    looking it up here fails at import, with the names, if the two ever part.
    """
    found = aggregate.__dict__.get(name)
    if not (isinstance(found, type) and issubclass(found, DomainEvent)):
        raise TypeError(f"{aggregate.__qualname__} defines no event {name!r}.")
    return found
