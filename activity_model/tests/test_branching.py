"""Branching: show_if on items and pages, and answer validation that honours it."""

from typing import Any

import pytest

from interlude_activity_model.answers import HIDDEN, answer_errors
from interlude_activity_model.branching import condition_holds, visible_item_ids
from interlude_activity_model.draft import CheckedDraftSchema

YES_NO = {"id": "drinks", "type": "yes_no", "prompt": "Did you drink alcohol this week?"}
HOW_MANY = {
    "id": "units",
    "type": "number",
    "prompt": "How many units?",
    "min": 0,
    "max": 200,
    "show_if": {"all": [{"item_id": "drinks", "operator": "equals", "value": True}]},
}
WHY = {
    "id": "why",
    "type": "free_text",
    "prompt": "What made it more than usual?",
    "show_if": {"any": [{"item_id": "units", "operator": "greater_than", "value": 14}]},
}


def activity(**extra: Any) -> dict[str, Any]:
    return CheckedDraftSchema().load({"title": "Drinking diary", "items": [YES_NO, HOW_MANY, WHY], **extra})


@pytest.mark.parametrize(
    ("operator", "value", "answer", "holds"),
    [
        ("equals", 3, 3, True),
        ("equals", 3, 4, False),
        ("equals", "a", ["a", "b"], True),
        ("not_equals", "a", ["b"], True),
        ("not_equals", 3, 3, False),
        ("greater_than", 3, 4, True),
        ("greater_than", 3, 3, False),
        ("greater_or_equal", 3, 3, True),
        ("less_than", 3, 2, True),
        ("less_or_equal", 3, 4, False),
        ("greater_than", 3, "4", False),
        ("answered", None, "", True),
        ("answered", None, None, False),
        ("not_answered", None, None, True),
        ("equals", 3, None, False),
        ("not_equals", 3, None, False),
    ],
)
def test_conditions(operator: str, value: Any, answer: Any, holds: bool) -> None:
    answers = {} if answer is None else {"x": answer}

    assert condition_holds({"item_id": "x", "operator": operator, "value": value}, answers) is holds


def test_a_hidden_item_need_not_be_answered() -> None:
    assert visible_item_ids(activity(), {"drinks": False}) == ["drinks"]
    assert answer_errors(activity()["items"], {"drinks": False}) == {}


def test_a_hidden_item_must_not_be_answered() -> None:
    errors = answer_errors(activity()["items"], {"drinks": False, "units": 3})

    assert errors == {"units": [HIDDEN]}


def test_a_shown_item_is_required_and_chains_to_the_next_condition() -> None:
    items = activity()["items"]

    assert answer_errors(items, {"drinks": True}) == {"units": ["Answer required."]}
    assert answer_errors(items, {"drinks": True, "units": 20}) == {"why": ["Answer required."]}
    assert answer_errors(items, {"drinks": True, "units": 20, "why": "A wedding"}) == {}
    assert visible_item_ids(activity(), {"drinks": True, "units": 2}) == ["drinks", "units"]


def test_a_hidden_answer_does_not_open_later_items() -> None:
    # units is hidden (drinks is False) so its answer counts as absent for 'why'
    assert visible_item_ids(activity(), {"drinks": False, "units": 20}) == ["drinks"]


def test_a_page_hidden_by_its_condition_hides_all_its_items() -> None:
    paged = activity(
        pages=[
            {"id": "first", "item_ids": ["drinks"]},
            {
                "id": "details",
                "item_ids": ["units", "why"],
                "show_if": {"all": [{"item_id": "drinks", "operator": "equals", "value": True}]},
            },
        ]
    )

    assert visible_item_ids(paged, {"drinks": False}) == ["drinks"]
    assert answer_errors(paged["items"], {"drinks": False, "why": "x"}, paged["pages"]) == {"why": [HIDDEN]}
    assert answer_errors(paged["items"], {"drinks": True, "units": 1}, paged["pages"]) == {}
