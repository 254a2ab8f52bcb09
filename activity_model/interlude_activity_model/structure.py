"""Whole-activity checks: what one item's schema cannot see.

Duplicate ids, pages that do not partition the items in order, a branch on a later or
missing item, scoring over unknown or unscorable items, band gaps and overlaps, unknown
personalisation tokens. Each error is keyed like the draft (``items.<index>.<field>``)
so it names the item and the problem.
"""

import itertools
from typing import Any

from interlude_contracts.activity import (
    ANSWERABLE_TYPES,
    DATE,
    FREE_TEXT,
    LINEAR_SCALE,
    LONG_TEXT,
    MULTIPLE_CHOICE,
    NUMBER,
    SCORABLE_TYPES,
    SINGLE_CHOICE,
    TIME,
    TIMED_PRACTICE,
    VISUAL_ANALOGUE_SCALE,
    YES_NO,
)

from .personalise import token_errors

Errors = dict[str, Any]


def structure_errors(draft: dict[str, Any]) -> Errors:
    errors: Errors = {}
    items = draft.get("items") or []
    _check_item_ids(items, errors)
    if errors:
        return errors
    position = {item["id"]: index for index, item in enumerate(items)}
    _check_item_branches(items, position, errors)
    if draft.get("pages"):
        _check_pages(draft["pages"], items, position, errors)
    if draft.get("scoring"):
        _check_scoring(draft["scoring"], items, position, errors)
    texts = {key: draft[key] for key in ("title", "instructions", "items", "pages") if key in draft}
    for path, message in token_errors(texts):
        _add(errors, path, message)
    return errors


def _add(errors: Errors, path: tuple[Any, ...], message: str) -> None:
    node = errors
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node.setdefault(path[-1], []).append(message)


def _check_item_ids(items: list[dict[str, Any]], errors: Errors) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item["id"] in seen:
            _add(errors, ("items", index, "id"), f"Duplicate item id {item['id']!r}.")
        seen.add(item["id"])


def _conditions(show_if: dict[str, Any]) -> list[dict[str, Any]]:
    return show_if.get("all") or show_if.get("any") or []


def _check_item_branches(items: list[dict[str, Any]], position: dict[str, int], errors: Errors) -> None:
    by_id = {item["id"]: item for item in items}
    for index, item in enumerate(items):
        for condition in _conditions(item.get("show_if") or {}):
            problem = _reference_problem(condition["item_id"], by_id, position, before=index) or _value_problem(
                by_id[condition["item_id"]], condition
            )
            if problem:
                _add(errors, ("items", index, "show_if"), f"Item {item['id']!r}: {problem}")


def _value_problem(target: dict[str, Any], condition: dict[str, Any]) -> str | None:
    """A condition whose value the target's answers can never match is a mistake, not a rule."""
    if condition["operator"] in ("answered", "not_answered"):
        return None
    value, name = condition.get("value"), target["id"]
    if "options" in target:
        values = [option["value"] for option in target["options"]]
        if value not in values:
            return f"compares {name!r} with {value!r}, which is not one of its option values ({', '.join(values)})."
        if condition["operator"] not in ("equals", "not_equals"):
            return f"compares the options of {name!r} by order; use equals or not_equals."
    elif target["type"] == YES_NO and not isinstance(value, bool):
        return f"compares {name!r}, a yes/no item, with {value!r}: use true or false."
    elif target["type"] in NUMERIC_TYPES and (isinstance(value, bool) or not isinstance(value, int | float)):
        return f"compares {name!r}, a numeric item, with {value!r}: use a number."
    elif target["type"] in TEXT_TYPES and not isinstance(value, str):
        return f"compares {name!r}, a text item, with {value!r}: use text."
    return None


def _reference_problem(target: str, by_id: dict[str, Any], position: dict[str, int], before: int) -> str | None:
    if target not in by_id:
        return f"branches on {target!r}, which is not an item of this activity."
    if position[target] >= before:
        return f"branches on {target!r}, which does not come before it."
    if by_id[target]["type"] not in ANSWERABLE_TYPES:
        return f"branches on {target!r}, which is not a question."
    return None


