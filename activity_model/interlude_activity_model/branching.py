"""Which items a client sees, given their answers: the one implementation of ``show_if``."""

from collections.abc import Mapping
from typing import Any

from interlude_contracts.activity import pages_of


def condition_holds(condition: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    """One test on one answer; an unanswered (or hidden) item satisfies only ``not_answered``."""
    operator = condition["operator"]
    answer = answers.get(condition["item_id"])
    if operator == "answered":
        return answer is not None
    if operator == "not_answered":
        return answer is None
    if answer is None:
        return False
    expected = condition.get("value")
    if operator == "equals":
        return expected in answer if isinstance(answer, list) else answer == expected
    if operator == "not_equals":
        return expected not in answer if isinstance(answer, list) else answer != expected
    return _compare(operator, answer, expected)


def _compare(operator: str, answer: Any, expected: Any) -> bool:
    if isinstance(answer, bool) or not isinstance(answer, int | float | str):
        return False
    if isinstance(answer, str) != isinstance(expected, str):
        return False
    comparisons = {
        "greater_than": answer > expected,
        "greater_or_equal": answer >= expected,
        "less_than": answer < expected,
        "less_or_equal": answer <= expected,
    }
    return bool(comparisons[operator])


def shown(show_if: Mapping[str, Any] | None, answers: Mapping[str, Any]) -> bool:
    if not show_if:
        return True
    if "all" in show_if:
        return all(condition_holds(condition, answers) for condition in show_if["all"])
    return any(condition_holds(condition, answers) for condition in show_if["any"])


def visible_item_ids(activity: Mapping[str, Any], answers: Mapping[str, Any]) -> list[str]:
    """Items shown, in order. Answers to hidden items count as absent for later conditions."""
    by_id = {item["id"]: item for item in activity["items"]}
    effective: dict[str, Any] = {}
    visible: list[str] = []
    for page in pages_of(dict(activity)):
        if not shown(page.get("show_if"), effective):
            continue
        for item_id in page["item_ids"]:
            if shown(by_id[item_id].get("show_if"), effective):
                visible.append(item_id)
                if item_id in answers:
                    effective[item_id] = answers[item_id]
    return visible
