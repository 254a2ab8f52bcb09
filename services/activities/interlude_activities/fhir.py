"""HL7 FHIR R4: activities as Questionnaires, responses as QuestionnaireResponses.

Standard elements carry everything FHIR can say (types, options with scores in the
``ordinalValue`` extension, ``enableWhen``, ranges, units, max length, repeats, pages as
groups). What FHIR has no element for (scale labels, practice durations, media, scoring
rules, the source a library copy cites) travels in Interlude extensions, so an Interlude
export imports back without loss. An activity's licence is the Questionnaire's ``copyright``.
Importing a foreign Questionnaire returns a list of what could not be mapped.
"""

import json
from collections.abc import Callable
from typing import Any

from interlude_contracts.activity import pages_of

ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
MAX_OCCURS = "http://hl7.org/fhir/StructureDefinition/questionnaire-maxOccurs"
MIN_OCCURS = "http://hl7.org/fhir/StructureDefinition/questionnaire-minOccurs"
UNIT = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"
ITEM_EXTENSION = "https://interlude.example/fhir/StructureDefinition/item"
SCORING_EXTENSION = "https://interlude.example/fhir/StructureDefinition/scoring"
SCORES_EXTENSION = "https://interlude.example/fhir/StructureDefinition/scores"
SOURCE_EXTENSION = "https://interlude.example/fhir/StructureDefinition/source"
QUESTIONNAIRE_URL = "urn:interlude:activity:{activity_id}"
MEASURE_SYSTEM = "https://interlude.example/fhir/CodeSystem/measure"
TAG_SYSTEM = "https://interlude.example/fhir/CodeSystem/activity-tag"
OPERATORS = {
    "equals": "=",
    "not_equals": "!=",
    "greater_than": ">",
    "greater_or_equal": ">=",
    "less_than": "<",
    "less_or_equal": "<=",
}
FHIR_OPERATORS = {symbol: name for name, symbol in OPERATORS.items()}
FHIR_TYPES = {
    "free_text": "string",
    "long_text": "text",
    "single_choice": "choice",
    "multiple_choice": "choice",
    "linear_scale": "integer",
    "visual_analogue_scale": "decimal",
    "number": "decimal",
    "date": "date",
    "time": "time",
    "yes_no": "boolean",
    "timed_practice": "integer",
    "heading": "display",
    "display_text": "display",
    "media": "display",
}


# -- export -------------------------------------------------------------------


def questionnaire_url(activity_id: str) -> str:
    """The canonical URL of an activity's Questionnaire; a response names it with its version."""
    return QUESTIONNAIRE_URL.format(activity_id=activity_id)


def to_questionnaire(activity: dict[str, Any], identifier: str | None = None) -> dict[str, Any]:
    """An activity (draft or version) as a FHIR R4 Questionnaire.

    An imported questionnaire keeps its own identity (``url``, ``version``, ``identifier``, ``code``);
    ``identifier`` is the URL of an activity that has none.
    """
    by_id = {item["id"]: item for item in activity["items"]}
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "status": "active" if activity.get("version") else "draft",
        "title": activity["title"],
        "description": activity.get("instructions", ""),
        "item": (
            [element for page in pages_of(activity) for element in _page_elements(page, by_id)]
            if activity.get("pages")
            else _nested(activity["items"], by_id, _item, _questionnaire_group)
        ),
    }
    if activity.get("tags"):
        resource["meta"] = {"tag": [{"system": TAG_SYSTEM, "code": tag} for tag in activity["tags"]]}
    url, version = _identity(activity, identifier)
    if url:
        resource["url"] = url
    if version:
        resource["version"] = version
    if activity.get("identifiers"):
        resource["identifier"] = activity["identifiers"]
    codes = list(activity.get("codes") or [])
    if activity.get("measure"):
        codes.append({"system": MEASURE_SYSTEM, "code": activity["measure"]})
    if codes:
        resource["code"] = codes
    if activity.get("licence"):
        resource["copyright"] = activity["licence"]
    extensions = []
    if activity.get("scoring"):
        extensions.append({"url": SCORING_EXTENSION, "valueString": json.dumps(activity["scoring"])})
    if activity.get("source"):
        extensions.append({"url": SOURCE_EXTENSION, "valueString": activity["source"]})
    if extensions:
        resource["extension"] = extensions
    return resource


def _identity(activity: dict[str, Any], default_url: str | None) -> tuple[str | None, str | None]:
    """The Questionnaire's url and version: an imported questionnaire's own, else Interlude's."""
    if activity.get("canonical_url"):
        version = activity.get("canonical_version") or (str(activity["version"]) if activity.get("version") else None)
        return activity["canonical_url"], version
    return default_url, str(activity["version"]) if activity.get("version") else None


def canonical_reference(activity: dict[str, Any], default_url: str) -> str:
    """How a QuestionnaireResponse names the version's Questionnaire: ``url|version``."""
    url, version = _identity(activity, default_url)
    return f"{url}|{version}" if version else str(url)


