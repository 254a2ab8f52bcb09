"""Bodies of the reporting and risk-flag API: the acknowledgement request and the reports' RPC results."""

from marshmallow import Schema, fields, validate

from .fields import aware_datetime, identifier

# The CSV exports (GET /reports/<report>.csv): the reporting service makes them, the API document lists them.
CSV_REPORTS = ("assignments", "timeline", "scores", "risk-flags", "adherence", "caseload", "activity-usage")


class AcknowledgeRiskFlagRequest(Schema):
    note = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(0, 2000),
        metadata={"description": "What the therapist did about it (e.g. 'Called the client; safety plan reviewed')."},
    )


# -- RPC results of the reporting service (times are UTC ISO 8601 strings) ------------------------------


class TimelineStepSchema(Schema):
    status = fields.String(required=True, metadata={"description": "assigned, submitted, cancelled, risk_flag_*"})
    occurred_at = aware_datetime(required=True)


class TimelineSchema(Schema):
    assignment_id = fields.UUID(required=True)
    client_id = identifier(required=True, allow_none=True)
    timeline = fields.List(fields.Nested(TimelineStepSchema), required=True)


class AdherenceCountsSchema(Schema):
    assigned = fields.Integer(required=True, metadata={"description": "Assignments not cancelled."})
    completed = fields.Integer(required=True)
    overdue = fields.Integer(required=True, metadata={"description": "Open with due_at in the past."})
    cancelled = fields.Integer(required=True)
    completion_rate = fields.Float(required=True, allow_none=True)
    median_hours_to_complete = fields.Float(required=True, allow_none=True)


class AdherenceSchema(AdherenceCountsSchema):
    client_id = identifier(required=True)
    last_activity_at = aware_datetime(required=True, allow_none=True)


class ScorePointSchema(Schema):
    assignment_id = fields.UUID(required=True)
    value = fields.Float(required=True)
    band = fields.String(required=True, allow_none=True)
    above_cutoff = fields.Boolean(required=True, allow_none=True)
    submitted_at = aware_datetime(required=True)


class BandSchema(Schema):
    lower = fields.Float(required=True)
    upper = fields.Float(required=True)
    label = fields.String(required=True)


class MeasureNormsSchema(Schema):
    measure = fields.String(required=True)
    name = fields.String(required=True)
    minimum = fields.Float(required=True)
    maximum = fields.Float(required=True)
    lower_is_better = fields.Boolean(required=True)
    cutoff = fields.Float(required=True)
    sd = fields.Float(required=True)
    reliability = fields.Float(required=True)
    bands = fields.List(fields.Nested(BandSchema), required=True)
    source = fields.String(required=True)


class ChangeSchema(Schema):
    baseline = fields.Float(required=True)
    latest = fields.Float(required=True)
    rci = fields.Float(required=True, metadata={"description": "Jacobson-Truax reliable change index."})
    reliable = fields.Boolean(required=True, metadata={"description": "|rci| > 1.96"})
    baseline_clinical = fields.Boolean(required=True)
    latest_clinical = fields.Boolean(required=True)
    classification = fields.String(
        required=True, validate=validate.OneOf(("recovered", "improved", "unchanged", "deteriorated"))
    )


class MeasureProgressSchema(Schema):
    measure = fields.String(required=True)
    norms = fields.Nested(MeasureNormsSchema, required=True, allow_none=True)
    series = fields.List(fields.Nested(ScorePointSchema), required=True)
    change = fields.Nested(ChangeSchema, required=True, allow_none=True)


class ClientProgressSchema(Schema):
    client_id = identifier(required=True)
    measures = fields.List(fields.Nested(MeasureProgressSchema), required=True)


class RiskFlagSchema(Schema):
    flag_id = fields.UUID(required=True)
    client_id = identifier(required=True)
    assignment_id = fields.UUID(required=True)
    activity_id = fields.UUID(required=True, allow_none=True)
    therapist_id = identifier(required=True, allow_none=True)
    measure = fields.String(required=True, allow_none=True)
    rule_id = fields.String(required=True, allow_none=True)
    item_id = fields.String(required=True, allow_none=True)
    message = fields.String(required=True, allow_none=True)
    raised_at = aware_datetime(required=True, allow_none=True)
    acknowledged_by = identifier(required=True, allow_none=True)
    acknowledged_at = aware_datetime(required=True, allow_none=True)
    note = fields.String(required=True, allow_none=True)


class LatestScoreSchema(Schema):
    measure = fields.String(required=True)
    value = fields.Float(required=True)
    band = fields.String(required=True, allow_none=True)
    above_cutoff = fields.Boolean(required=True, allow_none=True)
    submitted_at = aware_datetime(required=True)
    classification = fields.String(required=True, allow_none=True)


class CaseloadEntrySchema(Schema):
    client_id = identifier(required=True)
    last_activity_at = aware_datetime(required=True, allow_none=True)
    adherence = fields.Nested(AdherenceCountsSchema, required=True)
    latest_scores = fields.List(fields.Nested(LatestScoreSchema), required=True)
    open_risk_flags = fields.List(fields.Nested(RiskFlagSchema), required=True)
    worsening = fields.Boolean(required=True, metadata={"description": "A reliable deterioration on any measure."})


class FunnelStepSchema(Schema):
    stage = fields.String(
        required=True, metadata={"description": "assigned, submitted (released/opened/started later)"}
    )
    count = fields.Integer(required=True)
    rate = fields.Float(required=True, allow_none=True, metadata={"description": "count / the first stage's count"})


class ActivityUsageSchema(Schema):
    activity_id = fields.UUID(required=True)
    title = fields.String(required=True, allow_none=True)
    versions = fields.Integer(required=True)
    assignments = fields.Integer(required=True)
    submitted = fields.Integer(required=True)
    cancelled = fields.Integer(required=True)
    clients = fields.Integer(required=True)
    funnel = fields.List(fields.Nested(FunnelStepSchema), required=True)


class ClinicUsageSchema(Schema):
    clinic_id = identifier(required=True)
    activities = fields.List(fields.Nested(ActivityUsageSchema), required=True)
    funnel = fields.List(fields.Nested(FunnelStepSchema), required=True)


class ExportPageSchema(Schema):
    columns = fields.List(fields.String(), required=True)
    rows = fields.List(fields.List(fields.Raw(allow_none=True)), required=True)
    # A table report's cursor ("after:" and a key) or a computed report's offset; None after the last page.
    next_offset = fields.Raw(required=True, allow_none=True)


class AcknowledgementSchema(Schema):
    flag_id = fields.UUID(required=True)
    assignment_id = fields.UUID(required=True)
    client_id = identifier(required=True)
    acknowledged_by = identifier(required=True)
    acknowledged_at = aware_datetime(required=True)
    note = fields.String(required=True, allow_none=True)


class TherapistAlertSchema(Schema):
    notification_id = fields.UUID(required=True)
    clinic_id = identifier(required=True)
    therapist_id = identifier(required=True)
    client_id = identifier(required=True)
    kind = fields.String(required=True, metadata={"description": "risk_flag"})
    assignment_id = fields.UUID(required=True, allow_none=True)
    flag_id = fields.UUID(required=True, allow_none=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    created_at = aware_datetime(required=True)
