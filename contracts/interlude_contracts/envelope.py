"""The envelope every domain event travels in on the bus."""

import uuid
from datetime import datetime
from typing import Any

from marshmallow import Schema, fields, validate

from .fields import aware_datetime, identifier

EVENT_ID_NAMESPACE = uuid.UUID("6f1c1d7e-3b0e-4f5e-9a57-2f1c8f0f9d11")


class EnvelopeSchema(Schema):
    event_id = fields.UUID(required=True)
    event_type = fields.String(required=True, validate=validate.Length(1, 100))
    schema_version = fields.Integer(required=True, validate=validate.Range(min=1))
    occurred_at = aware_datetime(required=True)
    clinic_id = identifier(required=True)
    correlation_id = fields.String(required=True, validate=validate.Length(1, 100))
    source = fields.String(required=True, validate=validate.Length(1, 50))
    position = fields.Integer(required=True, validate=validate.Range(min=1))
    payload = fields.Dict(keys=fields.String(), required=True)


def event_id_for(source: str, aggregate_id: uuid.UUID, aggregate_version: int) -> str:
    """The same stored event always gets the same id, however often it is published."""
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{source}:{aggregate_id}:{aggregate_version}"))


def make_envelope(
    *,
    event_id: str,
    event_type: str,
    schema_version: int,
    occurred_at: datetime,
    clinic_id: str,
    correlation_id: str,
    source: str,
    position: int,
    payload: dict[str, Any],
) -> dict[str, Any]:
    """A JSON-ready envelope (not yet validated: see ``events.validate_event``)."""
    return {
        "event_id": event_id,
        "event_type": event_type,
        "schema_version": schema_version,
        "occurred_at": occurred_at.isoformat(),
        "clinic_id": clinic_id,
        "correlation_id": correlation_id,
        "source": source,
        "position": position,
        "payload": payload,
    }


def envelope_of(
    stored_event: Any, *, source: str, event_type: str, position: int, payload: dict[str, Any]
) -> dict[str, Any]:
    """The envelope of a stored domain event that carries ``clinic_id`` and ``correlation_id``."""
    return make_envelope(
        event_id=event_id_for(source, stored_event.originator_id, stored_event.originator_version),
        event_type=event_type,
        schema_version=1,
        occurred_at=stored_event.timestamp,
        clinic_id=stored_event.clinic_id,
        correlation_id=stored_event.correlation_id,
        source=source,
        position=position,
        payload=payload,
    )