def _page_elements(page: dict[str, Any], by_id: dict[str, Any]) -> list[dict[str, Any]]:
    """A page as its group; the items of an ``ungrouped`` page as they are."""
    if page.get("ungrouped"):
        return _nested([by_id[i] for i in page["item_ids"]], by_id, _item, _questionnaire_group)
    group: dict[str, Any] = {
        "linkId": page.get("link_id", page["id"]),
        "type": "group",
        "item": _nested([by_id[i] for i in page["item_ids"]], by_id, _item, _questionnaire_group),
    }
    if page.get("title"):
        group["text"] = page["title"]
    _add_enable_when(group, page.get("show_if"), by_id)
    return [group]


Leaf = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any] | None]
GroupOf = Callable[[str, dict[str, Any] | None, dict[str, Any]], dict[str, Any]]


def _nested(items: list[dict[str, Any]], by_id: dict[str, Any], leaf: Leaf, group_of: GroupOf) -> list[dict[str, Any]]:
    """Items (of one page) as FHIR items, in the groups their ``group_path`` names.

    A heading that stands for a group (its linkId is on a path) is given to ``group_of`` to make
    that group; ``leaf`` makes each other item's element (None: left out). A group left with
    nothing in it is left out too.
    """
    on_paths = {link_id for item in items for link_id in item.get("group_path") or []}
    headings = {_link_id(i): i for i in items if i["type"] == "heading" and _link_id(i) in on_paths}
    top: list[dict[str, Any]] = []
    groups: list[dict[str, Any]] = []
    open_groups: list[tuple[str, list[dict[str, Any]]]] = []
    for item in items:
        if headings.get(_link_id(item)) is item:
            continue
        path = item.get("group_path") or []
        kept = 0
        while kept < min(len(path), len(open_groups)) and open_groups[kept][0] == path[kept]:
            kept += 1
        del open_groups[kept:]
        for link_id in path[kept:]:
            group = {**group_of(link_id, headings.get(link_id), by_id), "item": []}
            groups.append(group)
            (open_groups[-1][1] if open_groups else top).append(group)
            open_groups.append((link_id, group["item"]))
        element = leaf(item, by_id)
        if element is not None:
            (open_groups[-1][1] if open_groups else top).append(element)
    return _without_empty(top, {id(group) for group in groups})


def _without_empty(elements: list[dict[str, Any]], groups: set[int]) -> list[dict[str, Any]]:
    kept = []
    for element in elements:
        if id(element) in groups:
            element["item"] = _without_empty(element["item"], groups)
            if not element["item"]:
                continue
        kept.append(element)
    return kept


def _questionnaire_group(link_id: str, heading: dict[str, Any] | None, by_id: dict[str, Any]) -> dict[str, Any]:
    group: dict[str, Any] = {"linkId": link_id, "type": "group"}
    if heading is not None:
        group["text"] = heading["prompt"]
        group["extension"] = [{"url": ITEM_EXTENSION, "valueString": json.dumps(heading)}]
        _add_enable_when(group, heading.get("show_if"), by_id)
    return group


def _response_group(link_id: str, heading: dict[str, Any] | None, by_id: dict[str, Any]) -> dict[str, Any]:
    return {"linkId": link_id, **({"text": heading["prompt"]} if heading is not None else {})}


def _item(item: dict[str, Any], by_id: dict[str, Any]) -> dict[str, Any]:
    fhir_item: dict[str, Any] = {"linkId": _link_id(item), "type": _fhir_type(item), "text": item["prompt"]}
    if item.get("codes"):
        fhir_item["code"] = item["codes"]
    if fhir_item["type"] != "display":
        fhir_item["required"] = item.get("required", True)
    extensions: list[dict[str, Any]] = [{"url": ITEM_EXTENSION, "valueString": json.dumps(item)}]
    if "max_length" in item:
        fhir_item["maxLength"] = item["max_length"]
    if "options" in item:
        fhir_item["answerOption"] = [_option(option) for option in item["options"]]
    if item["type"] == "multiple_choice":
        fhir_item["repeats"] = True
        extensions.append({"url": MIN_OCCURS, "valueInteger": item.get("min_selections", 0)})
        extensions.append({"url": MAX_OCCURS, "valueInteger": item.get("max_selections", len(item["options"]))})
    for key, url in (("min", MIN_VALUE), ("max", MAX_VALUE)):
        if key in item:
            extensions.append({"url": url, **_typed(item, item[key], "value")})
    if item.get("unit"):
        extensions.append({"url": UNIT, "valueCoding": {"display": item["unit"]}})
    fhir_item["extension"] = extensions
    _add_enable_when(fhir_item, item.get("show_if"), by_id)
    return fhir_item


def _link_id(item: dict[str, Any]) -> str:
    return str(item.get("link_id", item["id"]))


def _fhir_type(item: dict[str, Any]) -> str:
    if item["type"] == "number" and not item.get("decimals"):
        return "integer"
    return FHIR_TYPES[item["type"]]


def _coding(option: dict[str, Any]) -> dict[str, Any]:
    coding = {"code": option["value"], "display": option["label"]}
    return {"system": option["system"], **coding} if option.get("system") else coding


