"""Bodies of the reporting and risk-flag API (requests the gateway checks)."""

from marshmallow import Schema, fields, validate


class AcknowledgeRiskFlagRequest(Schema):
    note = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(0, 2000),
        metadata={"description": "What the therapist did about it (e.g. 'Called the client; safety plan reviewed')."},
    )
