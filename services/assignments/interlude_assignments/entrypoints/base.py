"""What every area's entrypoints share: the application, the activities service, the shapes of RPC and the checks.

The shapes of RPC that recur are declared once here, with their arguments as
they come over the wire: a keyed create (``creates``, ``creates_in``), a
therapist's change to one assignment (``changes_assignment``) and a scoped read
(``scoped_read``). The method a shape decorates takes one value (``Creation``,
``AssignmentChange``) with the request already validated. What sends an
activity or starts a recurrence, to one client or to a group, is worked out in
one place each (``_activity_spec``, ``_recurrence_spec``).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from marshmallow import Schema

from interlude_contracts.errors import ValidationFailed, parse_uuid, validated
from interlude_contracts.schemas import shared
from interlude_runtime.rpc import rpc
from interlude_runtime.rpc_proxy import RpcProxy

from ..application import AssignmentsApplication
from ..dependencies import assignments_application
from ..handlers import Addressee
from ..idempotency import Idempotency
from ..recurrences import InvalidRule, parse_rule
from ..schedules import expiry_of
from ..snapshot import Personalisation

Body = dict[str, Any]
RpcMethod = Callable[..., Body]


class Entrypoints:
    """The providers the areas' entrypoints use; each area's class extends this one."""

    app: AssignmentsApplication = assignments_application()
    activities = RpcProxy("activities")

    def _version(self, clinic_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """The published version a request names (the latest unless one is named); the handler pins it."""
        version: dict[str, Any] = self.activities.get_version(
            clinic_id, str(body["activity_id"]), body["activity_version"]
        )
        return version

    def _activity_spec(self, clinic_id: str, body: Body) -> Body:
        """What sends one activity (``Assign.of_spec``; a group programme keeps it).

        From a validated AssignRequest or GroupAssignRequest: its times checked, then its version fetched.
        """
        check_due_in_future(body)
        check_release(body)
        return {
            "activity": self._version(clinic_id, body),
            "due_at": body["due_at"],
            **schedule_of(body),
            "personalisation": Personalisation.of(body).as_dict(),
        }

    def _recurrence_spec(self, clinic_id: str, body: Body) -> Body:
        """What starts a recurrence (``CreateRecurrence.of_spec``; a group programme keeps it).

        From a validated RecurrenceRequest or GroupRecurrenceRequest: its rule checked, then its version fetched.
        """
        check_rule(body)
        return {
            "activity": self._version(clinic_id, body),
            "personalisation": Personalisation.of(body).as_dict(),
            "rule": body["rule"],
            "starts_at": body["starts_at"],
            "time_zone": body["time_zone"],
            "due_after_minutes": body["due_after_hours"] * 60 if body["due_after_hours"] else None,
            "grace_minutes": body["grace_hours"] * 60 if body["grace_hours"] is not None else None,
            "reminders": body["reminders"],
        }


def check_due_in_future(body: dict[str, Any]) -> None:
    if body["due_at"] is not None and body["due_at"] <= datetime.now(UTC):
        raise ValidationFailed("due_at is in the past.", {"due_at": ["Must be in the future."]})


def check_release(body: dict[str, Any]) -> None:
    """A release time, when given, must come before the due time."""
    release_at, due_at = body.get("release_at"), body.get("due_at")
    if release_at is not None and due_at is not None and release_at >= due_at:
        raise ValidationFailed("release_at is not before due_at.", {"release_at": ["Must be before due_at."]})


def check_rule(body: dict[str, Any]) -> None:
    """The recurrence rule must parse (RFC 5545) from its start."""
    try:
        parse_rule(body["rule"], body["starts_at"])
    except InvalidRule as error:
        raise ValidationFailed(str(error), {"rule": [str(error)]}) from None


def schedule_of(body: dict[str, Any]) -> dict[str, Any]:
    """The schedule keywords of ``Assign`` from a validated AssignRequest."""
    grace = body.get("grace_hours")
    return {
        "release_at": body.get("release_at"),
        "expires_at": expiry_of(body.get("due_at"), None if grace is None else timedelta(hours=grace)),
        "reminders": body.get("reminders"),
    }


# -- the shapes of RPC -------------------------------------------------------------


@dataclass(frozen=True)
class Creation:
    """A create RPC's call: the therapist creating in their clinic, the validated body, what makes a repeat safe."""

    clinic_id: str
    therapist_id: str
    body: Body
    correlation_id: str
    idempotency: Idempotency

    @classmethod
    def of(
        cls,
        kind: str,
        schema: type[Schema],
        clinic_id: str,
        therapist_id: str,
        request: Body,
        correlation_id: str,
        idempotency_key: str | None,
        address: Body | None = None,
    ) -> "Creation":
        """From a create RPC's arguments: the request validated; a repeat must match it and the ``address``.

        The address is the ids the call names besides the body: the same body on another pathway is another create.
        """
        body = validated(shared(schema), request)
        addressed = {**request, **(address or {})}
        idempotency = Idempotency.of(kind, clinic_id, therapist_id, addressed, correlation_id, idempotency_key)
        return cls(clinic_id, therapist_id, body, correlation_id, idempotency)

    def addressee(self, client_id: str) -> Addressee:
        return Addressee(self.clinic_id, self.therapist_id, client_id, self.correlation_id)


