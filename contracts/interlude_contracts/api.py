"""Bodies of the gateway's HTTP API and of the services' RPC results."""

from marshmallow import INCLUDE, Schema, fields, validate

from .activity import ItemSchema, PageSchema
from .events import ReminderRuleV1
from .fields import aware_datetime, identifier

ASSIGNMENT_STATUSES = ("assigned", "submitted", "cancelled", "expired")


class LoginRequest(Schema):
    username = fields.String(required=True, validate=validate.Length(1, 200))
    password = fields.String(required=True, validate=validate.Length(1, 500))


class TokenResponse(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True)


class PersonalisationFields(Schema):
    """The names that fill an activity's personalisation tokens in the assignments a request creates."""

    client_first_name = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, 100),
        metadata={"description": "Fills {{client.first_name}} in the client's copy of the activity."},
    )
    therapist_name = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, 200),
        metadata={"description": "Fills {{therapist.name}}; the gateway sends the caller's display name if omitted."},
    )
    clinic_name = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, 200),
        metadata={"description": "Fills {{clinic.name}}; the gateway sends the clinic's configured name if omitted."},
    )


class AssignRequest(PersonalisationFields):
    client_id = identifier(required=True)
    activity_id = fields.UUID(required=True)
    activity_version = fields.Integer(
        validate=validate.Range(min=1),
        load_default=None,
        metadata={"description": "Defaults to the latest published version."},
    )
    due_at = aware_datetime(load_default=None, allow_none=True)
    # Schedules (docs/schedules.md): all optional, additive.
    release_at = aware_datetime(
        load_default=None, allow_none=True, metadata={"description": "Hidden from the client until then."}
    )
    grace_hours = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(0, 24 * 90),
        metadata={"description": "Expires this long after due_at without a response (default 24)."},
    )
    reminders = fields.List(
        fields.Nested(ReminderRuleV1),
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=10),
        metadata={"description": "Override the clinic's reminder defaults; [] for none."},
    )


class SubmitResponseRequest(Schema):
    answers = fields.Dict(keys=fields.String(), required=True)


class CancelRequest(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(0, 1000))


class ExtendDueDateRequest(Schema):
    due_at = aware_datetime(required=True, metadata={"description": "The new due date: later than the current one."})


class AssignmentSchema(Schema):
    """An assignment with the exact activity version it points to."""

    assignment_id = fields.UUID(required=True)
    clinic_id = identifier(required=True)
    client_id = identifier(required=True)
    therapist_id = identifier(required=True)
    activity_id = fields.UUID(required=True)
    activity_version = fields.Integer(required=True)
    title = fields.String(required=True)
    instructions = fields.String(required=True)
    items = fields.List(fields.Nested(ItemSchema), required=True)
    pages = fields.List(fields.Nested(PageSchema), load_default=None)
    measure = fields.String(load_default=None, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(ASSIGNMENT_STATUSES))
    assigned_at = aware_datetime(required=True)
    due_at = aware_datetime(required=True, allow_none=True)
    submitted_at = aware_datetime(required=True, allow_none=True)
    cancelled_at = aware_datetime(required=True, allow_none=True)
    answers = fields.Dict(keys=fields.String(), required=True, allow_none=True)
    scores = fields.Dict(keys=fields.String(), load_default=dict, metadata={"description": "As in ResponseSubmitted."})
    risk_flags = fields.List(fields.Dict(), load_default=list)
    release_at = aware_datetime(load_default=None, allow_none=True)
    expires_at = aware_datetime(load_default=None, allow_none=True)
    opened_at = aware_datetime(load_default=None, allow_none=True)
    expired_at = aware_datetime(load_default=None, allow_none=True)
    reminders = fields.List(fields.Nested(ReminderRuleV1), load_default=None, allow_none=True)


class ReportRowSchema(Schema):
    assignment_id = fields.UUID(required=True)
    activity_id = fields.UUID(required=True, allow_none=True)
    activity_version = fields.Integer(required=True, allow_none=True)
    activity_title = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(ASSIGNMENT_STATUSES))
    assigned_at = aware_datetime(required=True, allow_none=True)
    due_at = aware_datetime(required=True, allow_none=True)
    submitted_at = aware_datetime(required=True, allow_none=True)
    cancelled_at = aware_datetime(required=True, allow_none=True)


class ClientReportSchema(Schema):
    clinic_id = identifier(required=True)
    client_id = identifier(required=True)
    assignments = fields.List(fields.Nested(ReportRowSchema), required=True)
    assigned = fields.Integer(required=True, metadata={"description": "Assignments not cancelled."})
    completed = fields.Integer(required=True)
    cancelled = fields.Integer(required=True)
    completion_rate = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "completed / assigned; null while nothing is assigned."},
    )


class CompletedAssignmentSchema(Schema):
    """A client's completed assignment in their history: never its scores or risk flags."""

    assignment_id = fields.UUID(required=True)
    title = fields.String(required=True)
    assigned_at = aware_datetime(required=True)
    due_at = aware_datetime(required=True, allow_none=True)
    submitted_at = aware_datetime(required=True)


class NotificationSchema(Schema):
    notification_id = fields.UUID(required=True)
    clinic_id = identifier(required=True)
    client_id = identifier(required=True)
    kind = fields.String(required=True)
    assignment_id = fields.UUID(required=True, allow_none=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    created_at = aware_datetime(required=True)


class EmptyRequest(Schema):
    """The body of a command that takes no fields: an empty object, or no body at all."""


class QuestionnaireImportRequest(Schema):
    """A FHIR R4 Questionnaire to import; the activities service maps it (and lists what it could not)."""

    class Meta:
        unknown = INCLUDE  # the rest of the FHIR resource: mapped, or listed as unmapped, by the service

    resourceType = fields.String(required=True, validate=validate.Equal("Questionnaire"))  # noqa: N815 (FHIR's)
    title = fields.String(validate=validate.Length(max=10_000))
    item = fields.List(fields.Dict(), metadata={"description": "The questionnaire's items (FHIR R4)."})
