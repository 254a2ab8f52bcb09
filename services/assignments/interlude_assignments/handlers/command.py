"""The base of every command, and the lookup that makes a create safe to repeat (``idempotency.py``)."""

from typing import Generic, TypeVar

from eventsourcing.persistence import IntegrityError

from ..application import AssignmentsApplication
from ..idempotency import AggregateT, Idempotency, check_digest

ResultT = TypeVar("ResultT", covariant=True)


class Command(Generic[ResultT]):
    """A request to change the assignment log; ``ResultT`` is what its handler returns."""


def already_created(
    app: AssignmentsApplication, idempotency: "Idempotency | None", kind: type[AggregateT]
) -> AggregateT | None:
    """The aggregate an earlier run of this create made; Conflict when it was made for another request."""
    if idempotency is None:
        return None
    found = app.find(idempotency.aggregate_id, kind)
    if found is not None:
        check_digest(getattr(found, "request_digest", None), idempotency)
    return found


def save_created(app: AssignmentsApplication, idempotency: Idempotency | None, created: AggregateT) -> AggregateT:
    """Save a new aggregate; when a concurrent repeat of the same create saved it first, return that one."""
    try:
        app.save(created)
    except IntegrityError:
        existing = already_created(app, idempotency, type(created))
        if existing is None:
            raise
        return existing
    return created
