"""Group commands: create a group, send a programme to it, add and remove members; and the lookup.

Each member's assignment, recurrence or enrolment is created by the same
handlers as for a single client, then recorded on the group. These are
separate saves: a crash part-way leaves the group with some members served,
which ``deliveries`` on the programme shows (see docs/schedules.md).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from ..application import AssignmentsApplication
from ..groups import ACTIVITY, FROM_START, PATHWAY, RECURRENCE, Group, programmes_for_joiner
from ..idempotency import Idempotency, check_digest
from ..snapshot import Personalisation, pinned_version
from .assignments import Assign, assign
from .command import Addressee, Command, create_once, find_own
from .pathways import Enrol, enrol, get_pathway
from .recurrences import CreateRecurrence, create_recurrence


@dataclass(frozen=True)
class CreateGroup(Command[Group]):
    clinic_id: str
    therapist_id: str
    name: str
    members: list[str]
    idempotency: Idempotency | None = None


@dataclass(frozen=True)
class AssignToGroup(Command[Group]):
    """Send an activity, a recurrence or a pathway to every member; each gets their own.

    The group, and a pathway the spec names, must be the therapist's own (else NotFound). An
    ``activity`` in the spec (a published version) is pinned now, for members who join later too.
    With an ``idempotency``, the programme's id is derived from it: a repeat finds the programme and
    delivers only to the members it has not reached yet.
    """

    clinic_id: str
    therapist_id: str
    group_id: UUID
    kind: str
    spec: dict[str, Any]
    correlation_id: str
    idempotency: Idempotency | None = None


@dataclass(frozen=True)
class AddGroupMember(Command[Group]):
    """The new member receives the group's programmes as ``joining`` says (groups.py).

    With ``therapist_id``, only a group that therapist created.
    """

    clinic_id: str
    group_id: UUID
    client_id: str
    joining: str
    correlation_id: str
    therapist_id: str | None = None


@dataclass(frozen=True)
class RemoveGroupMember(Command[Group]):
    """The member leaves the group; what they already received stays theirs.

    With ``therapist_id``, only a group that therapist created.
    """

    clinic_id: str
    group_id: UUID
    client_id: str
    therapist_id: str | None = None


def create_group(app: AssignmentsApplication, command: CreateGroup) -> Group:
    def add_members(group: Group) -> None:
        for client_id in dict.fromkeys(command.members):
            group.add_member(client_id)

    def listed(group: Group) -> Aggregate:
        index = app.programmes_index(command.clinic_id, command.therapist_id)
        index.add_group(group.id)
        return index

    fields = {"clinic_id": command.clinic_id, "name": command.name, "created_by": command.therapist_id}
    return create_once(app, command.idempotency, Group, lambda: fields, add_members, indexed_in=listed)


def list_groups(app: AssignmentsApplication, clinic_id: str, therapist_id: str) -> list[Group]:
    """The groups the therapist made, oldest first."""
    index = app.programmes_index(clinic_id, therapist_id)
    return [get_group(app, clinic_id, group_id, therapist_id) for group_id in index.group_ids]


def assign_to_group(app: AssignmentsApplication, command: AssignToGroup) -> Group:
    group = get_group(app, command.clinic_id, command.group_id, command.therapist_id)
    if command.kind == PATHWAY:  # NotFound before anything is sent
        get_pathway(app, command.clinic_id, UUID(str(command.spec["pathway_id"])), command.therapist_id)
    programme = _started_programme(app, group, command)
    reached = {delivery["client_id"] for delivery in programme.get("deliveries", [])}
    for client_id in [member for member in group.members if member not in reached]:
        idempotency = command.idempotency.within(client_id) if command.idempotency else None
        _deliver(app, group, programme, client_id, FROM_START, command.correlation_id, idempotency)
    return get_group(app, command.clinic_id, command.group_id)


def _started_programme(app: AssignmentsApplication, group: Group, command: AssignToGroup) -> dict[str, Any]:
    """The programme this command started before (its repeat), else a new one."""
    idempotency = command.idempotency
    if idempotency is not None and (started := group.programme(idempotency.aggregate_id)) is not None:
        check_digest(started.get("request_digest"), idempotency)
        return started
    spec = command.spec
    if "activity" in spec:
        spec = {**spec, "activity": pinned_version(spec["activity"])}
    programme = group.start_programme(
        command.kind,
        {**spec, "therapist_id": command.therapist_id},
        app.clock(),
        programme_id=idempotency.aggregate_id if idempotency else None,
        request_digest=idempotency.digest if idempotency else None,
    )
    app.save(group)
    return programme


def add_group_member(app: AssignmentsApplication, command: AddGroupMember) -> Group:
    group = get_group(app, command.clinic_id, command.group_id, command.therapist_id)
    group.add_member(command.client_id)
    app.save(group)
    for programme in programmes_for_joiner(group, command.joining):
        _deliver(app, group, programme, command.client_id, command.joining, command.correlation_id)
    return get_group(app, command.clinic_id, command.group_id)


def remove_group_member(app: AssignmentsApplication, command: RemoveGroupMember) -> Group:
    group = get_group(app, command.clinic_id, command.group_id, command.therapist_id)
    group.remove_member(command.client_id)
    app.save(group)
    return group


def get_group(app: AssignmentsApplication, clinic_id: str, group_id: UUID, therapist_id: str | None = None) -> Group:
    """The group if it is in the clinic (and created by the therapist, when one is named); else NotFound."""
    return find_own(app, Group, group_id, clinic_id, therapist_id, made_by=lambda found: found.created_by)


def _deliver(
    app: AssignmentsApplication,
    group: Group,
    programme: dict[str, Any],
    client_id: str,
    joining: str,
    correlation_id: str,
    idempotency: Idempotency | None = None,
) -> None:
    target = _member_target(app, group.clinic_id, programme, client_id, joining, correlation_id, idempotency)
    fresh = get_group(app, group.clinic_id, group.id)
    fresh.record_delivery(programme["programme_id"], client_id, target.id)
    app.save(fresh)


def _member_target(
    app: AssignmentsApplication,
    clinic_id: str,
    programme: dict[str, Any],
    client_id: str,
    joining: str,
    correlation_id: str,
    idempotency: Idempotency | None,
) -> Aggregate:
    """The member's own assignment, recurrence or enrolment of the programme."""
    spec, therapist_id = programme["spec"], programme["spec"]["therapist_id"]
    # A member's first name is not known to the group: {{client.first_name}} takes its fallback wording.
    member = Addressee(clinic_id, therapist_id, client_id, correlation_id)
    if programme["kind"] == ACTIVITY:
        return assign(app, Assign.of_spec(spec, member, idempotency))
    if programme["kind"] == RECURRENCE:
        return create_recurrence(app, CreateRecurrence.of_spec(spec, member, idempotency))
    if programme["kind"] == PATHWAY:
        enrolled_at: datetime | None = programme["started_at"] if joining == FROM_START else None
        return enrol(
            app,
            Enrol(
                clinic_id,
                therapist_id,
                UUID(str(spec["pathway_id"])),
                client_id,
                correlation_id,
                enrolled_at=enrolled_at,
                personalisation=Personalisation.of(spec.get("personalisation")),
                idempotency=idempotency,
            ),
        )
    raise ValueError(programme["kind"])
