"""The assignment log: an eventsourcing Application holding the assignments and their schedules.

It offers what the command handlers (``handlers/``) need: the store, the
client keys, the clock and lookups. Commands themselves are handled in
``handlers/``, never here.
"""

import os
from collections.abc import Mapping, Sequence
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Recording
from eventsourcing.utils import get_topic

from interlude_contracts.errors import NotFound
from interlude_runtime.eventstore import MutatingRepository, decorated_event, mutated, mutating_repository
from interlude_runtime.schema import created_despite_races
from interlude_runtime.shredding import (
    MASTER_KEY_VARIABLE,
    ClientDataErased,
    ClientKeyMapper,
    ClientKeys,
    KeyCheckingEventStore,
    client_key_id,
    client_keys_for,
    master_key_from,
    owner_keys,
)
from interlude_runtime.storage import database_url, eventstore_env

from .domain import ASSIGNED, Assignment, ClientAssignments, TherapistProgrammes
from .groups import Group
from .pathways import PathwayEnrolments
from .schedules import Clock, system_clock

SERVICE = "assignments"

AggregateT = TypeVar("AggregateT", bound=Aggregate)

# One client's events inside aggregates shared with others: once the client is erased each loads as a
# stand-in, so the group or the pathway's index still loads, without them (runtime/shredding.py).
SHARED_CLIENT_EVENTS = [
    get_topic(decorated_event(Group, "MemberAdded")),
    get_topic(decorated_event(Group, "MemberRemoved")),
    get_topic(decorated_event(Group, "ProgrammeDelivered")),
    get_topic(decorated_event(PathwayEnrolments, "EnrolmentAdded")),
]


# After any of these an assignment is never open again (domain.py: nothing reopens one).
CLOSING_EVENTS = [
    get_topic(decorated_event(Assignment, name)) for name in ("ResponseSubmitted", "Cancelled", "Expired")
]


