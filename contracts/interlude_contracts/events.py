"""Payload schemas of the domain events on the bus, and their validation.

Producers call ``validate_event`` before publishing; consumers call
``load_event`` on receipt. Both raise ``marshmallow.ValidationError``.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from marshmallow import Schema, ValidationError, fields, validate

from .activity import ItemSchema
from .envelope import EnvelopeSchema
from .fields import aware_datetime, identifier
from .schemas import shared

ACTIVITY_PUBLISHED = "ActivityPublished"
ACTIVITY_ASSIGNED = "ActivityAssigned"
RESPONSE_SUBMITTED = "ResponseSubmitted"
RESPONSE_SCORED = "ResponseScored"
ASSIGNMENT_CANCELLED = "AssignmentCancelled"
RISK_FLAG_RAISED = "RiskFlagRaised"
RISK_FLAG_ACKNOWLEDGED = "RiskFlagAcknowledged"
ASSIGNMENT_OPENED = "AssignmentOpened"
ASSIGNMENT_EXPIRED = "AssignmentExpired"
ASSIGNMENT_EXPIRY_DUE = "AssignmentExpiryDue"
NOTIFICATION_SENT = "NotificationSent"
NOTIFICATION_FAILED = "NotificationFailed"
RELEASE_SCHEDULED = "ReleaseScheduled"
RELEASE_DUE = "ReleaseDue"
DUE_DATE_EXTENDED = "DueDateExtended"


class ActivityPublishedV1(Schema):
    activity_id = fields.UUID(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    title = fields.String(required=True)
    instructions = fields.String(required=True)
    items = fields.List(fields.Nested(ItemSchema), required=True)
    measure = fields.String(load_default=None, allow_none=True, metadata={"description": "e.g. 'PHQ-9'"})
    published_by = identifier(required=True)


class ReminderRuleV1(Schema):
    """A reminder relative to the release or the due time, e.g. 24 h after release, 2 h before due."""

    anchor = fields.String(required=True, validate=validate.OneOf(("release", "due")))
    offset_minutes = fields.Integer(
        required=True,
        validate=validate.Range(-60 * 24 * 60, 60 * 24 * 60),
        metadata={"description": "Minutes after the anchor (negative: before it)."},
    )


class ActivityAssignedV1(Schema):
    assignment_id = fields.UUID(required=True)
    activity_id = fields.UUID(required=True)
    activity_version = fields.Integer(required=True, validate=validate.Range(min=1))
    activity_title = fields.String(required=True)
    client_id = identifier(required=True)
    therapist_id = identifier(required=True)
    due_at = aware_datetime(required=True, allow_none=True)
    release_at = aware_datetime(
        load_default=None, allow_none=True, metadata={"description": "Hidden from the client until then; null: now."}
    )
    expires_at = aware_datetime(
        load_default=None, allow_none=True, metadata={"description": "due_at plus the grace period; null: never."}
    )
    reminders = fields.List(
        fields.Nested(ReminderRuleV1),
        load_default=None,
        allow_none=True,
        metadata={"description": "This assignment's reminders; null: the clinic's defaults."},
    )


class ScoreV1(Schema):
    """One computed score of a response: the total or a subscale."""

    value = fields.Float(required=True)
    band = fields.String(load_default=None, allow_none=True, metadata={"description": "e.g. 'moderate'"})
    above_cutoff = fields.Boolean(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "value >= the scoring's cutoff; the clinical side where lower is better (PHQ-9), "
            "the healthy side where higher is better (WHO-5)"
        },
    )


class RiskFlagV1(Schema):
    """A critical-item rule that fired, e.g. PHQ-9 item 9 above 0."""

    rule_id = fields.String(required=True)
    item_id = fields.String(load_default=None, allow_none=True)
    message = fields.String(required=True)


class ResponseSubmittedV1(Schema):
    assignment_id = fields.UUID(required=True)
    activity_id = fields.UUID(required=True)
    activity_version = fields.Integer(required=True, validate=validate.Range(min=1))
    client_id = identifier(required=True)
    answers = fields.Dict(keys=fields.String(), required=True)
    measure = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "The activity's measure code (e.g. 'PHQ-9'): score series are kept per measure."},
    )
    scores = fields.Dict(
        keys=fields.String(),
        values=fields.Nested(ScoreV1),
        load_default=dict,
        metadata={"description": "'total' and any subscales, by key; empty for unscored activities."},
    )
    risk_flags = fields.List(fields.Nested(RiskFlagV1), load_default=list)


class ResponseScoredV1(Schema):
    """A response recorded without its scores, scored later from the assignment's completed snapshot.

    Written by the repair of assignments stored without their scoring (docs/activities.md); its
    risk flags are also raised as ``RiskFlagRaised`` events.
    """

    assignment_id = fields.UUID(required=True)
    activity_id = fields.UUID(required=True)
    activity_version = fields.Integer(required=True, validate=validate.Range(min=1))
    client_id = identifier(required=True)
    submitted_at = aware_datetime(required=True, metadata={"description": "When the response was submitted."})
    measure = fields.String(load_default=None, allow_none=True)
    scores = fields.Dict(keys=fields.String(), values=fields.Nested(ScoreV1), load_default=dict)
    risk_flags = fields.List(fields.Nested(RiskFlagV1), load_default=list)


class DueDateExtendedV1(Schema):
    """A therapist moved an open assignment's due date later; what a consumer needs to plan around it again."""

    assignment_id = fields.UUID(required=True)
    client_id = identifier(required=True)
    activity_title = fields.String(required=True)
    previous_due_at = aware_datetime(required=True, allow_none=True)
    due_at = aware_datetime(required=True)
    expires_at = aware_datetime(
        required=True, allow_none=True, metadata={"description": "Moved by as much as the due date."}
    )
    release_at = aware_datetime(
        required=True, allow_none=True, metadata={"description": "When it was (or will be) released to the client."}
    )
    reminders = fields.List(fields.Nested(ReminderRuleV1), required=True, allow_none=True)
    extended_by = identifier(required=True)


