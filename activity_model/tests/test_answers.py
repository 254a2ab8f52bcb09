"""Checking a client's answers against the items of the exact activity version they answer."""

from typing import Any

import pytest

from interlude_activity_model.answers import answer_errors
from interlude_activity_model.draft import CheckedDraftSchema

DRAFT: dict[str, Any] = {
    "title": "Mood check-in",
    "items": [
        {"id": "mood", "type": "linear_scale", "prompt": "Mood today?", "min": 1, "max": 5},
        {
            "id": "sleep",
            "type": "single_choice",
            "prompt": "How did you sleep?",
            "options": [{"value": "good", "label": "Well"}, {"value": "poor", "label": "Badly"}],
        },
        {"id": "note", "type": "free_text", "prompt": "Anything else?", "max_length": 10},
        {"id": "extra", "type": "free_text", "prompt": "Optional remarks", "required": False},
    ],
}

VALID: dict[str, Any] = {"mood": 3, "sleep": "good", "note": "fine"}


@pytest.fixture
def items() -> list[dict[str, Any]]:
    """Items as a published version holds them: loaded, so their defaults are filled."""
    return CheckedDraftSchema().load(DRAFT)["items"]


def errors_for(items: list[dict[str, Any]], **changes: Any) -> dict[str, list[str]]:
    return answer_errors(items, {**VALID, **changes})


def test_complete_valid_answers_have_no_errors(items: list[dict[str, Any]]) -> None:
    assert answer_errors(items, VALID) == {}


def test_an_optional_item_may_be_answered(items: list[dict[str, Any]]) -> None:
    assert errors_for(items, extra="more to say") == {}


@pytest.mark.parametrize("missing", ["mood", "sleep", "note"])
def test_a_required_item_left_out_is_reported(items: list[dict[str, Any]], missing: str) -> None:
    answers = {key: value for key, value in VALID.items() if key != missing}

    assert answer_errors(items, answers) == {missing: ["Answer required."]}


def test_a_required_item_answered_with_null_is_reported(items: list[dict[str, Any]]) -> None:
    assert errors_for(items, mood=None) == {"mood": ["Answer required."]}


def test_required_free_text_of_only_whitespace_is_reported(items: list[dict[str, Any]]) -> None:
    assert errors_for(items, note="   ") == {"note": ["Answer required."]}


def test_optional_free_text_may_be_empty(items: list[dict[str, Any]]) -> None:
    assert errors_for(items, extra="") == {}


def test_every_problem_is_reported_at_once(items: list[dict[str, Any]]) -> None:
    errors = answer_errors(items, {})

    assert set(errors) == {"mood", "sleep", "note"}


def test_an_answer_to_an_unknown_item_is_reported(items: list[dict[str, Any]]) -> None:
    errors = errors_for(items, stranger="hello")

    assert set(errors) == {"stranger"}
    assert "Unknown item" in errors["stranger"][0]


# -- free text ------------------------------------------------------------------


@pytest.mark.parametrize("answer", [3, ["text"], {"text": "x"}, True])
def test_free_text_must_be_text(items: list[dict[str, Any]], answer: Any) -> None:
    assert errors_for(items, note=answer) == {"note": ["Expected text."]}


def test_free_text_longer_than_its_max_length_is_reported(items: list[dict[str, Any]]) -> None:
    assert errors_for(items, note="x" * 10) == {}
    assert errors_for(items, note="x" * 11) == {"note": ["At most 10 characters."]}


def test_free_text_uses_the_default_max_length(items: list[dict[str, Any]]) -> None:
    assert errors_for(items, extra="x" * 5000) == {}
    assert set(errors_for(items, extra="x" * 5001)) == {"extra"}


# -- single choice ----------------------------------------------------------------


@pytest.mark.parametrize("answer", [1, ["good"], True])
def test_a_single_choice_must_be_an_option_value_string(items: list[dict[str, Any]], answer: Any) -> None:
    assert errors_for(items, sleep=answer) == {"sleep": ["Expected one of the option values."]}


@pytest.mark.parametrize("answer", ["excellent", "Well", "GOOD", ""])
def test_a_single_choice_that_is_not_an_option_is_reported(items: list[dict[str, Any]], answer: str) -> None:
    errors = errors_for(items, sleep=answer)

    assert errors == {"sleep": ["Not one of the options: good, poor."]}


# -- linear scale -----------------------------------------------------------------


@pytest.mark.parametrize("answer", [1, 5])
def test_a_scale_accepts_its_bounds(items: list[dict[str, Any]], answer: int) -> None:
    assert errors_for(items, mood=answer) == {}


@pytest.mark.parametrize("answer", [0, 6, -1, 1000])
def test_a_scale_answer_out_of_range_is_reported(items: list[dict[str, Any]], answer: int) -> None:
    assert errors_for(items, mood=answer) == {"mood": ["Out of range: must be between 1 and 5."]}


@pytest.mark.parametrize("answer", ["3", 3.0, 2.5, [3]])
def test_a_scale_answer_must_be_a_whole_number(items: list[dict[str, Any]], answer: Any) -> None:
    assert errors_for(items, mood=answer) == {"mood": ["Expected a whole number."]}


@pytest.mark.parametrize("answer", [True, False])
def test_a_bool_is_not_a_whole_number_for_a_scale(items: list[dict[str, Any]], answer: bool) -> None:
    # bool is a subclass of int in Python; True would otherwise pass as 1.
    assert errors_for(items, mood=answer) == {"mood": ["Expected a whole number."]}


def test_an_optional_scale_may_be_left_out() -> None:
    items = CheckedDraftSchema().load(
        {
            "title": "Optional",
            "items": [{"id": "mood", "type": "linear_scale", "prompt": "?", "min": 0, "max": 3, "required": False}],
        }
    )["items"]

    assert answer_errors(items, {}) == {}
    assert answer_errors(items, {"mood": 4}) == {"mood": ["Out of range: must be between 0 and 3."]}
