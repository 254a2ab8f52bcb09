"""The base of every command; what every create shares (safe to repeat, ``idempotency.py``); the scoped lookup."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from interlude_contracts.errors import NotFound
from interlude_runtime.eventstore import save_with_retry

from ..application import AssignmentsApplication
from ..groups import Group
from ..idempotency import AggregateT, Idempotency, check_digest, create
from ..pathways import Enrolment, Pathway
from ..recurrences import Recurrence

ResultT = TypeVar("ResultT", covariant=True)


class Command(Generic[ResultT]):
    """A request to change the assignment log; ``ResultT`` is what its handler returns."""


@dataclass(frozen=True)
class Addressee:
    """Whom a therapist sends an activity, a recurrence or a pathway: one client, or each member of a group."""

    clinic_id: str
    therapist_id: str
    client_id: str
    correlation_id: str


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


def create_once(
    app: AssignmentsApplication,
    idempotency: Idempotency | None,
    kind: type[AggregateT],
    fields: Callable[[], dict[str, Any]],
    prepare: Callable[[AggregateT], object] = lambda _: None,
    indexed_in: Callable[[AggregateT], Aggregate] | None = None,
) -> AggregateT:
    """What an earlier run of this create made; else a new ``kind`` of the ``fields``, prepared, then saved.

    ``fields`` are only worked out for a new one: a repeat returns the first even if, say, the version
    it pinned has been archived since. ``indexed_in`` gives the index aggregate that lists the new one,
    saved in the same transaction (retried when a concurrent create appended to the index first).
    """
    existing = already_created(app, idempotency, kind)
    if existing is not None:
        return existing
    if indexed_in is None:
        created = create(kind, "Created", idempotency, **fields())
        prepare(created)
        return save_created(app, idempotency, created)
    values = fields()

    def build() -> list[Aggregate]:
        repeated = already_created(app, idempotency, kind)  # a concurrent repeat saved first
        if repeated is not None:
            return [repeated]
        new = create(kind, "Created", idempotency, **values)
        prepare(new)
        return [new, indexed_in(new)]

    saved = save_with_retry(app, build)[0]
    assert isinstance(saved, kind)
    return saved


# What a therapist makes and only they reach (``find_own``).
OwnedT = TypeVar("OwnedT", Recurrence, Pathway, Enrolment, Group)


def find_own(
    app: AssignmentsApplication,
    kind: type[OwnedT],
    identifier: UUID,
    clinic_id: str,
    therapist_id: str | None,
    made_by: Callable[[OwnedT], str],
) -> OwnedT:
    """The recurrence, pathway, enrolment or group if it is in the clinic and, when a therapist is named, theirs.

    Else NotFound naming ``<kind>_id``: someone else's looks absent.
    """
    found = app.find(identifier, kind)
    if found is None or found.clinic_id != clinic_id or therapist_id not in (None, made_by(found)):
        noun = kind.__name__.lower()
        raise NotFound(f"No such {noun}.", {f"{noun}_id": [f"No {noun} {identifier} of yours in this clinic."]})
    return found