class AssignmentCancelledV1(Schema):
    assignment_id = fields.UUID(required=True)
    client_id = identifier(required=True)
    cancelled_by = identifier(required=True)
    reason = fields.String(required=True, allow_none=True, validate=validate.Length(0, 1000))


class RiskFlagRaisedV1(Schema):
    """A response tripped a critical-item rule; the therapist must see it until acknowledged."""

    flag_id = fields.UUID(required=True)
    assignment_id = fields.UUID(required=True)
    activity_id = fields.UUID(required=True)
    activity_version = fields.Integer(required=True, validate=validate.Range(min=1))
    client_id = identifier(required=True)
    therapist_id = identifier(required=True)
    measure = fields.String(required=True, allow_none=True)
    rule_id = fields.String(required=True)
    item_id = fields.String(required=True, allow_none=True)
    message = fields.String(required=True)


class RiskFlagAcknowledgedV1(Schema):
    flag_id = fields.UUID(required=True)
    assignment_id = fields.UUID(required=True)
    client_id = identifier(required=True)
    acknowledged_by = identifier(required=True)
    note = fields.String(required=True, allow_none=True, validate=validate.Length(0, 2000))


class AssignmentOpenedV1(Schema):
    """The client opened the assignment for the first time."""

    assignment_id = fields.UUID(required=True)
    client_id = identifier(required=True)
    opened_at = aware_datetime(required=True)


class AssignmentExpiredV1(Schema):
    """The grace period after the due time passed without a response."""

    assignment_id = fields.UUID(required=True)
    client_id = identifier(required=True)
    due_at = aware_datetime(required=True)
    expired_at = aware_datetime(required=True)


class AssignmentExpiryDueV1(Schema):
    """The notifications scheduler's trigger: the assignment's expiry time has come."""

    assignment_id = fields.UUID(required=True)
    client_id = identifier(required=True)
    expires_at = aware_datetime(required=True)


