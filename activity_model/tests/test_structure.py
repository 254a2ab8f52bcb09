"""Malformed activities are refused with an error naming the item and the problem."""

from typing import Any

import pytest
from marshmallow import ValidationError

from interlude_activity_model.draft import CheckedDraftSchema

SCALE = {"id": "mood", "type": "linear_scale", "prompt": "Mood?", "min": 0, "max": 4}
CHOICE = {
    "id": "sleep",
    "type": "single_choice",
    "prompt": "Sleep?",
    "options": [{"value": "good", "label": "Well", "score": 0}, {"value": "poor", "label": "Badly", "score": 1}],
}
NOTE = {"id": "note", "type": "free_text", "prompt": "Anything else?", "required": False}


def errors_of(body: dict[str, Any]) -> Any:
    with pytest.raises(ValidationError) as caught:
        CheckedDraftSchema().load(body)
    return caught.value.messages


def draft(*items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"title": "Check-in", "items": list(items), **extra}


def shown_if(item_id: str, operator: str = "answered") -> dict[str, Any]:
    return {"all": [{"item_id": item_id, "operator": operator}]}


def test_duplicate_item_ids_are_rejected_at_the_second_occurrence() -> None:
    errors = errors_of(draft(NOTE | {"id": "same"}, SCALE | {"id": "other"}, CHOICE | {"id": "same"}))

    assert set(errors) == {"items"}
    assert errors["items"][2] == {"id": ["Duplicate item id 'same'."]}


def test_a_branch_on_a_later_item_names_the_item_and_the_target() -> None:
    errors = errors_of(draft(SCALE | {"show_if": shown_if("sleep")}, CHOICE))

    assert errors == {"items": {0: {"show_if": ["Item 'mood': branches on 'sleep', which does not come before it."]}}}


def test_a_branch_on_itself_or_a_missing_item_is_refused() -> None:
    assert (
        "does not come before it" in errors_of(draft(SCALE | {"show_if": shown_if("mood")}))["items"][0]["show_if"][0]
    )
    missing = errors_of(draft(SCALE, CHOICE | {"show_if": shown_if("ghost")}))

    assert missing["items"][1]["show_if"] == [
        "Item 'sleep': branches on 'ghost', which is not an item of this activity."
    ]


def test_a_branch_on_a_display_item_is_refused() -> None:
    heading = {"id": "intro", "type": "heading", "prompt": "Hello"}

    assert (
        "is not a question"
        in errors_of(draft(heading, SCALE | {"show_if": shown_if("intro")}))["items"][1]["show_if"][0]
    )


def test_a_page_branch_must_look_back_to_earlier_pages() -> None:
    pages = [
        {"id": "one", "item_ids": ["mood"]},
        {"id": "two", "item_ids": ["sleep", "note"], "show_if": shown_if("sleep")},
    ]

    assert "Page 'two'" in errors_of(draft(SCALE, CHOICE, NOTE, pages=pages))["pages"][1]["show_if"][0]


def test_pages_must_list_every_item_once_in_order() -> None:
    for pages in (
        [{"id": "one", "item_ids": ["mood"]}],
        [{"id": "one", "item_ids": ["sleep", "mood"]}],
        [{"id": "one", "item_ids": ["mood", "mood", "sleep"]}],
    ):
        assert "Pages must list every item" in errors_of(draft(SCALE, CHOICE, pages=pages))["pages"][0]


def test_a_scale_with_min_not_below_max_is_refused_on_the_item() -> None:
    assert errors_of(draft(SCALE | {"min": 4, "max": 4}))["items"][0]["max"] == ["max must be greater than min."]


@pytest.mark.parametrize(
    ("bands", "problem"),
    [
        (
            [{"min": 0, "max": 2, "label": "low"}, {"min": 4, "max": 5, "label": "high"}],
            "Gap between bands 'low' and 'high'.",
        ),
        (
            [{"min": 0, "max": 3, "label": "low"}, {"min": 3, "max": 5, "label": "high"}],
            "Bands 'low' and 'high' overlap.",
        ),
        ([{"min": 3, "max": 1, "label": "odd"}], "Band 'odd': min 3 is above max 1."),
    ],
)
def test_score_band_gaps_overlaps_and_inversions_are_refused(bands: list[dict[str, Any]], problem: str) -> None:
    scoring = {"total": {"items": ["mood", "sleep"], "bands": bands}}

    assert problem in errors_of(draft(SCALE, CHOICE, scoring=scoring))["scoring"]["total"]["bands"]


