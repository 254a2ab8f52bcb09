"""HTTP and RPC bodies of schedules, reminders and notification delivery (docs/schedules.md)."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from .api import AssignRequest, PersonalisationFields
from .events import NOTIFICATION_CHANNELS, ReminderRuleV1
from .fields import aware_datetime, identifier

EXTERNAL_CHANNELS = ("email", "webhook")
CLOCK_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
NAIVE_DATE_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?$"
# Listed in the API document, so that a generated request names a real zone.
TIME_ZONES = sorted(available_timezones())


class QuietHoursSchema(Schema):
    start = fields.String(required=True, validate=validate.Regexp(CLOCK_TIME, error="Use HH:MM (24 h)."))
    end = fields.String(required=True, validate=validate.Regexp(CLOCK_TIME, error="Use HH:MM (24 h)."))


def _check_zone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("Not an IANA time zone (e.g. Europe/London).") from None


class PreferencesSchema(Schema):
    """A client's delivery preferences; quiet hours are wall-clock times in ``time_zone``."""

    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 100))
    email = fields.Email(load_default=None, allow_none=True)
    push_address = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, 500),
        metadata={"description": "The push/SMS provider's address for this client (sent on the webhook)."},
    )
    channels = fields.List(
        fields.String(validate=validate.OneOf(EXTERNAL_CHANNELS)), load_default=list(EXTERNAL_CHANNELS)
    )
    opted_out = fields.Boolean(load_default=False)
    time_zone = fields.String(load_default="UTC", metadata={"enum": TIME_ZONES})
    quiet_hours = fields.Nested(QuietHoursSchema, load_default=None, allow_none=True)

    @validates("time_zone")
    def _zone(self, value: str, **_: object) -> None:
        _check_zone(value)


class RecurrenceRequest(PersonalisationFields):
    """Assign an activity on an RFC 5545 rule, evaluated in the client's time zone."""

    client_id = identifier(required=True)
    activity_id = fields.UUID(required=True)
    activity_version = fields.Integer(validate=validate.Range(min=1), load_default=None)
    rule = fields.String(
        required=True,
        validate=validate.Length(1, 500),
        metadata={"description": "e.g. 'FREQ=DAILY', 'FREQ=WEEKLY;BYDAY=MO,TH;COUNT=8', 'FREQ=WEEKLY;INTERVAL=2'"},
    )
    starts_at = fields.NaiveDateTime(
        required=True,
        metadata={
            "description": "The first occurrence's local date and time, e.g. 2026-03-27T07:00",
            "format": "naive-date-time",  # no offset: not OpenAPI's date-time
            "pattern": NAIVE_DATE_TIME,
        },
    )
    time_zone = fields.String(
        required=True, metadata={"description": "The client's IANA zone, e.g. Europe/London", "enum": TIME_ZONES}
    )
    due_after_hours = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 24 * 90))
    grace_hours = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0, 24 * 90))
    reminders = fields.List(fields.Nested(ReminderRuleV1), load_default=None, allow_none=True)

    @validates("time_zone")
    def _zone(self, value: str, **_: object) -> None:
        _check_zone(value)


RELEASE_RULES = (
    "immediately",
    "days_after_enrolment",
    "after_previous_completed",
    "hours_after_previous_completed",
    "interval",
)
NEEDS = {"days_after_enrolment": "days", "interval": "days", "hours_after_previous_completed": "hours"}


class ReleaseRuleSchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(RELEASE_RULES))
    days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0, 365))
    hours = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0, 24 * 90))

    @validates_schema
    def _amount(self, data: dict, **_: object) -> None:
        needed = NEEDS.get(data["type"])
        if needed and data.get(needed) is None:
            raise ValidationError(f"Required for {data['type']}.", needed)


class PathwayStepRequest(Schema):
    activity_id = fields.UUID(required=True)
    activity_version = fields.Integer(validate=validate.Range(min=1), load_default=None)
    release = fields.Nested(ReleaseRuleSchema, required=True)
    due_after_hours = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 24 * 90))


class PathwayRequest(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    steps = fields.List(fields.Nested(PathwayStepRequest), required=True, validate=validate.Length(1, 50))


class EnrolRequest(PersonalisationFields):
    client_id = identifier(required=True)


class GroupRequest(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    members = fields.List(identifier(), load_default=list, validate=validate.Length(max=500))


class MemberRequest(Schema):
    client_id = identifier(required=True)
    joining = fields.String(
        load_default="from_start",
        validate=validate.OneOf(("from_start", "from_today")),
        metadata={"description": "from_start: everything the group received; from_today: what continues."},
    )


# A group's members each get their own assignments; their first names are not the request's to give.
GROUP_EXCLUDES = ("client_id", "client_first_name")


class GroupAssignRequest(AssignRequest):
    class Meta:
        exclude = GROUP_EXCLUDES


class GroupRecurrenceRequest(RecurrenceRequest):
    class Meta:
        exclude = GROUP_EXCLUDES


class GroupPathwayRequest(PersonalisationFields):
    class Meta:
        exclude = ("client_first_name",)

    pathway_id = fields.UUID(required=True)


class ReminderDefaultsSchema(Schema):
    reminders = fields.List(fields.Nested(ReminderRuleV1), required=True, validate=validate.Length(max=10))


class FollowUpRequest(Schema):
    text = fields.String(required=True, validate=validate.Length(1, 2000))


class DeliverySchema(Schema):
    """One attempt to deliver a notification on one channel."""

    notification_id = fields.UUID(required=True)
    assignment_id = fields.UUID(required=True, allow_none=True)
    kind = fields.String(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(NOTIFICATION_CHANNELS))
    attempt = fields.Integer(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(("sent", "failed")))
    error = fields.String(required=True, allow_none=True)
    due_at = aware_datetime(required=True)
    attempted_at = aware_datetime(required=True)


class ScheduledEntrySchema(Schema):
    entry_id = fields.UUID(required=True)
    assignment_id = fields.UUID(required=True, allow_none=True)
    kind = fields.String(required=True)
    due_at = aware_datetime(required=True)
    next_at = aware_datetime(required=True, allow_none=True)
    state = fields.String(required=True)
    attempts = fields.Integer(required=True)
    last_error = fields.String(required=True, allow_none=True)