@dataclass(frozen=True)
class AssignmentChange:
    """A change to one assignment: who makes it, the validated body, and (when named) whose assignment it must be."""

    clinic_id: str
    changed_by: str
    assignment_id: str
    body: Body
    correlation_id: str
    therapist_id: str | None


EntrypointsT = TypeVar("EntrypointsT", bound=Entrypoints)


def creates(kind: str, schema: type[Schema]) -> Callable[[Callable[[EntrypointsT, Creation], Body]], RpcMethod]:
    """An RPC ``(clinic_id, therapist_id, request, correlation_id, idempotency_key=None)`` creating a ``kind``.

    Repeated with the same key (or, without one, the same correlation id and request), the same one.
    """

    def decorate(method: Callable[[EntrypointsT, Creation], Body]) -> RpcMethod:
        def create(
            self: EntrypointsT,
            clinic_id: str,
            therapist_id: str,
            request: Body,
            correlation_id: str,
            idempotency_key: str | None = None,
        ) -> Body:
            creation = Creation.of(kind, schema, clinic_id, therapist_id, request, correlation_id, idempotency_key)
            return method(self, creation)

        return _as_rpc(create, method)

    return decorate


def creates_in(
    kind: str, schema: type[Schema], parent: str
) -> Callable[[Callable[[EntrypointsT, Creation, str], Body]], RpcMethod]:
    """``creates`` within a parent the call names after the therapist (``parent``: its field, say ``pathway_id``).

    The parent is part of what a repeat must match: the same body for another parent is another create.
    """

    def decorate(method: Callable[[EntrypointsT, Creation, str], Body]) -> RpcMethod:
        def create(
            self: EntrypointsT,
            clinic_id: str,
            therapist_id: str,
            parent_id: str,
            request: Body,
            correlation_id: str,
            idempotency_key: str | None = None,
        ) -> Body:
            address = {parent: parent_id}
            creation = Creation.of(
                kind, schema, clinic_id, therapist_id, request, correlation_id, idempotency_key, address
            )
            return method(self, creation, parent_id)

        return _as_rpc(create, method)

    return decorate


def changes_assignment(
    schema: type[Schema],
) -> Callable[[Callable[[EntrypointsT, AssignmentChange], Body]], RpcMethod]:
    """An RPC ``(clinic_id, changed_by, assignment_id, request, correlation_id, therapist_id=None)``.

    With ``therapist_id``, only an assignment that therapist made.
    """

    def decorate(method: Callable[[EntrypointsT, AssignmentChange], Body]) -> RpcMethod:
        def change(
            self: EntrypointsT,
            clinic_id: str,
            changed_by: str,
            assignment_id: str,
            request: Body,
            correlation_id: str,
            therapist_id: str | None = None,
        ) -> Body:
            body = validated(shared(schema), request)
            return method(
                self, AssignmentChange(clinic_id, changed_by, assignment_id, body, correlation_id, therapist_id)
            )

        return _as_rpc(change, method)

    return decorate


def scoped_read(
    lookup: Callable[[AssignmentsApplication, str, UUID, str | None], Any], to_body: Callable[[Any], Body], field: str
) -> RpcMethod:
    """An RPC ``(clinic_id, <field>, therapist_id=None)``: the ``lookup`` of that id, as ``to_body`` gives it.

    With ``therapist_id``, only what that therapist made (else NotFound).
    """

    def read(self: Entrypoints, clinic_id: str, identifier: str, therapist_id: str | None = None) -> Body:
        return to_body(lookup(self.app, clinic_id, parse_uuid(identifier, field), therapist_id))

    return _as_rpc(read, lookup)


def _as_rpc(wire: RpcMethod, method: Callable[..., Body]) -> RpcMethod:
    """``wire`` as the RPC named and documented like ``method``.

    Not ``functools.wraps``: nameko checks a request against the signature it sees, which must be the wire's.
    """
    wire.__name__, wire.__qualname__, wire.__doc__ = method.__name__, method.__qualname__, method.__doc__
    entrypoint: RpcMethod = rpc(wire)
    return entrypoint
