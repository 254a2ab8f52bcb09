"""Activity definitions on the wire: items, pages, branching, scoring, drafts and published versions.

A draft is an ordered list of ``items``; optional ``pages`` group consecutive items into the
steps a client completes in sequence (no pages: one page holding every item). Items and pages
may carry ``show_if`` conditions on earlier answers; ``scoring`` turns answers into scores,
bands and risk flags. Every text may hold personalisation tokens. These schemas check each
part's shape; what the parts mean together (ids, branch order, bands, tokens, scores) is the
activity model's, in ``interlude_activity_model``.
"""

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from .fields import ITEM_ID_PATTERN, aware_datetime, identifier

FREE_TEXT = "free_text"
LONG_TEXT = "long_text"
SINGLE_CHOICE = "single_choice"
MULTIPLE_CHOICE = "multiple_choice"
LINEAR_SCALE = "linear_scale"
VISUAL_ANALOGUE_SCALE = "visual_analogue_scale"
NUMBER = "number"
DATE = "date"
TIME = "time"
YES_NO = "yes_no"
TIMED_PRACTICE = "timed_practice"
HEADING = "heading"
DISPLAY_TEXT = "display_text"
MEDIA = "media"

DISPLAY_TYPES = (HEADING, DISPLAY_TEXT, MEDIA)
ANSWERABLE_TYPES = (
    FREE_TEXT,
    LONG_TEXT,
    SINGLE_CHOICE,
    MULTIPLE_CHOICE,
    LINEAR_SCALE,
    VISUAL_ANALOGUE_SCALE,
    NUMBER,
    DATE,
    TIME,
    YES_NO,
    TIMED_PRACTICE,
)
ITEM_TYPES = ANSWERABLE_TYPES + DISPLAY_TYPES
# Items whose answer is a number a score can use (choices through their option scores).
SCORABLE_TYPES = (SINGLE_CHOICE, MULTIPLE_CHOICE, LINEAR_SCALE, VISUAL_ANALOGUE_SCALE, NUMBER, YES_NO)

MEDIA_KINDS = ("image", "audio", "video")
OPERATORS = (
    "equals",
    "not_equals",
    "greater_than",
    "greater_or_equal",
    "less_than",
    "less_or_equal",
    "answered",
    "not_answered",
)
VALUELESS_OPERATORS = ("answered", "not_answered")
SCORE_METHODS = ("sum", "mean")

DEFAULT_MAX_LENGTH = 5000

MAX_ITEMS = 200
MAX_PRACTICE_SECONDS = 4 * 3600

# Every setting an item may have; each type allows a subset (TYPE_SETTINGS).
ITEM_SETTINGS = (
    "max_length",
    "options",
    "min",
    "max",
    "step",
    "decimals",
    "unit",
    "min_label",
    "max_label",
    "min_selections",
    "max_selections",
    "media",
    "duration_seconds",
)
TYPE_SETTINGS: dict[str, set[str]] = {
    FREE_TEXT: {"max_length"},
    LONG_TEXT: {"max_length"},
    SINGLE_CHOICE: {"options"},
    MULTIPLE_CHOICE: {"options", "min_selections", "max_selections"},
    LINEAR_SCALE: {"min", "max", "step", "min_label", "max_label"},
    VISUAL_ANALOGUE_SCALE: {"min", "max", "decimals", "min_label", "max_label"},
    NUMBER: {"min", "max", "decimals", "unit"},
    DATE: set(),
    TIME: set(),
    YES_NO: set(),
    TIMED_PRACTICE: {"duration_seconds", "media"},
    HEADING: set(),
    DISPLAY_TEXT: set(),
    MEDIA: {"media"},
}