def _option(option: dict[str, Any]) -> dict[str, Any]:
    fhir_option: dict[str, Any] = {"valueCoding": _coding(option)}
    if "score" in option:
        fhir_option["extension"] = [{"url": ORDINAL_VALUE, "valueDecimal": option["score"]}]
    return fhir_option


def _add_enable_when(target: dict[str, Any], show_if: dict[str, Any] | None, by_id: dict[str, Any]) -> None:
    if not show_if:
        return
    behaviour = "all" if "all" in show_if else "any"
    target["enableWhen"] = [_enable_when(condition, by_id) for condition in show_if[behaviour]]
    target["enableBehavior"] = behaviour


def _enable_when(condition: dict[str, Any], by_id: dict[str, Any]) -> dict[str, Any]:
    operator = condition["operator"]
    question = _link_id(by_id[condition["item_id"]])
    if operator in ("answered", "not_answered"):
        return {"question": question, "operator": "exists", "answerBoolean": operator == "answered"}
    target = by_id[condition["item_id"]]
    return {"question": question, "operator": OPERATORS[operator], **_answer_value(target, condition["value"])}


def _answer_value(item: dict[str, Any], value: Any) -> dict[str, Any]:
    if item["type"] in ("single_choice", "multiple_choice"):
        option = next((option for option in item["options"] if option["value"] == value), {"value": value})
        return {"answerCoding": {"code": value, **({"system": option["system"]} if "system" in option else {})}}
    if isinstance(value, bool):
        return {"answerBoolean": value}
    if item["type"] in ("number", "visual_analogue_scale"):
        return _typed(item, value, "answer")
    if isinstance(value, int):
        return {"answerInteger": value}
    if isinstance(value, float):
        return {"answerDecimal": value}
    if item["type"] == "date":
        return {"answerDate": value}
    if item["type"] == "time":
        # FHIR times carry seconds; ours may stop at minutes.
        return {"answerTime": value if value.count(":") == 2 else f"{value}:00"}
    return {"answerString": value}


def _typed(item: dict[str, Any], number: float, prefix: str) -> dict[str, Any]:
    """A number as its item's FHIR type has it: integer items take whole numbers, the rest decimals."""
    whole = item["type"] == "linear_scale" or _fhir_type(item) == "integer"
    if whole and float(number).is_integer():
        return {f"{prefix}Integer": int(number)}
    return {f"{prefix}Decimal": number}


def to_questionnaire_response(
    assignment: dict[str, Any], questionnaire_url: str, activity: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A submitted response, with its scores, as a FHIR R4 QuestionnaireResponse.

    With the published ``activity`` version, its items are nested as its Questionnaire nests them
    (pages and groups) and ``questionnaire`` names its canonical URL; otherwise as the assignment's.
    """
    structure = activity or assignment
    answers = assignment.get("answers") or {}
    asked = {item["id"]: item for item in assignment["items"]}

    def answered(item: dict[str, Any], by_id: dict[str, Any]) -> dict[str, Any] | None:
        answer = answers.get(item["id"])
        if answer is None or item["id"] not in asked:
            return None
        return _response_item(asked[item["id"]], answer)

    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(assignment["assignment_id"]),
        "questionnaire": canonical_reference(
            {**structure, "version": assignment["activity_version"]}, questionnaire_url
        ),
        "status": "completed" if assignment["status"] == "submitted" else "in-progress",
        "subject": {"identifier": {"value": assignment["client_id"]}},
        "item": _response_items(structure, answered),
    }
    if assignment.get("submitted_at"):
        resource["authored"] = assignment["submitted_at"]
    if assignment.get("scores"):
        scores = {"measure": assignment.get("measure"), "scores": assignment["scores"]}
        resource["extension"] = [{"url": SCORES_EXTENSION, "valueString": json.dumps(scores)}]
    return resource


def _response_items(structure: dict[str, Any], answered: Leaf) -> list[dict[str, Any]]:
    by_id = {item["id"]: item for item in structure["items"]}
    if not structure.get("pages"):
        return _nested(structure["items"], by_id, answered, _response_group)
    elements = []
    for page in structure["pages"]:
        items = _nested([by_id[i] for i in page["item_ids"]], by_id, answered, _response_group)
        if page.get("ungrouped"):
            elements.extend(items)
            continue
        group: dict[str, Any] = {"linkId": page.get("link_id", page["id"])}
        if page.get("title"):
            group["text"] = page["title"]
        group["item"] = items
        elements.append(group)
    return [element for element in elements if "answer" in element or element["item"]]


def _response_item(item: dict[str, Any], answer: Any) -> dict[str, Any]:
    return {"linkId": _link_id(item), "text": item["prompt"], "answer": _answers(item, answer)}


def _answers(item: dict[str, Any], answer: Any) -> list[dict[str, Any]]:
    if item["type"] in ("single_choice", "multiple_choice"):
        options = {option["value"]: option for option in item["options"]}
        chosen = answer if isinstance(answer, list) else [answer]
        return [{"valueCoding": _coding(options.get(value, {"value": value, "label": value}))} for value in chosen]
    return [{key.replace("answer", "value", 1): value for key, value in _answer_value(item, answer).items()}]
