"""Entrypoints of groups: create, read, members, and programmes sent to every member."""

from typing import Any

from interlude_contracts.errors import ValidationFailed, parse_uuid, validated
from interlude_contracts.schedules import (
    GroupAssignRequest,
    GroupPathwayRequest,
    GroupRecurrenceRequest,
    GroupRequest,
    MemberRequest,
)
from interlude_contracts.schemas import shared
from interlude_runtime.rpc import rpc

from ..handlers import AddGroupMember, AssignToGroup, CreateGroup, RemoveGroupMember, get_group, handle, list_groups
from ..idempotency import Idempotency
from ..snapshot import Personalisation
from ..translation import group_body
from .base import Creation, Entrypoints, creates, scoped_read


class GroupEntrypoints(Entrypoints):
    @creates("group", GroupRequest)
    def create_group(self, creation: Creation) -> dict[str, Any]:
        body = creation.body
        command = CreateGroup(
            creation.clinic_id, creation.therapist_id, body["name"], body["members"], idempotency=creation.idempotency
        )
        return group_body(handle(self.app, command))

    get_group = scoped_read(get_group, group_body, "group_id")

    @rpc
    def list_groups(self, clinic_id: str, therapist_id: str) -> list[dict[str, Any]]:
        """The groups the therapist made (those made before this index existed are not listed)."""
        return [group_body(group) for group in list_groups(self.app, clinic_id, therapist_id)]

    @rpc
    def add_group_member(
        self,
        clinic_id: str,
        group_id: str,
        request: dict[str, Any],
        correlation_id: str,
        therapist_id: str | None = None,
    ) -> dict[str, Any]:
        """With ``therapist_id``, only a group that therapist created (else NotFound)."""
        body = validated(shared(MemberRequest), request)
        identifier = parse_uuid(group_id, "group_id")
        command = AddGroupMember(
            clinic_id, identifier, body["client_id"], body["joining"], correlation_id, therapist_id=therapist_id
        )
        return group_body(handle(self.app, command))

    @rpc
    def remove_group_member(
        self, clinic_id: str, group_id: str, client_id: str, therapist_id: str | None = None
    ) -> dict[str, Any]:
        """With ``therapist_id``, only a group that therapist created (else NotFound)."""
        command = RemoveGroupMember(clinic_id, parse_uuid(group_id, "group_id"), client_id, therapist_id=therapist_id)
        return group_body(handle(self.app, command))

    @rpc
    def assign_to_group(
        self,
        clinic_id: str,
        therapist_id: str,
        group_id: str,
        kind: str,
        request: dict[str, Any],
        correlation_id: str,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Send an ``activity``, a ``recurrence`` or a ``pathway`` to every member of the group.

        The group, and the pathway a ``pathway`` request names, must be the therapist's own (else NotFound).
        """
        group_uuid = parse_uuid(group_id, "group_id")
        spec = self._group_spec(clinic_id, kind, request)
        addressed = {**request, "group_id": group_id, "kind": kind}
        idempotency = Idempotency.of("programme", clinic_id, therapist_id, addressed, correlation_id, idempotency_key)
        command = AssignToGroup(clinic_id, therapist_id, group_uuid, kind, spec, correlation_id, idempotency)
        return group_body(handle(self.app, command))

    def _group_spec(self, clinic_id: str, kind: str, request: dict[str, Any]) -> dict[str, Any]:
        if kind == "activity":
            return self._activity_spec(clinic_id, validated(shared(GroupAssignRequest), request))
        if kind == "recurrence":
            return self._recurrence_spec(clinic_id, validated(shared(GroupRecurrenceRequest), request))
        if kind == "pathway":
            body = validated(shared(GroupPathwayRequest), request)
            return {"pathway_id": str(body["pathway_id"]), "personalisation": Personalisation.of(body).as_dict()}
        raise ValidationFailed("Unknown kind.", {"kind": ["Use activity, recurrence or pathway."]})
