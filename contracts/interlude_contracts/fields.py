"""Field types reused across contracts."""

from marshmallow import fields, validate

IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$"
ITEM_ID_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"


def identifier(**kwargs) -> fields.String:
    """An opaque id such as a clinic, client or therapist id."""
    return fields.String(
        validate=validate.Regexp(IDENTIFIER_PATTERN, error="Not a valid identifier."),
        **kwargs,
    )


def aware_datetime(**kwargs) -> fields.AwareDateTime:
    """A timestamp that must carry its time zone (ISO 8601)."""
    return fields.AwareDateTime(format="iso", **kwargs)
