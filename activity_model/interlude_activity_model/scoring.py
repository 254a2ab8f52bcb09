"""Scores, bands and risk flags of a response: the one implementation, run at submission.

``score_response(activity, answers)`` reads the exact version's ``scoring``: item scores
(option ``score``; the number itself for scales and numbers; 1/0 for yes/no), reverse
scoring over the item's own range, sum or mean, a multiplier, bands and a cutoff for the
total and each subscale, and critical-item rules that raise risk flags.
"""

from collections.abc import Mapping
from typing import Any

from interlude_contracts.activity import MULTIPLE_CHOICE, SINGLE_CHOICE, YES_NO

from .branching import condition_holds, visible_item_ids


def score_response(activity: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    """``{"measure", "scores", "risk_flags"}`` as ResponseSubmitted carries them."""
    scoring = activity.get("scoring") or {}
    by_id = {item["id"]: item for item in activity["items"]}
    visible = set(visible_item_ids(activity, answers))
    seen = {item_id: answer for item_id, answer in answers.items() if item_id in visible}
    rules = {"total": scoring["total"]} if scoring.get("total") else {}
    rules.update(scoring.get("subscales") or {})
    scores = {}
    for key, rule in rules.items():
        score = rule_score(rule, by_id, seen)
        if score is not None:
            scores[key] = score
    return {
        "measure": activity.get("measure"),
        "scores": scores,
        "risk_flags": risk_flags(scoring.get("risk_rules") or [], seen),
    }


def rule_score(rule: Mapping[str, Any], by_id: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any] | None:
    reverse = set(rule.get("reverse") or [])
    values = []
    for item_id in rule["items"]:
        value = item_score(by_id[item_id], answers.get(item_id))
        if value is None:
            continue
        values.append(reversed_score(by_id[item_id], value) if item_id in reverse else value)
    if not values:
        return None
    raw = sum(values) if rule.get("method", "sum") == "sum" else sum(values) / len(values)
    value = _tidy(raw * rule.get("multiplier", 1))
    cutoff = rule.get("cutoff")
    return {
        "value": value,
        "band": band_of(rule.get("bands") or [], value),
        "above_cutoff": None if cutoff is None else above_cutoff(value, cutoff),
    }


def above_cutoff(value: float, cutoff: float) -> bool:
    """At or above the cutoff: the cutoff is the first score of the upper side.

    The same rule whichever way the measure runs. For a symptom measure (PHQ-9: cutoff 10)
    the upper side is the clinical one; for a measure where higher is better (WHO-5:
    cutoff 13) the clinical side is *below* the cutoff, so ``above_cutoff`` is false there.
    Reporting reads it with the measure's direction (interlude_reporting.measures).
    """
    return value >= cutoff


def item_score(item: Mapping[str, Any], answer: Any) -> float | None:
    if answer is None:
        return None
    score: float
    if item["type"] == SINGLE_CHOICE:
        score = next(option["score"] for option in item["options"] if option["value"] == answer)
    elif item["type"] == MULTIPLE_CHOICE:
        score = sum(option["score"] for option in item["options"] if option["value"] in answer)
    elif item["type"] == YES_NO:
        score = 1 if answer else 0
    else:
        score = answer
    return score


def item_range(item: Mapping[str, Any]) -> tuple[float, float]:
    if item["type"] in (SINGLE_CHOICE, MULTIPLE_CHOICE):
        scores = [option["score"] for option in item["options"]]
        if item["type"] == MULTIPLE_CHOICE:
            return sum(s for s in scores if s < 0), sum(s for s in scores if s > 0)
        return min(scores), max(scores)
    if item["type"] == YES_NO:
        return 0, 1
    return item.get("min", 0), item.get("max", 0)


def reversed_score(item: Mapping[str, Any], value: float) -> float:
    low, high = item_range(item)
    return low + high - value


def band_of(bands: list[Mapping[str, Any]], value: float) -> str | None:
    """The label of the last band starting at or below the value (within the bands' span)."""
    ordered = sorted(bands, key=lambda band: band["min"])
    if not ordered or value < ordered[0]["min"] or value > ordered[-1]["max"]:
        return None
    label: str = [band for band in ordered if band["min"] <= value][-1]["label"]
    return label


def risk_flags(rules: list[Mapping[str, Any]], answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"rule_id": rule["id"], "item_id": rule["item_id"], "message": rule["message"]}
        for rule in rules
        if condition_holds(rule, answers)
    ]


def _tidy(value: float) -> float:
    """Whole numbers as they are; other values to 2 decimal places (no float noise in reports)."""
    return round(value, 2)
