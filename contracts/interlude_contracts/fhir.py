"""HL7 FHIR R4: activities as Questionnaires, responses as QuestionnaireResponses.

Standard elements carry everything FHIR can say (types, options with scores in the
``ordinalValue`` extension, ``enableWhen``, ranges, units, max length, repeats, pages as
groups). What FHIR has no element for (scale labels, practice durations, media, scoring
rules, the source a library copy cites) travels in Interlude extensions, so an Interlude
export imports back without loss. An activity's licence is the Questionnaire's ``copyright``.
Importing a foreign Questionnaire returns a list of what could not be mapped.
"""

import json
from typing import Any

from .activity import pages_of

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
IMPORTED_TYPES = {
    "string": "free_text",
    "text": "long_text",
    "choice": "single_choice",
    "integer": "number",
    "decimal": "number",
    "date": "date",
    "time": "time",
    "boolean": "yes_no",
    "display": "display_text",
}


# -- export -------------------------------------------------------------------


def to_questionnaire(activity: dict[str, Any], identifier: str | None = None) -> dict[str, Any]:
    """An activity (draft or version) as a FHIR R4 Questionnaire."""
    by_id = {item["id"]: item for item in activity["items"]}
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "status": "active" if activity.get("version") else "draft",
        "title": activity["title"],
        "description": activity.get("instructions", ""),
        "item": (
            [_page_group(page, by_id) for page in pages_of(activity)]
            if activity.get("pages")
            else [_item(item, by_id) for item in activity["items"]]
        ),
    }
    if activity.get("tags"):
        resource["meta"] = {"tag": [{"system": TAG_SYSTEM, "code": tag} for tag in activity["tags"]]}
    if identifier:
        resource["url"] = identifier
    if activity.get("version"):
        resource["version"] = str(activity["version"])
    if activity.get("measure"):
        resource["code"] = [{"system": MEASURE_SYSTEM, "code": activity["measure"]}]
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


def _page_group(page: dict[str, Any], by_id: dict[str, Any]) -> dict[str, Any]:
    group: dict[str, Any] = {
        "linkId": page["id"],
        "type": "group",
        "item": [_item(by_id[i], by_id) for i in page["item_ids"]],
    }
    if page.get("title"):
        group["text"] = page["title"]
    _add_enable_when(group, page.get("show_if"), by_id)
    return group


def _item(item: dict[str, Any], by_id: dict[str, Any]) -> dict[str, Any]:
    fhir_item: dict[str, Any] = {"linkId": item["id"], "type": FHIR_TYPES[item["type"]], "text": item["prompt"]}
    if fhir_item["type"] != "display":
        fhir_item["required"] = item.get("required", True)
    extensions = [{"url": ITEM_EXTENSION, "valueString": json.dumps(item)}]
    if "max_length" in item:
        fhir_item["maxLength"] = item["max_length"]
    if "options" in item:
        fhir_item["answerOption"] = [_option(option) for option in item["options"]]
    if item["type"] == "multiple_choice":
        fhir_item["repeats"] = True
        extensions.append({"url": MIN_OCCURS, "valueInteger": item.get("min_selections", 0)})
        extensions.append({"url": MAX_OCCURS, "valueInteger": item.get("max_selections", len(item["options"]))})
    value_type = "valueInteger" if item["type"] == "linear_scale" else "valueDecimal"
    for key, url in (("min", MIN_VALUE), ("max", MAX_VALUE)):
        if key in item:
            extensions.append({"url": url, value_type: item[key]})
    if item.get("unit"):
        extensions.append({"url": UNIT, "valueCoding": {"display": item["unit"]}})
    fhir_item["extension"] = extensions
    _add_enable_when(fhir_item, item.get("show_if"), by_id)
    return fhir_item


def _option(option: dict[str, Any]) -> dict[str, Any]:
    fhir_option: dict[str, Any] = {"valueCoding": {"code": option["value"], "display": option["label"]}}
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
    question = condition["item_id"]
    if operator in ("answered", "not_answered"):
        return {"question": question, "operator": "exists", "answerBoolean": operator == "answered"}
    return {"question": question, "operator": OPERATORS[operator], **_answer_value(by_id[question], condition["value"])}


def _answer_value(item: dict[str, Any], value: Any) -> dict[str, Any]:
    if item["type"] in ("single_choice", "multiple_choice"):
        return {"answerCoding": {"code": value}}
    if isinstance(value, bool):
        return {"answerBoolean": value}
    if item["type"] in ("number", "visual_analogue_scale"):
        return {"answerDecimal": value}
    if isinstance(value, int):
        return {"answerInteger": value}
    if isinstance(value, float):
        return {"answerDecimal": value}
    if item["type"] == "date":
        return {"answerDate": value}
    if item["type"] == "time":
        return {"answerTime": value}
    return {"answerString": value}