NUMERIC_TYPES = (LINEAR_SCALE, VISUAL_ANALOGUE_SCALE, NUMBER, TIMED_PRACTICE)
TEXT_TYPES = (FREE_TEXT, LONG_TEXT, DATE, TIME)


def _check_pages(
    pages: list[dict[str, Any]], items: list[dict[str, Any]], position: dict[str, int], errors: Errors
) -> None:
    listed = [item_id for page in pages for item_id in page["item_ids"]]
    if listed != [item["id"] for item in items]:
        _add(errors, ("pages",), "Pages must list every item exactly once, in the order of items.")
        return
    page_ids = [page["id"] for page in pages]
    if len(set(page_ids)) != len(page_ids):
        _add(errors, ("pages",), "Page ids must be unique.")
    by_id = {item["id"]: item for item in items}
    for index, page in enumerate(pages):
        first = position[page["item_ids"][0]]
        for condition in _conditions(page.get("show_if") or {}):
            problem = _reference_problem(condition["item_id"], by_id, position, before=first) or _value_problem(
                by_id[condition["item_id"]], condition
            )
            if problem:
                _add(errors, ("pages", index, "show_if"), f"Page {page['id']!r}: {problem}")


def _check_scoring(
    scoring: dict[str, Any], items: list[dict[str, Any]], position: dict[str, int], errors: Errors
) -> None:
    by_id = {item["id"]: item for item in items}
    rules = {"total": scoring["total"]} if scoring.get("total") else {}
    rules.update({key: rule for key, rule in (scoring.get("subscales") or {}).items()})
    for key, rule in rules.items():
        path = ("scoring", "total") if key == "total" else ("scoring", "subscales", key)
        for item_id in [*rule["items"], *rule.get("reverse", [])]:
            problem = _scorable_problem(by_id.get(item_id), item_id)
            if problem:
                _add(errors, (*path, "items"), problem)
        for item_id in rule.get("reverse", []):
            if item_id not in rule["items"]:
                _add(errors, (*path, "reverse"), f"Item {item_id!r} is reversed but not among the scored items.")
        for message in band_problems(rule.get("bands") or []):
            _add(errors, (*path, "bands"), message)
    for index, rule in enumerate(scoring.get("risk_rules") or []):
        target = by_id.get(rule["item_id"])
        problem = f"No item {rule['item_id']!r}." if target is None else _value_problem(target, rule)
        if problem:
            _add(errors, ("scoring", "risk_rules", index, "item_id"), f"Rule {rule['id']!r}: {problem}")


def _scorable_problem(item: dict[str, Any] | None, item_id: str) -> str | None:
    if item is None:
        return f"Item {item_id!r} is not an item of this activity."
    if item["type"] not in SCORABLE_TYPES:
        return f"Item {item_id!r} ({item['type']}) cannot be scored."
    if item["type"] in (SINGLE_CHOICE, MULTIPLE_CHOICE) and not all("score" in o for o in item["options"]):
        return f"Item {item_id!r}: give its options scores to score it."
    return None


def band_problems(bands: list[dict[str, Any]]) -> list[str]:
    """Bands must rise without gaps or overlaps: each starts 1 after the previous ends (or, for decimals, at it)."""
    problems = []
    for band in bands:
        if band["min"] > band["max"]:
            problems.append(f"Band {band['label']!r}: min {band['min']} is above max {band['max']}.")
    ordered = sorted(bands, key=lambda band: band["min"])
    for lower, upper in itertools.pairwise(ordered):
        if upper["min"] <= lower["max"]:
            problems.append(f"Bands {lower['label']!r} and {upper['label']!r} overlap.")
        elif upper["min"] - lower["max"] > 1 or (_whole(lower) and _whole(upper) and upper["min"] != lower["max"] + 1):
            problems.append(f"Gap between bands {lower['label']!r} and {upper['label']!r}.")
    return problems


def _whole(band: dict[str, Any]) -> bool:
    return float(band["min"]).is_integer() and float(band["max"]).is_integer()