SCHEDULE_KINDS = ("recurrence", "pathway")


class ReleaseScheduledV1(Schema):
    """The assignments service asks the scheduler to fire a release (a recurrence's next occurrence)."""

    schedule_id = fields.UUID(required=True, metadata={"description": "The recurrence (or enrolment)."})
    schedule_kind = fields.String(required=True, validate=validate.OneOf(SCHEDULE_KINDS))
    client_id = identifier(required=True)
    release_at = aware_datetime(required=True)
    step = fields.Integer(load_default=None, allow_none=True, metadata={"description": "A pathway step (from 0)."})


class ReleaseDueV1(ReleaseScheduledV1):
    """The scheduler's trigger: the release time has come."""


NOTIFICATION_CHANNELS = ("in_app", "email", "webhook")


class NotificationAttemptV1(Schema):
    notification_id = fields.UUID(required=True)
    client_id = identifier(required=True)
    assignment_id = fields.UUID(required=True, allow_none=True)
    kind = fields.String(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(NOTIFICATION_CHANNELS))
    attempt = fields.Integer(required=True, validate=validate.Range(min=1))
    attempted_at = aware_datetime(required=True)


class NotificationSentV1(NotificationAttemptV1):
    pass


class NotificationFailedV1(NotificationAttemptV1):
    error = fields.String(required=True)
    final = fields.Boolean(required=True, metadata={"description": "No more retries: dead-lettered."})


PAYLOAD_SCHEMAS: dict[tuple[str, int], type[Schema]] = {
    (ACTIVITY_PUBLISHED, 1): ActivityPublishedV1,
    (ACTIVITY_ASSIGNED, 1): ActivityAssignedV1,
    (RESPONSE_SUBMITTED, 1): ResponseSubmittedV1,
    (RESPONSE_SCORED, 1): ResponseScoredV1,
    (ASSIGNMENT_CANCELLED, 1): AssignmentCancelledV1,
    (RISK_FLAG_RAISED, 1): RiskFlagRaisedV1,
    (RISK_FLAG_ACKNOWLEDGED, 1): RiskFlagAcknowledgedV1,
    (ASSIGNMENT_OPENED, 1): AssignmentOpenedV1,
    (ASSIGNMENT_EXPIRED, 1): AssignmentExpiredV1,
    (ASSIGNMENT_EXPIRY_DUE, 1): AssignmentExpiryDueV1,
    (NOTIFICATION_SENT, 1): NotificationSentV1,
    (NOTIFICATION_FAILED, 1): NotificationFailedV1,
    (RELEASE_SCHEDULED, 1): ReleaseScheduledV1,
    (RELEASE_DUE, 1): ReleaseDueV1,
    (DUE_DATE_EXTENDED, 1): DueDateExtendedV1,
}


@dataclass(frozen=True)
class Event:
    """A validated event as a consumer receives it."""

    event_id: UUID
    event_type: str
    schema_version: int
    occurred_at: datetime
    clinic_id: str
    correlation_id: str
    source: str
    position: int
    payload: dict[str, Any]


def load_event(body: Any) -> Event:
    """Validate an envelope and its payload; return it typed."""
    if not isinstance(body, dict):
        raise ValidationError({"_schema": ["An event must be a JSON object."]})
    envelope = shared(EnvelopeSchema).load(body)
    key = (envelope["event_type"], envelope["schema_version"])
    schema = PAYLOAD_SCHEMAS.get(key)
    if schema is None:
        raise ValidationError({"event_type": [f"Unknown event type or schema version: {key}."]})
    try:
        payload = shared(schema).load(envelope["payload"])
    except ValidationError as error:
        raise ValidationError({"payload": error.messages}) from error
    return Event(**{**envelope, "payload": payload})


def validate_event(envelope: dict[str, Any]) -> dict[str, Any]:
    """Producers' check before publishing; returns the envelope unchanged."""
    load_event(envelope)
    return envelope