def to_questionnaire_response(assignment: dict[str, Any], questionnaire_url: str) -> dict[str, Any]:
    """A submitted response, with its scores, as a FHIR R4 QuestionnaireResponse."""
    by_id = {item["id"]: item for item in assignment["items"]}
    answers = assignment.get("answers") or {}
    items = [
        {"linkId": item_id, "text": by_id[item_id]["prompt"], "answer": _answers(by_id[item_id], answer)}
        for item_id, answer in answers.items()
        if item_id in by_id and answer is not None
    ]
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(assignment["assignment_id"]),
        "questionnaire": f"{questionnaire_url}|{assignment['activity_version']}",
        "status": "completed" if assignment["status"] == "submitted" else "in-progress",
        "subject": {"identifier": {"value": assignment["client_id"]}},
        "item": items,
    }
    if assignment.get("submitted_at"):
        resource["authored"] = assignment["submitted_at"]
    if assignment.get("scores"):
        scores = {"measure": assignment.get("measure"), "scores": assignment["scores"]}
        resource["extension"] = [{"url": SCORES_EXTENSION, "valueString": json.dumps(scores)}]
    return resource


def _answers(item: dict[str, Any], answer: Any) -> list[dict[str, Any]]:
    if item["type"] in ("single_choice", "multiple_choice"):
        labels = {option["value"]: option["label"] for option in item["options"]}
        chosen = answer if isinstance(answer, list) else [answer]
        return [{"valueCoding": {"code": value, "display": labels.get(value, value)}} for value in chosen]
    return [{key.replace("answer", "value", 1): value for key, value in _answer_value(item, answer).items()}]


# -- import -------------------------------------------------------------------


def from_questionnaire(resource: Any) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """A draft from a Questionnaire, and what could not be mapped (``[{link_id, problem}]``)."""
    unmapped: list[dict[str, str]] = []
    if not isinstance(resource, dict) or resource.get("resourceType") != "Questionnaire":
        return {}, [{"link_id": "", "problem": "Not a FHIR Questionnaire resource."}]
    items: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    loose: list[str] = []
    for fhir_item in resource.get("item") or []:
        if fhir_item.get("type") == "group":
            page_items = _import_group(fhir_item, unmapped)
            if page_items:
                items.extend(page_items)
                pages.append(_page(fhir_item, [item["id"] for item in page_items], unmapped))
        else:
            item = _import_item(fhir_item, unmapped)
            if item:
                items.append(item)
                loose.append(item["id"])
    draft: dict[str, Any] = {
        "title": resource.get("title") or resource.get("name") or "Imported questionnaire",
        "instructions": resource.get("description") or "",
        "items": items,
    }
    if pages:
        if loose:
            unmapped.append(
                {"link_id": ",".join(loose), "problem": "Items outside groups were put on pages of their own."}
            )
            pages = [{"id": f"page-{item_id}", "item_ids": [item_id]} for item_id in loose] + pages
            pages.sort(key=lambda page: [item["id"] for item in items].index(page["item_ids"][0]))
        draft["pages"] = pages
    tags = [tag["code"] for tag in (resource.get("meta") or {}).get("tag") or [] if tag.get("system") == TAG_SYSTEM]
    if tags:
        draft["tags"] = tags
    for code in resource.get("code") or []:
        if code.get("system") == MEASURE_SYSTEM:
            draft["measure"] = code.get("code")
    if resource.get("copyright"):
        draft["licence"] = resource["copyright"]
    for extension in resource.get("extension") or []:
        if extension.get("url") == SCORING_EXTENSION:
            draft["scoring"] = json.loads(extension["valueString"])
        elif extension.get("url") == SOURCE_EXTENSION:
            draft["source"] = extension["valueString"]
    return draft, unmapped


def _page(group: dict[str, Any], item_ids: list[str], unmapped: list[dict[str, str]]) -> dict[str, Any]:
    page: dict[str, Any] = {"id": group["linkId"], "item_ids": item_ids}
    if group.get("text"):
        page["title"] = group["text"]
    show_if = _import_show_if(group, unmapped)
    if show_if:
        page["show_if"] = show_if
    return page


