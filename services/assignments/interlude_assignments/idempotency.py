"""What makes a create safe to repeat.

A create command may carry an ``Idempotency``: the id its aggregate gets,
derived from the caller's ``Idempotency-Key`` (or, without one, from the
request's correlation id), and a digest of the request. Repeating the command
— a client's retry, or an RPC redelivered after the service committed and
died — finds the aggregate already there and returns it instead of a
duplicate; the key reused for another request is a conflict.
"""

import inspect
import json
from collections.abc import Mapping
from dataclasses import dataclass
from hashlib import sha256
from typing import Any, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from interlude_contracts.errors import Conflict
from interlude_runtime.eventstore import decorated_event

AggregateT = TypeVar("AggregateT", bound=Aggregate)

IDEMPOTENCY_KEY = "Idempotency-Key"


@dataclass(frozen=True)
class Idempotency:
    """The id a create's aggregate gets, and the digest of the request that created it."""

    aggregate_id: UUID
    digest: str

    @classmethod
    def of(
        cls,
        kind: str,
        clinic_id: str,
        caller: str,
        request: Mapping[str, Any],
        correlation_id: str,
        key: str | None = None,
    ) -> "Idempotency":
        """From the caller's key; without one, from the correlation id and the request itself.

        Without a key, a different request under the same correlation id is a different
        create (clients are not asked to keep correlation ids unique), never a conflict.
        """
        digest = request_digest(request)
        scope = f"key:{key}" if key else f"correlation:{correlation_id}:{digest}"
        return cls(uuid5(NAMESPACE_URL, f"interlude:{kind}:{clinic_id}:{caller}:{scope}"), digest)

    def within(self, *parts: object) -> "Idempotency":
        """The idempotency of something this create makes in turn (a group member's assignment)."""
        name = ":".join(str(part) for part in (self.aggregate_id, *parts))
        return Idempotency(uuid5(NAMESPACE_URL, f"interlude:within:{name}"), self.digest)


def request_digest(request: Mapping[str, Any]) -> str:
    canonical = json.dumps(request, sort_keys=True, default=str, separators=(",", ":"))
    return sha256(canonical.encode()).hexdigest()


def check_digest(recorded: str | None, idempotency: Idempotency) -> None:
    if recorded != idempotency.digest:
        message = "This Idempotency-Key was already used for a different request."
        raise Conflict(message, {IDEMPOTENCY_KEY: [message]})


def create(kind: type[AggregateT], event_name: str, idempotency: Idempotency | None, **fields: Any) -> AggregateT:
    """A new aggregate; with an idempotency, under its derived id and keeping the request's digest."""
    if idempotency is None:
        return kind(**fields)
    arguments = inspect.signature(kind.__init__).bind(None, **fields, request_digest=idempotency.digest)
    arguments.apply_defaults()
    values = {name: value for name, value in arguments.arguments.items() if name != "self"}
    # eventsourcing's decorator makes the created event a CanInitAggregate; mypy sees only a DomainEvent.
    created_event: Any = decorated_event(kind, event_name)
    created: AggregateT = kind._create(created_event, id=idempotency.aggregate_id, **values)
    return created
