"""An imported questionnaire that is one of the library's published measures scores as the library's does.

A LOINC PHQ-9 from an EHR is the same instrument as the library's PHQ-9, so the same bands, clinical
cutoff and item-9 risk rule must apply to it: otherwise a positive suicide-risk answer raises nothing.
The library's scoring stays the one place those rules are written down; here its item ids are mapped
onto the imported items by their LOINC codes, and each rule's option values by the options' scores.
Recognition needs the questionnaire's LOINC code and every scored item's code with the same scores;
anything less is reported, and the library's rules are not half applied.
"""

import copy
from typing import Any

from interlude_activity_model.library import measure_activities

LOINC = "http://loinc.org"


class NotTheMeasure(Exception):
    """The questionnaire carries a measure's LOINC code but its items do not match the measure's."""


def loinc_codes(element: dict[str, Any]) -> set[str]:
    return {code["code"] for code in element.get("codes") or [] if code.get("system") == LOINC}


def recognise_measure(draft: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The library measure this draft is (by LOINC code) and its scoring mapped onto the draft's items.

    Raises NotTheMeasure when the codes say it is a measure whose scored items it does not carry.
    """
    codes = loinc_codes(draft)
    for measure, library_activity in measure_activities().items():
        if codes & loinc_codes(library_activity):
            return measure, _mapped_scoring(measure, library_activity, draft["items"])
    return None


def _mapped_scoring(measure: str, library_activity: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    imported_by_code = {code: item for item in items for code in loinc_codes(item)}
    library_items = {item["id"]: item for item in library_activity["items"]}
    mapped: dict[str, dict[str, Any]] = {}
    for item_id in _scored_item_ids(library_activity["scoring"]):
        mapped[item_id] = _counterpart(measure, library_items[item_id], imported_by_code)
    return _rewritten(library_activity["scoring"], mapped, library_items)


def _scored_item_ids(scoring: dict[str, Any]) -> list[str]:
    rules = [scoring.get("total") or {}, *(scoring.get("subscales") or {}).values()]
    found = [item_id for rule in rules for item_id in rule.get("items", [])]
    found += [rule["item_id"] for rule in scoring.get("risk_rules") or []]
    return list(dict.fromkeys(found))


def _counterpart(measure: str, library_item: dict[str, Any], imported_by_code: dict[str, Any]) -> dict[str, Any]:
    codes = sorted(loinc_codes(library_item))
    imported = next((imported_by_code[code] for code in codes if code in imported_by_code), None)
    if imported is None:
        raise NotTheMeasure(f"{measure} item {'/'.join(codes) or library_item['id']} is missing")
    if imported["type"] != library_item["type"] or _scores(imported) != _scores(library_item):
        raise NotTheMeasure(f"{measure} item {'/'.join(codes)} is not answered or scored as published")
    return imported


def _scores(item: dict[str, Any]) -> list[Any]:
    return sorted(option.get("score") for option in item.get("options") or [])


def _rewritten(
    scoring: dict[str, Any], mapped: dict[str, dict[str, Any]], library_items: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    result = copy.deepcopy(scoring)

    def new_id(item_id: str) -> str:
        return str(mapped[item_id]["id"])

    for rule in [result.get("total") or {}, *(result.get("subscales") or {}).values()]:
        rule["items"] = [new_id(each) for each in rule.get("items", [])]
        if "reverse" in rule:
            rule["reverse"] = [new_id(each) for each in rule["reverse"]]
    for risk_rule in result.get("risk_rules") or []:
        library_item, imported = library_items[risk_rule["item_id"]], mapped[risk_rule["item_id"]]
        risk_rule["item_id"] = imported["id"]
        if "value" in risk_rule and library_item.get("options"):
            risk_rule["value"] = _same_scored_value(risk_rule["value"], library_item, imported)
    return result


def _same_scored_value(value: Any, library_item: dict[str, Any], imported: dict[str, Any]) -> Any:
    score = next(option["score"] for option in library_item["options"] if option["value"] == value)
    return next(option["value"] for option in imported["options"] if option.get("score") == score)
