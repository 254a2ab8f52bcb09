"""Every item type: what a valid item looks like, which settings it refuses, and how its answers are checked."""

from typing import Any

import pytest
from marshmallow import ValidationError

from interlude_activity_model.answers import answer_errors
from interlude_activity_model.draft import CheckedDraftSchema
from interlude_contracts.activity import ITEM_TYPES, ItemSchema

OPTIONS = [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}, {"value": "c", "label": "C"}]
AUDIO = {"kind": "audio", "url": "/media/" + "0" * 64 + ".mp3", "duration_seconds": 1200}

# One valid item of each type, with an answer it accepts and answers it refuses.
CASES: dict[str, tuple[dict[str, Any], list[Any], list[Any]]] = {
    "free_text": ({"max_length": 5}, ["hello"], ["toolong", 3, "   "]),
    "long_text": ({"max_length": 20}, ["a longer reflection"], ["x" * 21, ["a"]]),
    "single_choice": ({"options": OPTIONS}, ["a", "c"], ["z", 1, ["a"]]),
    "multiple_choice": (
        {"options": OPTIONS, "min_selections": 1, "max_selections": 2},
        [["a"], ["a", "c"]],
        [[], ["a", "b", "c"], ["a", "a"], ["z"], "a"],
    ),
    "linear_scale": (
        {"min": 0, "max": 10, "step": 2, "min_label": "Low", "max_label": "High"},
        [0, 4, 10],
        [3, -2, 12, 4.5, True],
    ),
    "visual_analogue_scale": ({"min_label": "Worst", "max_label": "Best"}, [0, 7.5, 10], [10.5, -0.1, 7.25, "7"]),
    "number": ({"min": 0, "max": 300, "unit": "minutes", "decimals": 0}, [0, 45, 300], [301, -1, 2.5, "45", False]),
    "date": ({}, ["2026-03-01"], ["2026-02-30", "01/03/2026", 20260301]),
    "time": ({}, ["07:30", "23:59:59"], ["25:00", "7:30pm", 730]),
    "yes_no": ({}, [True, False], ["yes", 1, 0]),
    "timed_practice": ({"duration_seconds": 1200, "media": AUDIO}, [0, 1200], [1201, -1, "done", 60.5]),
}
DISPLAY = {
    "heading": {},
    "display_text": {},
    "media": {"media": {"kind": "image", "url": "https://example.org/ball.png", "alt": "A ball in a pool"}},
}


def item(item_type: str, **settings: Any) -> dict[str, Any]:
    return {"id": "q", "type": item_type, "prompt": "Question?", **settings}


def test_every_item_type_has_a_case_here() -> None:
    assert set(CASES) | set(DISPLAY) == set(ITEM_TYPES)


@pytest.mark.parametrize("item_type", sorted(CASES))
def test_each_answerable_type_accepts_its_good_answers_and_refuses_bad_ones(item_type: str) -> None:
    settings, good, bad = CASES[item_type]
    loaded = CheckedDraftSchema().load({"title": "T", "items": [item(item_type, **settings)]})["items"]

    for answer in good:
        assert answer_errors(loaded, {"q": answer}) == {}, answer
    for answer in bad:
        assert "q" in answer_errors(loaded, {"q": answer}), answer
    assert answer_errors(loaded, {}) == {"q": ["Answer required."]}


@pytest.mark.parametrize("item_type", sorted(DISPLAY))
def test_display_items_are_never_required_and_cannot_be_answered(item_type: str) -> None:
    loaded = ItemSchema().load(item(item_type, required=True, **DISPLAY[item_type]))

    assert loaded["required"] is False
    assert answer_errors([loaded], {}) == {}
    assert answer_errors([loaded], {"q": "x"}) == {"q": ["Not a question: nothing to answer."]}


def test_a_visual_analogue_scale_defaults_to_0_to_10_with_one_decimal() -> None:
    loaded = ItemSchema().load(item("visual_analogue_scale"))

    assert (loaded["min"], loaded["max"], loaded["decimals"]) == (0, 10, 1)


def test_a_long_text_gets_the_default_max_length() -> None:
    assert ItemSchema().load(item("long_text"))["max_length"] == 5000


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (item("multiple_choice", options=OPTIONS, max_selections=4), "max_selections"),
        (item("multiple_choice", options=OPTIONS, min_selections=3, max_selections=2), "min_selections"),
        (item("linear_scale", min=0, max=10, step=3), "step"),
        (item("linear_scale", min=0, max=10.5), "max"),
        (item("visual_analogue_scale", min=10, max=0), "max"),
        (item("number", min=5, max=5), "max"),
        (item("media"), "media"),
        (item("media", media={"kind": "audio", "url": "file:///etc/passwd"}), "media"),
        (item("timed_practice"), "duration_seconds"),
        (item("yes_no", options=OPTIONS), "options"),
        (item("date", unit="days"), "unit"),
        (item("heading", max_length=3), "max_length"),
        (
            item("single_choice", options=[{"value": "a", "label": "A", "score": 1}, {"value": "b", "label": "B"}]),
            "options",
        ),
    ],
)
def test_bad_settings_are_refused_on_the_field(bad: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ItemSchema().load(bad)

    assert field in caught.value.messages


def test_numbers_keep_their_json_type_through_the_contract() -> None:
    loaded = ItemSchema().load(item("number", min=0, max=2.5, decimals=1))

    assert ItemSchema().dump(loaded)["min"] == 0 and isinstance(ItemSchema().dump(loaded)["min"], int)
    assert ItemSchema().dump(loaded)["max"] == 2.5
