"""The activity draft contract: what a therapist may write, and the errors naming what is wrong.

Each item's shape; the checks across items (duplicate ids, branches, bands) are the activity
model's (activity_model/tests/test_structure.py).
"""

from typing import Any

import pytest
from marshmallow import ValidationError

from interlude_contracts.activity import DEFAULT_MAX_LENGTH, MAX_ITEMS, ActivityDraftSchema, ItemSchema


def free_text(item_id: str = "note", **settings: Any) -> dict[str, Any]:
    return {"id": item_id, "type": "free_text", "prompt": "Anything else?", **settings}


def single_choice(item_id: str = "sleep", **settings: Any) -> dict[str, Any]:
    settings.setdefault("options", [{"value": "good", "label": "Well"}, {"value": "poor", "label": "Badly"}])
    return {"id": item_id, "type": "single_choice", "prompt": "How did you sleep?", **settings}


def linear_scale(item_id: str = "mood", **settings: Any) -> dict[str, Any]:
    settings.setdefault("min", 0)
    settings.setdefault("max", 10)
    return {"id": item_id, "type": "linear_scale", "prompt": "Mood today?", **settings}


def draft(*items: dict[str, Any]) -> dict[str, Any]:
    return {"title": "Check-in", "items": list(items)}


def load(body: dict[str, Any]) -> dict[str, Any]:
    return ActivityDraftSchema().load(body)


def item_errors(body: dict[str, Any], index: int = 0) -> dict[str, Any]:
    """The error messages of one item of a draft that must be rejected."""
    with pytest.raises(ValidationError) as caught:
        load(body)
    messages = caught.value.messages
    assert isinstance(messages, dict)
    assert set(messages) == {"items"}, messages
    return messages["items"][index]


# -- valid drafts -------------------------------------------------------------


def test_a_free_text_item_defaults_to_required_with_the_default_max_length() -> None:
    loaded = load(draft(free_text()))

    assert loaded["items"] == [
        {"id": "note", "type": "free_text", "prompt": "Anything else?", "required": True, "max_length": 5000}
    ]
    assert DEFAULT_MAX_LENGTH == 5000


def test_a_free_text_item_keeps_its_own_max_length_and_optional_flag() -> None:
    loaded = load(draft(free_text(max_length=280, required=False)))

    assert loaded["items"][0]["max_length"] == 280
    assert loaded["items"][0]["required"] is False


def test_a_single_choice_item_is_valid_with_two_distinct_options() -> None:
    loaded = load(draft(single_choice()))

    item = loaded["items"][0]
    assert [option["value"] for option in item["options"]] == ["good", "poor"]
    assert item["required"] is True
    assert "max_length" not in item


def test_a_linear_scale_item_is_valid_with_min_below_max_and_labels() -> None:
    loaded = load(draft(linear_scale(min=-5, max=5, min_label="Low", max_label="High")))

    item = loaded["items"][0]
    assert (item["min"], item["max"], item["min_label"], item["max_label"]) == (-5, 5, "Low", "High")
    assert "max_length" not in item


def test_a_draft_defaults_its_instructions_to_empty_and_keeps_item_order() -> None:
    loaded = load(draft(linear_scale("mood"), single_choice("sleep"), free_text("note")))

    assert loaded["instructions"] == ""
    assert [item["id"] for item in loaded["items"]] == ["mood", "sleep", "note"]


def test_a_scale_may_span_exactly_101_points() -> None:
    loaded = load(draft(linear_scale(min=0, max=100)))

    assert loaded["items"][0]["max"] == 100


# -- rejections ---------------------------------------------------------------


def test_a_scale_whose_min_is_not_below_its_max_is_rejected_on_max() -> None:
    assert "max" in item_errors(draft(linear_scale(min=5, max=5)))
    assert "max" in item_errors(draft(linear_scale(min=7, max=3)))


def test_a_scale_of_more_than_101_points_is_rejected() -> None:
    assert "max" in item_errors(draft(linear_scale(min=0, max=101)))


@pytest.mark.parametrize("missing", ["min", "max"])
def test_a_scale_without_min_or_max_is_rejected(missing: str) -> None:
    item = linear_scale()
    del item[missing]

    assert "min" in item_errors(draft(item))


@pytest.mark.parametrize(
    "options",
    [
        [],
        [{"value": "only", "label": "Only one"}],
    ],
)
def test_a_single_choice_needs_at_least_two_options(options: list[dict[str, str]]) -> None:
    errors = item_errors(draft(single_choice(options=options)))

    assert errors == {"options": ["A single choice needs at least two options."]}


def test_a_single_choice_without_options_is_rejected() -> None:
    item = single_choice()
    del item["options"]

    assert "options" in item_errors(draft(item))


def test_single_choice_option_values_must_be_unique() -> None:
    options = [{"value": "same", "label": "One"}, {"value": "same", "label": "Two"}]

    assert item_errors(draft(single_choice(options=options))) == {"options": ["Option values must be unique."]}


@pytest.mark.parametrize(
    ("item", "foreign"),
    [
        (free_text(min=0), "min"),
        (free_text(options=[]), "options"),
        (single_choice(max_length=10), "max_length"),
        (single_choice(max_label="High"), "max_label"),
        (linear_scale(max_length=10), "max_length"),
        (linear_scale(options=[{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]), "options"),
    ],
)
def test_a_setting_foreign_to_the_item_type_is_rejected_by_name(item: dict[str, Any], foreign: str) -> None:
    errors = item_errors(draft(item))

    assert foreign in errors
    assert "Not a setting of" in errors[foreign][0]


def test_an_unknown_item_type_is_rejected_on_type() -> None:
    errors = item_errors(draft({"id": "x", "type": "essay", "prompt": "Write"}))

    assert set(errors) == {"type"}


@pytest.mark.parametrize("item_id", ["1st", "_x", "has space", "", "a" * 65, "é"])
def test_a_bad_item_id_is_rejected_on_id(item_id: str) -> None:
    assert "id" in item_errors(draft(free_text(item_id)))


def test_a_draft_with_no_items_is_rejected_on_items() -> None:
    with pytest.raises(ValidationError) as caught:
        load(draft())

    assert "items" in caught.value.messages


def test_a_draft_with_too_many_items_is_rejected_on_items() -> None:
    items = [free_text(f"q{number}") for number in range(MAX_ITEMS + 1)]

    with pytest.raises(ValidationError) as caught:
        load(draft(*items))

    assert isinstance(caught.value.messages["items"], list)


def test_a_draft_without_title_or_items_names_both() -> None:
    with pytest.raises(ValidationError) as caught:
        load({})

    assert set(caught.value.messages) == {"title", "items"}


def test_an_item_missing_its_prompt_is_rejected_on_prompt() -> None:
    item = free_text()
    del item["prompt"]

    assert "prompt" in item_errors(draft(item))


def test_an_unknown_item_field_is_rejected() -> None:
    assert "colour" in item_errors(draft(free_text(colour="red")))


def test_item_schema_alone_fills_the_free_text_default() -> None:
    assert ItemSchema().load(free_text())["max_length"] == DEFAULT_MAX_LENGTH
