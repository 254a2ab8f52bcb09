"""Activity definitions: items, drafts and immutable published versions."""

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from .fields import ITEM_ID_PATTERN, aware_datetime, identifier

FREE_TEXT = "free_text"
SINGLE_CHOICE = "single_choice"
LINEAR_SCALE = "linear_scale"
ITEM_TYPES = (FREE_TEXT, SINGLE_CHOICE, LINEAR_SCALE)

DEFAULT_MAX_LENGTH = 5000
MAX_ITEMS = 200


class ChoiceOptionSchema(Schema):
    value = fields.String(required=True, validate=validate.Length(1, 100))
    label = fields.String(required=True, validate=validate.Length(1, 500))


class ItemSchema(Schema):
    """One question or prompt. Which settings apply depends on ``type``."""

    id = fields.String(
        required=True,
        validate=validate.Regexp(ITEM_ID_PATTERN, error="Item ids start with a letter; letters, digits, _ and - only."),
    )
    type = fields.String(required=True, validate=validate.OneOf(ITEM_TYPES))
    prompt = fields.String(required=True, validate=validate.Length(1, 2000))
    required = fields.Boolean(load_default=True)
    max_length = fields.Integer(validate=validate.Range(1, 20000))
    options = fields.List(fields.Nested(ChoiceOptionSchema))
    min = fields.Integer(validate=validate.Range(-1000, 1000))
    max = fields.Integer(validate=validate.Range(-1000, 1000))
    min_label = fields.String(validate=validate.Length(0, 200))
    max_label = fields.String(validate=validate.Length(0, 200))

    @validates_schema
    def check_settings_for_type(self, data: dict[str, Any], **kwargs: Any) -> None:
        checks = {
            FREE_TEXT: _check_free_text,
            SINGLE_CHOICE: _check_single_choice,
            LINEAR_SCALE: _check_linear_scale,
        }
        check = checks.get(data.get("type", ""))
        if check:
            check(data)

    @post_load
    def fill_defaults(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if data["type"] == FREE_TEXT:
            data.setdefault("max_length", DEFAULT_MAX_LENGTH)
        return data


def _reject_settings(data: dict[str, Any], allowed: set[str]) -> None:
    foreign = {"max_length", "options", "min", "max", "min_label", "max_label"} - allowed
    present = sorted(key for key in foreign if key in data)
    if present:
        raise ValidationError({key: [f"Not a setting of a {data['type']} item."] for key in present})


def _check_free_text(data: dict[str, Any]) -> None:
    _reject_settings(data, {"max_length"})


def _check_single_choice(data: dict[str, Any]) -> None:
    _reject_settings(data, {"options"})
    options = data.get("options") or []
    if len(options) < 2:
        raise ValidationError({"options": ["A single choice needs at least two options."]})
    values = [option["value"] for option in options]
    if len(set(values)) != len(values):
        raise ValidationError({"options": ["Option values must be unique."]})


def _check_linear_scale(data: dict[str, Any]) -> None:
    _reject_settings(data, {"min", "max", "min_label", "max_label"})
    if "min" not in data or "max" not in data:
        raise ValidationError({"min": ["A linear scale needs min and max."]})
    if data["min"] >= data["max"]:
        raise ValidationError({"max": ["max must be greater than min."]})
    if data["max"] - data["min"] > 100:
        raise ValidationError({"max": ["A linear scale has at most 101 points."]})


class ActivityDraftSchema(Schema):
    """What a therapist writes: the editable content of an activity."""

    title = fields.String(required=True, validate=validate.Length(1, 200))
    instructions = fields.String(load_default="", validate=validate.Length(0, 10000))
    items = fields.List(fields.Nested(ItemSchema), required=True, validate=validate.Length(1, MAX_ITEMS))

    @validates_schema
    def check_unique_item_ids(self, data: dict[str, Any], **kwargs: Any) -> None:
        seen: set[str] = set()
        for index, item in enumerate(data.get("items", [])):
            if item["id"] in seen:
                raise ValidationError({"items": {index: {"id": [f"Duplicate item id {item['id']!r}."]}}})
            seen.add(item["id"])


class ActivityVersionSchema(Schema):
    """An immutable published version: what assignments and responses point to."""

    activity_id = fields.UUID(required=True)
    clinic_id = identifier(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    title = fields.String(required=True)
    instructions = fields.String(required=True)
    items = fields.List(fields.Nested(ItemSchema), required=True)
    published_at = aware_datetime(required=True)
    published_by = identifier(required=True)


class ActivitySchema(Schema):
    """An activity as a therapist sees it: its draft and its published versions."""

    activity_id = fields.UUID(required=True)
    clinic_id = identifier(required=True)
    created_by = identifier(required=True)
    created_at = aware_datetime(required=True)
    updated_at = aware_datetime(required=True)
    draft = fields.Nested(ActivityDraftSchema, required=True)
    versions = fields.List(fields.Integer(), required=True)
    latest_version = fields.Integer(allow_none=True, required=True)
