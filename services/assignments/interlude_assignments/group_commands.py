"""The assignment log's group commands (a mixin of ``AssignmentsApplication``).

Each member's assignment, recurrence or enrolment is created by the same
commands as for a single client, then recorded on the group. These are
separate saves: a crash part-way leaves the group with some members served,
which ``deliveries`` on the programme shows (see docs/schedules.md).
"""

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from interlude_contracts.errors import Conflict, NotFound

from .groups import ACTIVITY, FROM_START, PATHWAY, RECURRENCE, Group, GroupError, programmes_for_joiner
from .snapshot import Personalisation, pinned_version


class GroupCommands:
    def create_group(self, clinic_id: str, therapist_id: str, name: str, members: list[str]) -> Group:
        group = Group(clinic_id=clinic_id, name=name, created_by=therapist_id)
        for client_id in dict.fromkeys(members):
            group.add_member(client_id)
        self.save(group)  # type: ignore[attr-defined]
        return group

    def get_group(self, clinic_id: str, group_id: UUID) -> Group:
        try:
            group = self.repository.get(group_id)  # type: ignore[attr-defined]
        except AggregateNotFoundError:
            group = None
        if not isinstance(group, Group) or group.clinic_id != clinic_id:
            raise NotFound("No such group.", {"group_id": [f"No group {group_id} in this clinic."]})
        return group

    def assign_to_group(
        self, clinic_id: str, therapist_id: str, group_id: UUID, kind: str, spec: dict[str, Any], correlation_id: str
    ) -> Group:
        """Send an activity, a recurrence or a pathway to every member; each gets their own.

        An ``activity`` in the spec (a published version) is pinned now, for members who join later too.
        """
        group = self.get_group(clinic_id, group_id)
        if "activity" in spec:
            spec = {**spec, "activity": pinned_version(spec["activity"])}
        programme = group.start_programme(kind, {**spec, "therapist_id": therapist_id}, self.clock())  # type: ignore[attr-defined]
        self.save(group)  # type: ignore[attr-defined]
        for client_id in list(group.members):
            self._deliver(group, programme, client_id, FROM_START, correlation_id)
        return self.get_group(clinic_id, group_id)

    def add_group_member(
        self, clinic_id: str, group_id: UUID, client_id: str, joining: str, correlation_id: str
    ) -> Group:
        group = self.get_group(clinic_id, group_id)
        try:
            group.add_member(client_id)
        except GroupError as error:
            raise Conflict(str(error), {"client_id": [str(error)]}) from None
        self.save(group)  # type: ignore[attr-defined]
        for programme in programmes_for_joiner(group, joining):
            self._deliver(group, programme, client_id, joining, correlation_id)
        return self.get_group(clinic_id, group_id)

    def remove_group_member(self, clinic_id: str, group_id: UUID, client_id: str) -> Group:
        """The member leaves the group; what they already received stays theirs."""
        group = self.get_group(clinic_id, group_id)
        try:
            group.remove_member(client_id)
        except GroupError as error:
            raise NotFound(str(error), {"client_id": [str(error)]}) from None
        self.save(group)  # type: ignore[attr-defined]
        return group

    def _deliver(
        self, group: Group, programme: dict[str, Any], client_id: str, joining: str, correlation_id: str
    ) -> None:
        spec, therapist_id = programme["spec"], programme["spec"]["therapist_id"]
        # A member's first name is not known to the group: {{client.first_name}} takes its fallback wording.
        personalisation = Personalisation.of(spec.get("personalisation"))
        if programme["kind"] == ACTIVITY:
            target = self.assign(  # type: ignore[attr-defined]
                group.clinic_id,
                therapist_id,
                client_id,
                spec["activity"],
                spec["due_at"],
                correlation_id,
                release_at=spec["release_at"],
                expires_at=spec["expires_at"],
                reminders=spec["reminders"],
                personalisation=personalisation,
            )
        elif programme["kind"] == RECURRENCE:
            target = self.create_recurrence(  # type: ignore[attr-defined]
                group.clinic_id,
                therapist_id,
                client_id,
                spec["activity"],
                spec["rule"],
                spec["starts_at"],
                spec["time_zone"],
                correlation_id,
                due_after=_minutes(spec["due_after_minutes"]),
                grace=_minutes(spec["grace_minutes"]),
                reminders=spec["reminders"],
                personalisation=personalisation,
            )
        elif programme["kind"] == PATHWAY:
            enrolled_at: datetime | None = programme["started_at"] if joining == FROM_START else None
            target = self.enrol(  # type: ignore[attr-defined]
                group.clinic_id,
                therapist_id,
                UUID(str(spec["pathway_id"])),
                client_id,
                correlation_id,
                enrolled_at=enrolled_at,
                personalisation=personalisation,
            )
        else:
            raise ValueError(programme["kind"])
        fresh = self.get_group(group.clinic_id, group.id)
        fresh.record_delivery(programme["programme_id"], client_id, target.id)
        self.save(fresh)  # type: ignore[attr-defined]


def _minutes(value: int | None) -> timedelta | None:
    return timedelta(minutes=value) if value is not None else None