class Numeric(fields.Number):
    """A JSON number kept as sent: whole numbers stay ints, decimals floats; booleans refused."""

    num_type = float

    def _validated(self, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return value

    def _format_num(self, value: Any) -> Any:
        return value


class ChoiceOptionSchema(Schema):
    value = fields.String(required=True, validate=validate.Length(1, 100))
    label = fields.String(required=True, validate=validate.Length(1, 500))
    system = fields.String(
        validate=validate.Length(1, 500), metadata={"description": "The code system of an imported FHIR option."}
    )
    score = Numeric(
        validate=validate.Range(-1000, 1000), metadata={"description": "The option's value when scored (ordinalValue)."}
    )


class CodingSchema(Schema):
    """A code from a terminology (e.g. LOINC), as FHIR's Coding carries it."""

    system = fields.String(validate=validate.Length(1, 500))
    code = fields.String(required=True, validate=validate.Length(1, 200))
    display = fields.String(validate=validate.Length(0, 500))


class IdentifierSchema(Schema):
    """A business identifier of an imported questionnaire (FHIR Identifier: system and value)."""

    system = fields.String(validate=validate.Length(1, 500))
    value = fields.String(required=True, validate=validate.Length(1, 500))


class MediaSchema(Schema):
    """A picture, recording or film the client sees or plays; ``url`` from the upload endpoint or elsewhere."""

    kind = fields.String(required=True, validate=validate.OneOf(MEDIA_KINDS))
    url = fields.String(required=True, validate=validate.Length(1, 2000))
    duration_seconds = Numeric(validate=validate.Range(0, 24 * 3600))
    alt = fields.String(validate=validate.Length(0, 1000), metadata={"description": "Text alternative."})
    title = fields.String(validate=validate.Length(0, 200))

    @validates_schema
    def check_url(self, data: dict[str, Any], **kwargs: Any) -> None:
        url = data.get("url", "")
        if not (url.startswith("https://") or url.startswith("http://") or url.startswith("/media/")):
            raise ValidationError({"url": ["Use an http(s) URL or a /media/ path from the upload endpoint."]})


class ConditionSchema(Schema):
    """A test on one earlier answer; for a multiple choice, ``equals`` means 'includes'."""

    item_id = fields.String(required=True, validate=validate.Regexp(ITEM_ID_PATTERN))
    operator = fields.String(required=True, validate=validate.OneOf(OPERATORS))
    value = fields.Raw(allow_none=True)

    @validates_schema
    def check_value(self, data: dict[str, Any], **kwargs: Any) -> None:
        needs_value = data.get("operator") not in VALUELESS_OPERATORS
        if needs_value and data.get("value") is None:
            raise ValidationError({"value": [f"The operator {data.get('operator')!r} needs a value."]})
        if not needs_value and data.get("value") is not None:
            raise ValidationError({"value": [f"The operator {data.get('operator')!r} takes no value."]})


class ShowIfSchema(Schema):
    """Shown when all (or any) of the conditions hold; otherwise skipped and not answered."""

    all = fields.List(fields.Nested(ConditionSchema), validate=validate.Length(1, 50))
    any = fields.List(fields.Nested(ConditionSchema), validate=validate.Length(1, 50))

    @validates_schema
    def check_one_combinator(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("all" in data) == ("any" in data):
            raise ValidationError({"_schema": ["Give exactly one of 'all' or 'any'."]})


class ItemSchema(Schema):
    """One question, prompt or piece of content. Which settings apply depends on ``type``."""

    id = fields.String(
        required=True,
        validate=validate.Regexp(ITEM_ID_PATTERN, error="Item ids start with a letter; letters, digits, _ and - only."),
    )
    type = fields.String(required=True, validate=validate.OneOf(ITEM_TYPES))
    link_id = fields.String(
        validate=validate.Length(1, 255),
        metadata={"description": "The FHIR linkId of an imported questionnaire, given back on export."},
    )
    group_path = fields.List(
        fields.String(validate=validate.Length(1, 255)),
        validate=validate.Length(1, 20),
        metadata={"description": "The linkIds of the FHIR groups (within its page) an imported item was nested in."},
    )
    codes = fields.List(
        fields.Nested(CodingSchema),
        validate=validate.Length(1, 20),
        metadata={"description": "The item's codes, e.g. its LOINC question code (FHIR item.code)."},
    )
    prompt = fields.String(required=True, validate=validate.Length(1, 20000))
    required = fields.Boolean(load_default=True)
    show_if = fields.Nested(ShowIfSchema)
    max_length = fields.Integer(validate=validate.Range(1, 20000))
    options = fields.List(fields.Nested(ChoiceOptionSchema), validate=validate.Length(max=100))
    min = Numeric(validate=validate.Range(-1_000_000, 1_000_000))
    max = Numeric(validate=validate.Range(-1_000_000, 1_000_000))
    step = Numeric(validate=validate.Range(min=0, min_inclusive=False))
    decimals = fields.Integer(validate=validate.Range(0, 3))
    unit = fields.String(validate=validate.Length(0, 50))
    min_label = fields.String(validate=validate.Length(0, 200))
    max_label = fields.String(validate=validate.Length(0, 200))
    min_selections = fields.Integer(validate=validate.Range(0, 100))
    max_selections = fields.Integer(validate=validate.Range(1, 100))
    media = fields.Nested(MediaSchema)
    duration_seconds = fields.Integer(validate=validate.Range(1, MAX_PRACTICE_SECONDS))

    @validates_schema
    def check_settings_for_type(self, data: dict[str, Any], **kwargs: Any) -> None:
        item_type = data.get("type", "")
        if item_type not in TYPE_SETTINGS:
            return
        _reject_settings(data, TYPE_SETTINGS[item_type])
        check = _TYPE_CHECKS.get(item_type)
        if check:
            check(data)

    @post_load
    def fill_defaults(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        item_type = data["type"]
        if item_type in (FREE_TEXT, LONG_TEXT):
            data.setdefault("max_length", DEFAULT_MAX_LENGTH)
        elif item_type == VISUAL_ANALOGUE_SCALE:
            data.setdefault("min", 0)
            data.setdefault("max", 10)
            data.setdefault("decimals", 1)
        elif item_type in DISPLAY_TYPES:
            data["required"] = False
        return data


def _reject_settings(data: dict[str, Any], allowed: set[str]) -> None:
    present = sorted(key for key in set(ITEM_SETTINGS) - allowed if key in data)
    if present:
        raise ValidationError({key: [f"Not a setting of a {data['type']} item."] for key in present})


def _check_options(data: dict[str, Any], kind: str) -> None:
    options = data.get("options") or []
    if len(options) < 2:
        raise ValidationError({"options": [f"A {kind} needs at least two options."]})
    values = [option["value"] for option in options]
    if len(set(values)) != len(values):
        raise ValidationError({"options": ["Option values must be unique."]})
    scored = ["score" in option for option in options]
    if any(scored) and not all(scored):
        raise ValidationError({"options": ["Give every option a score, or none."]})


def _check_single_choice(data: dict[str, Any]) -> None:
    _check_options(data, "single choice")


def _check_multiple_choice(data: dict[str, Any]) -> None:
    _check_options(data, "multiple choice")
    count = len(data["options"])
    low, high = data.get("min_selections", 0), data.get("max_selections", count)
    if high > count:
        raise ValidationError({"max_selections": [f"At most the number of options ({count})."]})
    if low > high:
        raise ValidationError({"min_selections": ["min_selections must not exceed max_selections."]})


def _check_range(data: dict[str, Any], *, required: bool) -> None:
    if required and ("min" not in data or "max" not in data):
        raise ValidationError({"min": [f"A {data['type'].replace('_', ' ')} needs min and max."]})
    if "min" in data and "max" in data and data["min"] >= data["max"]:
        raise ValidationError({"max": ["max must be greater than min."]})


def _check_linear_scale(data: dict[str, Any]) -> None:
    _check_range(data, required=True)
    for key in ("min", "max", "step"):
        if key in data and not float(data[key]).is_integer():
            raise ValidationError({key: ["A linear scale has whole-number points."]})
    step = data.get("step", 1)
    if (data["max"] - data["min"]) / step > 100:
        raise ValidationError({"max": ["A linear scale has at most 101 points."]})
    if (data["max"] - data["min"]) % step:
        raise ValidationError({"step": ["step must divide max - min."]})


def _check_visual_analogue_scale(data: dict[str, Any]) -> None:
    _check_range(data, required=False)
    if data.get("min", 0) >= data.get("max", 10):
        raise ValidationError({"max": ["max must be greater than min."]})


def _check_number(data: dict[str, Any]) -> None:
    _check_range(data, required=False)


def _check_media(data: dict[str, Any]) -> None:
    if "media" not in data:
        raise ValidationError({"media": ["A media item needs its media reference."]})


def _check_timed_practice(data: dict[str, Any]) -> None:
    if "duration_seconds" not in data:
        raise ValidationError({"duration_seconds": ["A timed practice needs its duration."]})


_TYPE_CHECKS = {
    SINGLE_CHOICE: _check_single_choice,
    MULTIPLE_CHOICE: _check_multiple_choice,
    LINEAR_SCALE: _check_linear_scale,
    VISUAL_ANALOGUE_SCALE: _check_visual_analogue_scale,
    NUMBER: _check_number,
    MEDIA: _check_media,
    TIMED_PRACTICE: _check_timed_practice,
}


class PageSchema(Schema):
    """One step of the activity: consecutive items, shown together."""

    id = fields.String(required=True, validate=validate.Regexp(ITEM_ID_PATTERN))
    title = fields.String(validate=validate.Length(0, 200))
    item_ids = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    link_id = fields.String(
        validate=validate.Length(1, 255),
        metadata={"description": "The FHIR linkId of an imported questionnaire, given back on export."},
    )
    ungrouped = fields.Boolean(
        metadata={"description": "Items an imported questionnaire had outside any group: exported without one."}
    )
    show_if = fields.Nested(ShowIfSchema)


class BandSchema(Schema):
    min = Numeric(required=True)
    max = Numeric(required=True)
    label = fields.String(required=True, validate=validate.Length(1, 100))


class ScoreRuleSchema(Schema):
    """How one score (the total or a subscale) is computed from item scores."""

    label = fields.String(validate=validate.Length(0, 200))
    items = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    method = fields.String(load_default="sum", validate=validate.OneOf(SCORE_METHODS))
    reverse = fields.List(fields.String(), load_default=list)
    multiplier = Numeric(load_default=1)
    bands = fields.List(fields.Nested(BandSchema), load_default=list)
    cutoff = Numeric(load_default=None, allow_none=True, metadata={"description": "above_cutoff when value >= cutoff"})


class RiskRuleSchema(ConditionSchema):
    """A critical-item rule: when the condition on the item's answer holds, a risk flag is raised."""

    id = fields.String(required=True, validate=validate.Regexp(ITEM_ID_PATTERN))
    message = fields.String(required=True, validate=validate.Length(1, 500))


class ScoringSchema(Schema):
    total = fields.Nested(ScoreRuleSchema)
    subscales = fields.Dict(
        keys=fields.String(validate=validate.Regexp(ITEM_ID_PATTERN)), values=fields.Nested(ScoreRuleSchema)
    )
    risk_rules = fields.List(fields.Nested(RiskRuleSchema), load_default=list)


class ActivityContentSchema(Schema):
    """The content shared by a draft and a published version."""

    title = fields.String(required=True, validate=validate.Length(1, 200))
    instructions = fields.String(load_default="", validate=validate.Length(0, 10000))
    measure = fields.String(
        validate=validate.Length(1, 50),
        metadata={"description": "Measure code, e.g. 'PHQ-9'; scores kept per measure."},
    )
    tags = fields.List(fields.String(validate=validate.Length(1, 50)), validate=validate.Length(max=20))
    items = fields.List(fields.Nested(ItemSchema), required=True, validate=validate.Length(1, MAX_ITEMS))
    pages = fields.List(fields.Nested(PageSchema), validate=validate.Length(min=1))
    scoring = fields.Nested(ScoringSchema)
    source = fields.String(
        validate=validate.Length(1, 2000),
        metadata={"description": "Where the content comes from, e.g. the published instrument a library copy cites."},
    )
    licence = fields.String(
        validate=validate.Length(1, 2000),
        metadata={"description": "Terms of use, e.g. a library measure's licence (FHIR Questionnaire.copyright)."},
    )
    canonical_url = fields.String(
        validate=validate.Length(1, 2000),
        metadata={"description": "The canonical URL of an imported FHIR Questionnaire, kept as its identity."},
    )
    canonical_version = fields.String(
        validate=validate.Length(1, 100),
        metadata={"description": "The business version of an imported FHIR Questionnaire (Questionnaire.version)."},
    )
    identifiers = fields.List(
        fields.Nested(IdentifierSchema),
        validate=validate.Length(1, 20),
        metadata={"description": "Business identifiers of an imported FHIR Questionnaire."},
    )
    codes = fields.List(
        fields.Nested(CodingSchema),
        validate=validate.Length(1, 20),
        metadata={"description": "What the questionnaire is, e.g. LOINC 44249-1 for the PHQ-9 (Questionnaire.code)."},
    )


class ActivityDraftSchema(ActivityContentSchema):
    """What a therapist writes: the editable content of an activity.

    Each item is checked here; the checks that span items are the activity model's
    (``interlude_activity_model.draft.CheckedDraftSchema``), run wherever a draft is accepted.
    """


class ActivityVersionSchema(ActivityContentSchema):
    """An immutable published version: what assignments and responses point to."""

    activity_id = fields.UUID(required=True)
    clinic_id = identifier(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    instructions = fields.String(required=True)
    published_at = aware_datetime(required=True)
    published_by = identifier(required=True)
    archived = fields.Boolean(metadata={"description": "The activity is archived: readable, not assignable."})


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
    archived = fields.Boolean(load_default=False)
    origin = fields.Dict(
        load_default=None, allow_none=True, metadata={"description": "e.g. {'library': 'phq-9'} when copied"}
    )


def pages_of(activity: dict[str, Any]) -> list[dict[str, Any]]:
    """The activity's pages; one page of every item when it names none."""
    if activity.get("pages"):
        return activity["pages"]
    return [{"id": "page-1", "item_ids": [item["id"] for item in activity["items"]]}]
