"""Checking a client's answers against the exact activity version they answer.

One implementation, used by the assignments service before anything is recorded.
"""

from collections.abc import Callable, Mapping
from typing import Any

from .activity import FREE_TEXT, LINEAR_SCALE, SINGLE_CHOICE

Errors = dict[str, list[str]]


def answer_errors(items: list[Mapping[str, Any]], answers: Mapping[str, Any]) -> Errors:
    """Return the problems with ``answers``, keyed by item id; empty when valid."""
    items_by_id = {item["id"]: item for item in items}
    errors: Errors = {
        item_id: ["Unknown item: this activity version has no such item."]
        for item_id in answers
        if item_id not in items_by_id
    }
    for item_id, item in items_by_id.items():
        problem = _problem_with(item, answers.get(item_id))
        if problem:
            errors[item_id] = [problem]
    return errors


def _problem_with(item: Mapping[str, Any], answer: Any) -> str | None:
    if answer is None:
        return "Answer required." if item.get("required", True) else None
    return _CHECKS[item["type"]](item, answer)


def _free_text(item: Mapping[str, Any], answer: Any) -> str | None:
    if not isinstance(answer, str):
        return "Expected text."
    if len(answer) > item["max_length"]:
        return f"At most {item['max_length']} characters."
    if item.get("required", True) and not answer.strip():
        return "Answer required."
    return None


def _single_choice(item: Mapping[str, Any], answer: Any) -> str | None:
    values = [option["value"] for option in item["options"]]
    if not isinstance(answer, str):
        return "Expected one of the option values."
    if answer not in values:
        return f"Not one of the options: {', '.join(values)}."
    return None


def _linear_scale(item: Mapping[str, Any], answer: Any) -> str | None:
    if isinstance(answer, bool) or not isinstance(answer, int):
        return "Expected a whole number."
    if not item["min"] <= answer <= item["max"]:
        return f"Out of range: must be between {item['min']} and {item['max']}."
    return None


_CHECKS: dict[str, Callable[[Mapping[str, Any], Any], str | None]] = {
    FREE_TEXT: _free_text,
    SINGLE_CHOICE: _single_choice,
    LINEAR_SCALE: _linear_scale,
}