class AssignmentsApplication(Application[UUID]):
    """The assignment log. Stored events are encrypted per client (see ``runtime/shredding.py``)."""

    name = "Assignments"
    mapper: ClientKeyMapper
    events: KeyCheckingEventStore

    def __init__(self, env: Mapping[str, str] | None = None, client_keys: ClientKeys | None = None) -> None:
        self.master_key = master_key_from(env or {})
        self.client_keys = client_keys or ClientKeys(self.master_key, None)
        # Every command takes "now" from here; tests put a clock they move in its place.
        self.clock: Clock = system_clock
        super().__init__(env=env)

    def construct_mapper(self) -> ClientKeyMapper:
        return ClientKeyMapper(self.construct_transcoder(), self.client_keys, self.master_key)

    def construct_repository(self) -> MutatingRepository:
        return mutating_repository(super().construct_repository())

    def construct_event_store(self) -> KeyCheckingEventStore:
        """Loads and saves that check the client's key once per aggregate, not per event (runtime/shredding.py)."""
        return KeyCheckingEventStore(self.mapper, self.recorder, SHARED_CLIENT_EVENTS)

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """Every event of a client's own aggregate is sealed under their key, even one that does not name them."""
        processing_event.saved_kwargs["owners"] = owner_keys(processing_event.aggregates.values())
        return super()._record(processing_event)

    def close(self) -> None:
        super().close()
        self.client_keys.close()

    def erase_client(self, clinic_id: str, client_id: str) -> None:
        """Destroy the client's data key: every stored event of theirs becomes unreadable for good."""
        self.client_keys.destroy(client_key_id(clinic_id, client_id))

    def find(self, aggregate_id: UUID, kind: type[AggregateT]) -> AggregateT | None:
        """The aggregate if it exists, is of that kind and its client was not erased; else None."""
        try:
            found: object = self.repository.get(aggregate_id)
        except (AggregateNotFoundError, ClientDataErased):
            return None
        return found if isinstance(found, kind) else None

    def get(
        self, clinic_id: str, assignment_id: UUID, client_id: str | None = None, therapist_id: str | None = None
    ) -> Assignment:
        """The assignment if it is in the clinic (and the client's, the therapist's, when given); else NotFound."""
        assignment = self.find(assignment_id, Assignment)
        visible = (
            assignment is not None
            and assignment.clinic_id == clinic_id
            and client_id in (None, assignment.client_id)
            and (client_id is None or assignment.is_released(self.clock()))
            and therapist_id in (None, assignment.therapist_id)
        )
        if assignment is None or not visible:
            raise NotFound(
                "No such assignment.", {"assignment_id": [f"No assignment {assignment_id} of yours in this clinic."]}
            )
        return assignment

    def for_client(self, clinic_id: str, client_id: str, therapist_id: str | None = None) -> list[Assignment]:
        """The client's assignments in the clinic; only those the therapist made, when one is named."""
        return self.page_for_client(clinic_id, client_id, therapist_id)[0]

    def page_for_client(
        self, clinic_id: str, client_id: str, therapist_id: str | None, offset: int = 0, limit: int | None = None
    ) -> tuple[list[Assignment], int]:
        """A page of ``for_client`` and the total: the page is chosen in the client's index, and only its
        assignments are loaded (and those the index does not know the therapist of, when one is named)."""
        index = self.client_index(clinic_id, client_id)
        listed = index.assignment_ids
        if therapist_id is not None:
            unknown = [i for i in listed if index.made_by.get(i) is None]
            theirs = {a.id for a in self.get_many(unknown, Assignment) if a.therapist_id == therapist_id}
            listed = [i for i in listed if index.made_by.get(i) == therapist_id or i in theirs]
        page = listed[offset:] if limit is None else listed[offset : offset + limit]
        return self.get_many(page, Assignment), len(listed)

    def get_many(self, aggregate_ids: Sequence[UUID], kind: type[AggregateT]) -> list[AggregateT]:
        """These aggregates, read together (two queries however many: see ``KeyCheckingEventStore.get_many``)."""
        events = self.events.get_many(aggregate_ids)
        found: list[object] = [mutated(None, events[aggregate_id]) for aggregate_id in aggregate_ids]
        return [aggregate for aggregate in found if isinstance(aggregate, kind)]

    def todo(self, clinic_id: str, client_id: str) -> list[Assignment]:
        """Open, released assignments, soonest due first, then oldest first.

        Those that stored an event that closes an assignment for good are left out before anything is
        opened: a client with a long history loads only their few open ones.
        """
        now = self.clock()
        listed = self.client_index(clinic_id, client_id).assignment_ids
        closed = self.events.with_any_of(listed, CLOSING_EVENTS)
        candidates = self.get_many([i for i in listed if i not in closed], Assignment)
        open_ones = [a for a in candidates if a.status == ASSIGNED and a.is_released(now)]
        return sorted(open_ones, key=lambda a: (a.due_at is None, a.due_at or a.created_on, a.created_on))

    def client_index(self, clinic_id: str, client_id: str) -> ClientAssignments:
        """The index of the client's assignments (new and empty when they have none yet)."""
        try:
            return self.repository.get(ClientAssignments.create_id(clinic_id, client_id))
        except AggregateNotFoundError:
            return ClientAssignments(clinic_id=clinic_id, client_id=client_id)
        except ClientDataErased:
            raise NotFound("No such client.", {"client_id": ["This client's data was erased."]}) from None

    def programmes_index(self, clinic_id: str, therapist_id: str) -> TherapistProgrammes:
        """The index of the therapist's pathways and groups (new and empty when they have none yet)."""
        try:
            return self.repository.get(TherapistProgrammes.create_id(clinic_id, therapist_id))
        except AggregateNotFoundError:
            return TherapistProgrammes(clinic_id=clinic_id, therapist_id=therapist_id)


def create_application(environ: Mapping[str, str] = os.environ) -> AssignmentsApplication:
    """The application on the store the environment names (SQLite by default)."""
    url = database_url(SERVICE, environ)
    env = {**eventstore_env(url), **{k: v for k, v in environ.items() if k == MASTER_KEY_VARIABLE}}
    return created_despite_races(
        lambda: AssignmentsApplication(env=env, client_keys=client_keys_for(url, master_key_from(env)))
    )
