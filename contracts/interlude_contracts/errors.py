"""Errors that cross RPC boundaries.

Registered with nameko so a caller gets the same class back (not a generic
``RemoteError``), with its arguments intact: the gateway maps each to an HTTP
status and a machine-readable body.
"""

from typing import Any
from uuid import UUID

from nameko.exceptions import deserialize_to_instance


class InterludeError(Exception):
    """Base of every error a service reports on purpose."""

    http_status = 500
    code = "internal_error"

    def __init__(self, detail: str, fields: dict[str, Any] | None = None) -> None:
        super().__init__(detail, fields or {})

    @property
    def detail(self) -> str:
        return self.args[0]

    @property
    def fields(self) -> dict[str, Any]:
        return self.args[1]


@deserialize_to_instance
class ValidationFailed(InterludeError):
    """A body or an answer did not satisfy its contract; nothing was changed."""

    http_status = 422
    code = "validation_failed"


@deserialize_to_instance
class NotFound(InterludeError):
    """No such record in the caller's clinic (other clinics' records look absent)."""

    http_status = 404
    code = "not_found"


@deserialize_to_instance
class Conflict(InterludeError):
    """The request contradicts the record's current state."""

    http_status = 409
    code = "conflict"


@deserialize_to_instance
class Forbidden(InterludeError):
    """The caller's role does not allow this action."""

    http_status = 403
    code = "forbidden"


def validated(schema: Any, data: Any, *, partial: bool = False) -> Any:
    """Load ``data`` with a marshmallow schema, or raise ``ValidationFailed`` naming the fields."""
    from marshmallow import ValidationError

    if data is None:
        data = {}
    try:
        return schema.load(data, partial=partial)
    except ValidationError as error:
        raise ValidationFailed("The request body is not valid.", _as_field_map(error.messages)) from None


def parse_uuid(value: Any, field: str) -> "UUID":
    try:
        return UUID(str(value))
    except ValueError:
        raise ValidationFailed(f"{field} is not a valid id.", {field: ["Not a valid UUID."]}) from None


def _as_field_map(messages: Any) -> dict[str, Any]:
    if isinstance(messages, dict):
        return {str(key): value for key, value in messages.items()}
    return {"_schema": messages}
