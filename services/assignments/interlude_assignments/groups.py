"""Groups: a therapist's set of clients who receive the same activities, recurrences and pathways.

A group keeps its *programmes* (what was sent to the whole group, and when).
Each member gets their own assignments, recurrences or enrolments. A member
who joins later is brought in either ``from_start`` (every programme: one-off
activities are assigned now, pathways run on the group's start date so steps
already due are released at once, recurrences from their next occurrence) or
``from_today`` (only what continues: recurrences from the next occurrence and
pathways from today; past one-off activities are not sent).
"""

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

ACTIVITY = "activity"
RECURRENCE = "recurrence"
PATHWAY = "pathway"
FROM_START = "from_start"
FROM_TODAY = "from_today"


class GroupError(Exception):
    pass


class AlreadyMember(GroupError):
    pass


class NotAMember(GroupError):
    pass


class Group(Aggregate):
    @event("Created")
    def __init__(self, clinic_id: str, name: str, created_by: str, request_digest: str | None = None) -> None:
        self.request_digest = request_digest  # of the request that created it (idempotency.py)
        self.clinic_id = clinic_id
        self.name = name
        self.created_by = created_by
        self.members: list[str] = []
        self.programmes: list[dict[str, Any]] = []

    def add_member(self, client_id: str) -> None:
        if client_id in self.members:
            raise AlreadyMember(f"{client_id} is already a member.")
        self._member_added(clinic_id=self.clinic_id, client_id=client_id)

    # Events naming one member carry their clinic and client: each is sealed under that client's key, and
    # once they are erased it loads as a stand-in that changes nothing (SHARED_CLIENT_EVENTS, docs/security.md).
    # ``clinic_id`` defaults to None for events stored before (sealed under the master key).
    @event("MemberAdded")
    def _member_added(self, client_id: str, clinic_id: str | None = None) -> None:
        self.members.append(client_id)

    def remove_member(self, client_id: str) -> None:
        if client_id not in self.members:
            raise NotAMember(f"{client_id} is not a member.")
        self._member_removed(clinic_id=self.clinic_id, client_id=client_id)

    @event("MemberRemoved")
    def _member_removed(self, client_id: str, clinic_id: str | None = None) -> None:
        self.members.remove(client_id)

    def start_programme(
        self,
        kind: str,
        spec: dict[str, Any],
        started_at: datetime,
        programme_id: UUID | None = None,
        request_digest: str | None = None,
    ) -> dict[str, Any]:
        """A new programme; ``programme_id`` and ``request_digest`` come from the request's idempotency."""
        programme = {"programme_id": programme_id or uuid4(), "kind": kind, "spec": spec, "started_at": started_at}
        if request_digest is not None:
            programme["request_digest"] = request_digest
        self._programme_started(programme=programme)
        return programme

    def programme(self, programme_id: UUID) -> dict[str, Any] | None:
        return next((p for p in self.programmes if p["programme_id"] == programme_id), None)

    @event("ProgrammeStarted")
    def _programme_started(self, programme: dict[str, Any]) -> None:
        self.programmes.append(programme)

    @event("ProgrammeCompleted")
    def complete_programme(self, programme_id: UUID, activity: dict[str, Any]) -> None:
        """A programme's pinned version completed from its exact version (started before scoring was kept)."""
        for programme in self.programmes:
            if programme["programme_id"] == programme_id:
                programme["spec"]["activity"] = activity

    def record_delivery(self, programme_id: UUID, client_id: str, target_id: UUID) -> None:
        """A member's own assignment, recurrence or enrolment of a programme."""
        self._programme_delivered(
            programme_id=programme_id, client_id=client_id, target_id=target_id, clinic_id=self.clinic_id
        )

    @event("ProgrammeDelivered")
    def _programme_delivered(
        self, programme_id: UUID, client_id: str, target_id: UUID, clinic_id: str | None = None
    ) -> None:
        for programme in self.programmes:
            if programme["programme_id"] == programme_id:
                programme.setdefault("deliveries", []).append({"client_id": client_id, "target_id": target_id})


def programmes_for_joiner(group: Group, joining: str) -> list[dict[str, Any]]:
    """What a member joining now receives."""
    if joining == FROM_START:
        return list(group.programmes)
    return [programme for programme in group.programmes if programme["kind"] != ACTIVITY]