def test_contiguous_decimal_bands_are_accepted() -> None:
    bands = [{"min": 0, "max": 2.49, "label": "low"}, {"min": 2.5, "max": 4, "label": "high"}]
    scoring = {"total": {"items": ["mood"], "method": "mean", "bands": bands}}

    assert CheckedDraftSchema().load(draft(SCALE, scoring=scoring))["scoring"]["total"]["bands"] == bands


def test_scoring_an_unknown_unscorable_or_unscored_item_is_refused() -> None:
    unscored = CHOICE | {"options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]}
    scoring = {"total": {"items": ["ghost", "note", "sleep"], "reverse": ["mood"]}}
    errors = errors_of(draft(unscored, NOTE, SCALE, scoring=scoring))["scoring"]["total"]

    assert errors["items"] == [
        "Item 'ghost' is not an item of this activity.",
        "Item 'note' (free_text) cannot be scored.",
        "Item 'sleep': give its options scores to score it.",
    ]
    assert errors["reverse"] == ["Item 'mood' is reversed but not among the scored items."]


def test_a_risk_rule_on_a_missing_item_is_refused() -> None:
    rule = {"id": "r1", "item_id": "ghost", "operator": "answered", "message": "!"}

    assert errors_of(draft(SCALE, scoring={"risk_rules": [rule]}))["scoring"]["risk_rules"][0]["item_id"]


def test_an_unknown_token_is_refused_where_it_is() -> None:
    option_with_token = CHOICE | {
        "options": [{"value": "good", "label": "Fine, {{client.nickname}}"}, {"value": "poor", "label": "Badly"}]
    }
    errors = errors_of(draft(SCALE, option_with_token, title="Hi {{client.surname}}"))

    assert errors["title"] == [
        "Unknown token {{client.surname}}: use one of {{client.first_name}}, {{therapist.name}}, {{clinic.name}}."
    ]
    assert "{{client.nickname}}" in errors["items"][1]["options"][0]["label"][0]


def test_known_tokens_are_accepted_anywhere_in_the_text() -> None:
    loaded = CheckedDraftSchema().load(
        draft(
            SCALE | {"prompt": "{{ client.first_name }}, how is {{clinic.name}} treating you?"},
            title="For {{therapist.name}}",
        )
    )

    assert loaded["title"] == "For {{therapist.name}}"


def test_duplicate_ids_are_reported_before_anything_else() -> None:
    assert errors_of(draft(SCALE, SCALE | {"show_if": shown_if("ghost")})) == {
        "items": {1: {"id": ["Duplicate item id 'mood'."]}}
    }


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ({"item_id": "sleep", "operator": "equals", "value": "Well"}, "not one of its option values (good, poor)"),
        ({"item_id": "sleep", "operator": "greater_than", "value": "good"}, "use equals or not_equals"),
        ({"item_id": "mood", "operator": "greater_than", "value": "3"}, "a numeric item"),
        ({"item_id": "done", "operator": "equals", "value": "yes"}, "use true or false"),
    ],
)
def test_a_condition_its_item_can_never_match_is_refused(condition: dict[str, Any], problem: str) -> None:
    done = {"id": "done", "type": "yes_no", "prompt": "Done?"}
    errors = errors_of(draft(SCALE, CHOICE, done, NOTE | {"show_if": {"all": [condition]}}))

    assert problem in errors["items"][3]["show_if"][0]


def test_a_risk_rule_needs_a_value_its_item_can_give() -> None:
    rule = {"id": "r1", "item_id": "sleep", "operator": "equals", "value": "terrible", "message": "!"}
    errors = errors_of(draft(SCALE, CHOICE, scoring={"risk_rules": [rule]}))

    assert "Rule 'r1': compares 'sleep' with 'terrible'" in errors["scoring"]["risk_rules"][0]["item_id"][0]
    no_value = rule | {"value": None}
    assert "value" in errors_of(draft(SCALE, CHOICE, scoring={"risk_rules": [no_value]}))["scoring"]["risk_rules"][0]


def test_an_unknown_token_in_a_page_title_is_refused() -> None:
    pages = [{"id": "one", "title": "For {{client.age}}", "item_ids": ["mood"]}]

    assert "{{client.age}}" in errors_of(draft(SCALE, pages=pages))["pages"][0]["title"][0]