def _import_group(group: dict[str, Any], unmapped: list[dict[str, str]]) -> list[dict[str, Any]]:
    items = []
    for fhir_item in group.get("item") or []:
        if fhir_item.get("type") == "group":
            unmapped.append(
                {"link_id": fhir_item.get("linkId", ""), "problem": "Nested group flattened into its page."}
            )
            items.extend(_import_group(fhir_item, unmapped))
            continue
        item = _import_item(fhir_item, unmapped)
        if item:
            items.append(item)
    return items


def _extension(fhir_item: dict[str, Any], url: str) -> dict[str, Any] | None:
    return next((e for e in fhir_item.get("extension") or [] if e.get("url") == url), None)


def _import_item(fhir_item: dict[str, Any], unmapped: list[dict[str, str]]) -> dict[str, Any] | None:
    link_id = fhir_item.get("linkId", "")
    own = _extension(fhir_item, ITEM_EXTENSION)
    if own:
        return json.loads(own["valueString"])
    fhir_type = fhir_item.get("type")
    if fhir_type not in IMPORTED_TYPES:
        unmapped.append(
            {"link_id": link_id, "problem": f"Item type {fhir_type!r} has no Interlude equivalent; left out."}
        )
        return None
    item: dict[str, Any] = {
        "id": link_id,
        "type": IMPORTED_TYPES[fhir_type],
        "prompt": fhir_item.get("text") or link_id,
    }
    if fhir_type != "display":
        item["required"] = bool(fhir_item.get("required", False))
    if "maxLength" in fhir_item and fhir_type in ("string", "text"):
        item["max_length"] = fhir_item["maxLength"]
    if fhir_type == "choice":
        _import_choice(fhir_item, item, unmapped)
    for url, key in ((MIN_VALUE, "min"), (MAX_VALUE, "max")):
        bound = _extension(fhir_item, url)
        if bound and item["type"] == "number":
            item[key] = bound.get("valueInteger", bound.get("valueDecimal"))
    unit = _extension(fhir_item, UNIT)
    if unit and item["type"] == "number":
        coding = unit.get("valueCoding") or {}
        item["unit"] = coding.get("display") or coding.get("code") or ""
    if fhir_type == "integer":
        item["decimals"] = 0
    show_if = _import_show_if(fhir_item, unmapped)
    if show_if:
        item["show_if"] = show_if
    for element in ("initial", "answerValueSet", "readOnly"):
        if element in fhir_item:
            unmapped.append({"link_id": link_id, "problem": f"{element} is not supported; ignored."})
    return item


def _import_choice(fhir_item: dict[str, Any], item: dict[str, Any], unmapped: list[dict[str, str]]) -> None:
    options = []
    for option in fhir_item.get("answerOption") or []:
        coding = option.get("valueCoding")
        value = coding.get("code") if coding else option.get("valueString", option.get("valueInteger"))
        if value is None:
            unmapped.append(
                {"link_id": item["id"], "problem": "An answer option without a code or value was left out."}
            )
            continue
        label = (coding or {}).get("display") or str(value)
        imported: dict[str, Any] = {"value": str(value), "label": label}
        ordinal = _extension(option, ORDINAL_VALUE)
        if ordinal:
            imported["score"] = ordinal.get("valueDecimal", ordinal.get("valueInteger"))
        options.append(imported)
    item["options"] = options
    if fhir_item.get("repeats"):
        item["type"] = "multiple_choice"
        for url, key in ((MIN_OCCURS, "min_selections"), (MAX_OCCURS, "max_selections")):
            found = _extension(fhir_item, url)
            if found:
                item[key] = found["valueInteger"]


def _import_show_if(fhir_item: dict[str, Any], unmapped: list[dict[str, str]]) -> dict[str, Any] | None:
    conditions = []
    for enable_when in fhir_item.get("enableWhen") or []:
        operator = enable_when.get("operator")
        answer = next((v for k, v in enable_when.items() if k.startswith("answer")), None)
        if operator == "exists":
            conditions.append(
                {"item_id": enable_when["question"], "operator": "answered" if answer else "not_answered"}
            )
        elif operator in FHIR_OPERATORS:
            value = answer.get("code") if isinstance(answer, dict) else answer
            conditions.append(
                {"item_id": enable_when["question"], "operator": FHIR_OPERATORS[operator], "value": value}
            )
        else:
            unmapped.append({"link_id": fhir_item.get("linkId", ""), "problem": f"enableWhen operator {operator!r}."})
    if not conditions:
        return None
    return {"any" if fhir_item.get("enableBehavior") == "any" else "all": conditions}
