"""Checking a client's answers against the exact activity version they answer.

One implementation, used by the assignments service before anything is recorded. It honours
branching: an item hidden by its conditions need not be answered and must not be.
"""

import re
from collections.abc import Callable, Mapping
from datetime import date, time
from typing import Any

from interlude_contracts.activity import (
    DATE,
    DISPLAY_TYPES,
    FREE_TEXT,
    LINEAR_SCALE,
    LONG_TEXT,
    MULTIPLE_CHOICE,
    NUMBER,
    SINGLE_CHOICE,
    TIME,
    TIMED_PRACTICE,
    VISUAL_ANALOGUE_SCALE,
    YES_NO,
)

from .branching import visible_item_ids

Errors = dict[str, list[str]]
HIDDEN = "Hidden by its conditions on earlier answers: must not be answered."
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME_PATTERN = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")


def answer_errors(
    items: list[Mapping[str, Any]], answers: Mapping[str, Any], pages: list[Mapping[str, Any]] | None = None
) -> Errors:
    """Return the problems with ``answers``, keyed by item id; empty when valid."""
    items_by_id = {item["id"]: item for item in items}
    visible = set(visible_item_ids({"items": items, "pages": pages}, answers))
    errors: Errors = {
        item_id: ["Unknown item: this activity version has no such item."]
        for item_id in answers
        if item_id not in items_by_id
    }
    for item_id, item in items_by_id.items():
        answer = answers.get(item_id)
        if item["type"] in DISPLAY_TYPES:
            problem = "Not a question: nothing to answer." if item_id in answers else None
        elif item_id not in visible:
            problem = HIDDEN if answer is not None else None
        else:
            problem = _problem_with(item, answer)
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


def _multiple_choice(item: Mapping[str, Any], answer: Any) -> str | None:
    values = [option["value"] for option in item["options"]]
    if not isinstance(answer, list) or not all(isinstance(value, str) for value in answer):
        return "Expected a list of option values."
    if len(set(answer)) != len(answer):
        return "Each option at most once."
    strangers = [value for value in answer if value not in values]
    if strangers:
        return f"Not among the options: {', '.join(strangers)}."
    low, high = item.get("min_selections", 0), item.get("max_selections", len(values))
    if not low <= len(answer) <= high:
        return f"Choose between {low} and {high} options."
    if item.get("required", True) and not answer:
        return "Answer required."
    return None


def _is_number(answer: Any) -> bool:
    return not isinstance(answer, bool) and isinstance(answer, int | float)


def _in_range(item: Mapping[str, Any], answer: float) -> str | None:
    low, high = item.get("min"), item.get("max")
    if (low is not None and answer < low) or (high is not None and answer > high):
        return f"Out of range: must be between {_show(low)} and {_show(high)}."
    return None


def _show(bound: Any) -> str:
    return "any" if bound is None else str(bound)


def _decimals_problem(item: Mapping[str, Any], answer: float) -> str | None:
    decimals = item.get("decimals", 0)
    if round(answer, decimals) != answer:
        places = "decimal place" if decimals == 1 else "decimal places"
        return f"At most {decimals} {places}." if decimals else "Expected a whole number."
    return None


def _linear_scale(item: Mapping[str, Any], answer: Any) -> str | None:
    if not isinstance(answer, int) or isinstance(answer, bool):
        return "Expected a whole number."
    problem = _in_range(item, answer)
    if problem:
        return problem
    if (answer - item["min"]) % item.get("step", 1):
        return f"Must be a step of {item['step']} from {item['min']}."
    return None


def _measured(item: Mapping[str, Any], answer: Any) -> str | None:
    if not _is_number(answer):
        return "Expected a number."
    return _in_range(item, answer) or _decimals_problem(item, answer)


def _date(item: Mapping[str, Any], answer: Any) -> str | None:
    try:
        if isinstance(answer, str) and DATE_PATTERN.match(answer):
            date.fromisoformat(answer)
            return None
    except ValueError:
        pass
    return "Expected a date as YYYY-MM-DD."


def _time(item: Mapping[str, Any], answer: Any) -> str | None:
    try:
        if isinstance(answer, str) and TIME_PATTERN.match(answer):
            time.fromisoformat(answer)
            return None
    except ValueError:
        pass
    return "Expected a time as HH:MM."


def _yes_no(item: Mapping[str, Any], answer: Any) -> str | None:
    return None if isinstance(answer, bool) else "Expected true or false."


def _timed_practice(item: Mapping[str, Any], answer: Any) -> str | None:
    """The answer is the seconds practised (0 to the step's duration)."""
    if not isinstance(answer, int) or isinstance(answer, bool):
        return "Expected the whole seconds practised."
    if not 0 <= answer <= item["duration_seconds"]:
        return f"Seconds practised must be between 0 and {item['duration_seconds']}."
    return None


_CHECKS: dict[str, Callable[[Mapping[str, Any], Any], str | None]] = {
    FREE_TEXT: _free_text,
    LONG_TEXT: _free_text,
    SINGLE_CHOICE: _single_choice,
    MULTIPLE_CHOICE: _multiple_choice,
    LINEAR_SCALE: _linear_scale,
    VISUAL_ANALOGUE_SCALE: _measured,
    NUMBER: _measured,
    DATE: _date,
    TIME: _time,
    YES_NO: _yes_no,
    TIMED_PRACTICE: _timed_practice,
}
