"""Importing a FHIR R4 Questionnaire as an activity draft, listing whatever does not map.

Real questionnaires use any string as a linkId, nest items under groups and questions, take
their options from contained value sets and compute totals in FHIRPath. Each linkId that is
not a valid item id is mapped to one deterministically and kept as the item's ``link_id``,
so exports and responses give it back. Nested items are flattened, in order, into the page of
their top-level group; calculated and read-only items are kept out of what a client answers,
and a calculated sum of the answers' ordinal values becomes the activity's total score. A
questionnaire coded as one of the library's measures takes its published scoring (fhir_measures).
Everything that cannot be carried over is listed in ``unmapped``, never dropped silently.
"""

import json
import re
from typing import Any

from interlude_contracts.fields import ITEM_ID_PATTERN

from .fhir import (
    FHIR_OPERATORS,
    ITEM_EXTENSION,
    MAX_OCCURS,
    MAX_VALUE,
    MEASURE_SYSTEM,
    MIN_OCCURS,
    MIN_VALUE,
    ORDINAL_VALUE,
    QUESTIONNAIRE_URL,
    SCORING_EXTENSION,
    SOURCE_EXTENSION,
    TAG_SYSTEM,
    UNIT,
)
from .fhir_measures import NotTheMeasure, recognise_measure

ITEM_WEIGHT = "http://hl7.org/fhir/StructureDefinition/itemWeight"
CALCULATED_EXPRESSION = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"
VARIABLE = "http://hl7.org/fhir/StructureDefinition/variable"
HIDDEN = "http://hl7.org/fhir/StructureDefinition/questionnaire-hidden"
ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
SLIDER_STEP = "http://hl7.org/fhir/StructureDefinition/questionnaire-sliderStepValue"
SCORE_MARKERS = ("ordinalValue", "itemWeight", "ordinal()", "weight()")
LINK_ID_IN_EXPRESSION = re.compile(r"linkId\s*=\s*'([^']+)'")
# The SDC guide's PHQ-9 total: every answer's ordinal value summed (FHIRPath, spaces ignored).
SUM_OF_EVERY_ORDINAL = re.compile(
    r"%resource\.(answers\(\)|repeat\(item\)\.answer)\.value\.(ordinal|weight)\(\)\.sum\(\)"
)
# What a FHIR type becomes, and what the client can no longer do with it (None: nothing lost).
IMPORTED_TYPES: dict[str, tuple[str, str | None]] = {
    "string": ("free_text", None),
    "text": ("long_text", None),
    "url": ("free_text", "A url item is answered as free text."),
    "choice": ("single_choice", None),
    "open-choice": ("single_choice", "open-choice: only the listed options can be chosen."),
    "integer": ("number", None),
    "decimal": ("number", None),
    "quantity": ("number", "A quantity item is answered as a number in its first unit."),
    "date": ("date", None),
    "dateTime": ("date", "A dateTime item is answered as a date."),
    "time": ("time", None),
    "boolean": ("yes_no", None),
    "display": ("display_text", None),
}
DECIMAL_PLACES = 3
MAX_OPTIONS = 100
MAX_OPTION_VALUE = 100
MAX_PROMPT = 20000
MAX_TITLE = 200
MAX_CODES = 20
MAX_GROUP_DEPTH = 20
INTERLUDE_URL_PREFIX = QUESTIONNAIRE_URL.split("{", 1)[0]

Unmapped = list[dict[str, str]]


def from_questionnaire(resource: Any) -> tuple[dict[str, Any], Unmapped]:
    """A draft from a Questionnaire, and what could not be mapped (``[{link_id, problem}]``).

    An empty draft means the resource was refused as a whole; ``unmapped`` says why.
    """
    if not isinstance(resource, dict) or resource.get("resourceType") != "Questionnaire":
        return {}, [{"link_id": "", "problem": "Not a FHIR Questionnaire resource."}]
    stu3 = _first_stu3_item(resource.get("item") or [])
    if stu3 is not None:
        problem = "An STU3 Questionnaire (item.option/item.options); only FHIR R4 Questionnaires are imported."
        return {}, [{"link_id": stu3, "problem": problem}]
    return _Import(resource).draft()


def _first_stu3_item(fhir_items: list[Any]) -> str | None:
    for fhir_item in fhir_items:
        if not isinstance(fhir_item, dict):
            continue
        if "option" in fhir_item or "options" in fhir_item:
            return str(fhir_item.get("linkId", ""))
        nested = _first_stu3_item(fhir_item.get("item") or [])
        if nested is not None:
            return nested
    return None


def _extension(element: dict[str, Any], url: str) -> dict[str, Any] | None:
    return next((e for e in element.get("extension") or [] if e.get("url") == url), None)


def _number_in(extension: dict[str, Any] | None) -> Any:
    if not extension:
        return None
    return extension.get("valueDecimal", extension.get("valueInteger"))


class _Import:
    """One import: the ids handed out so far, the items in order, and what did not map."""

    def __init__(self, resource: dict[str, Any]) -> None:
        self.resource = resource
        self.unmapped: Unmapped = []
        self.ids: dict[str, str] = {}
        self.used: set[str] = set()
        self.page_ids: set[str] = set()
        self.items: list[dict[str, Any]] = []
        self.pages: list[dict[str, Any]] = []
        self.pending: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.totals: list[tuple[str, dict[str, Any]]] = []
        self.value_sets = {
            key: contained
            for contained in resource.get("contained") or []
            if contained.get("resourceType") == "ValueSet"
            for key in (f"#{contained.get('id')}", contained.get("url"))
            if key
        }

    def note(self, link_id: str, problem: str) -> None:
        self.unmapped.append({"link_id": link_id, "problem": problem})

    # -- structure --------------------------------------------------------------

    def draft(self) -> tuple[dict[str, Any], Unmapped]:
        loose: list[str] = []
        for fhir_item in self.resource.get("item") or []:
            if fhir_item.get("type") == "group":
                self._page(fhir_item)
            else:
                before = len(self.items)
                self._walk([fhir_item], [])
                loose.extend(item["id"] for item in self.items[before:])
                if len(self.items) > before:
                    page_id = self._page_id(f"page-{self.items[before]['id']}")
                    self.pages.append({"id": page_id, "ungrouped": True})
                    self.pages[-1]["item_ids"] = [item["id"] for item in self.items[before:]]
        self._resolve_conditions()
        draft = self._content()
        if any(not page.get("ungrouped") for page in self.pages):
            if loose:
                self.note(",".join(loose), "Items outside groups were put on pages of their own.")
            draft["pages"] = self.pages
        return draft, self.unmapped

    def _page(self, group: dict[str, Any]) -> None:
        before = len(self.items)
        self._group_notes(group)
        self._walk(group.get("item") or [], [])
        if len(self.items) == before:
            self.note(group.get("linkId", ""), "A group with nothing a client can see was left out.")
            return
        page: dict[str, Any] = {"id": self._page_id(group.get("linkId", "page")), "item_ids": []}
        page["item_ids"] = [item["id"] for item in self.items[before:]]
        self._keep_link_id(page, group.get("linkId", ""))
        if group.get("text"):
            page["title"] = self._truncated(group["text"], MAX_TITLE, group.get("linkId", ""), "Page title")
        self.pages.append(page)
        self.pending.append((page, group))

    def _group_notes(self, group: dict[str, Any]) -> None:
        if group.get("repeats"):
            self.note(group.get("linkId", ""), "A repeating group is answered once.")

    def _walk(self, fhir_items: list[dict[str, Any]], path: list[str]) -> None:
        """Items in order; each keeps the path of nested groups it was in (``group_path``), to nest it again."""
        for fhir_item in fhir_items:
            link_id = str(fhir_item.get("linkId", ""))
            children = fhir_item.get("item") or []
            before = len(self.items)
            if fhir_item.get("type") == "group":
                self._nested_group(fhir_item, path)
                inner = [*path, link_id[:255]] if len(path) < MAX_GROUP_DEPTH else path
                if len(path) == MAX_GROUP_DEPTH:
                    self.note(link_id, f"Groups nested deeper than {MAX_GROUP_DEPTH} levels were flattened.")
            else:
                self._question(fhir_item)
                inner = path
                if children:
                    self.note(link_id, "Items nested under this question were put after it.")
            for item in self.items[before:]:
                if path and "group_path" not in item:
                    item["group_path"] = path
            self._walk(children, inner)

    def _nested_group(self, group: dict[str, Any], path: list[str]) -> None:
        """A group within a page: its text as a heading standing for it; its conditions on that heading."""
        own = _extension(group, ITEM_EXTENSION)
        if own:
            self._exported(own)
            return
        self._group_notes(group)
        link_id = str(group.get("linkId", ""))
        if group.get("enableWhen"):
            self.note(link_id, "enableWhen of a nested group applies to its heading only; its items always show.")
        if not group.get("text"):
            return
        heading = {"id": self._id(link_id), "type": "heading", "prompt": self._prompt(group)}
        self._keep_link_id(heading, link_id)
        _keep_codes(heading, group)
        self.items.append(heading)
        self.pending.append((heading, group))

    def _exported(self, own: dict[str, Any]) -> None:
        """An item Interlude exported, back as it was."""
        exported: dict[str, Any] = json.loads(own["valueString"])
        self.ids[exported.get("link_id", exported["id"])] = exported["id"]
        self.used.add(exported["id"])
        self.items.append(exported)

    # -- items ------------------------------------------------------------------

    def _question(self, fhir_item: dict[str, Any]) -> None:
        link_id = str(fhir_item.get("linkId", ""))
        own = _extension(fhir_item, ITEM_EXTENSION)
        if own:
            self._exported(own)
            return
        if self._left_out(fhir_item, link_id):
            return
        fhir_type = fhir_item.get("type", "")
        item_type, loss = IMPORTED_TYPES[fhir_type]
        if loss:
            self.note(link_id, loss)
        item: dict[str, Any] = {"id": self._id(link_id), "type": item_type, "prompt": self._prompt(fhir_item)}
        self._keep_link_id(item, link_id)
        _keep_codes(item, fhir_item)
        if fhir_type != "display":
            item["required"] = bool(fhir_item.get("required", False))
        if "maxLength" in fhir_item and item_type in ("free_text", "long_text"):
            item["max_length"] = fhir_item["maxLength"]
        if item_type == "single_choice":
            self._choice(fhir_item, item)
        if item["type"] == "number":
            self._number(fhir_item, item, fhir_type)
        self._element_notes(fhir_item, item)
        self.items.append(item)
        self.pending.append((item, fhir_item))

    def _left_out(self, fhir_item: dict[str, Any], link_id: str) -> bool:
        """Items a client does not answer: calculated, read-only, hidden, or of a type with no equivalent."""
        calculated = _extension(fhir_item, CALCULATED_EXPRESSION)
        if calculated:
            self._calculated(fhir_item, calculated)
            return True
        if fhir_item.get("readOnly"):
            self.note(link_id, "A read-only item is not answered by the client; left out.")
            return True
        hidden = _extension(fhir_item, HIDDEN)
        if hidden and hidden.get("valueBoolean"):
            self.note(link_id, "A hidden item was left out.")
            return True
        fhir_type = fhir_item.get("type")
        if fhir_type not in IMPORTED_TYPES:
            self.note(link_id, f"Item type {fhir_type!r} has no Interlude equivalent; left out.")
            return True
        return False

    def _calculated(self, fhir_item: dict[str, Any], calculated: dict[str, Any]) -> None:
        expressions = [calculated.get("valueExpression", {}).get("expression", "")]
        expressions += [
            extension.get("valueExpression", {}).get("expression", "")
            for extension in fhir_item.get("extension") or []
            if extension.get("url") == VARIABLE
        ]
        text = " ".join(expressions)
        link_id = str(fhir_item.get("linkId", ""))
        if any(marker in text for marker in SCORE_MARKERS) and (
            LINK_ID_IN_EXPRESSION.search(text) or SUM_OF_EVERY_ORDINAL.fullmatch(re.sub(r"\s+", "", expressions[0]))
        ):
            self.totals.append((link_id, fhir_item))
            return
        self.note(link_id, f"Calculated item left out; its expression is not mapped: {expressions[0]}")

    def _element_notes(self, fhir_item: dict[str, Any], item: dict[str, Any]) -> None:
        link_id = str(fhir_item.get("linkId", ""))
        if "initial" in fhir_item or any("initialSelected" in option for option in fhir_item.get("answerOption") or []):
            self.note(link_id, "Initial answers are not supported; ignored.")
        if fhir_item.get("repeats") and item["type"] != "multiple_choice":
            self.note(link_id, "A repeating answer is answered once.")

    def _prompt(self, fhir_item: dict[str, Any]) -> str:
        text = fhir_item.get("text") or str(fhir_item.get("linkId") or "Untitled")
        return self._truncated(text, MAX_PROMPT, str(fhir_item.get("linkId", "")), "Text")

    def _truncated(self, text: str, limit: int, link_id: str, what: str) -> str:
        if len(text) <= limit:
            return text
        self.note(link_id, f"{what} cut to {limit} characters.")
        return text[:limit]

    def _number(self, fhir_item: dict[str, Any], item: dict[str, Any], fhir_type: str) -> None:
        item["decimals"] = 0 if fhir_type == "integer" else DECIMAL_PLACES
        low, high = _number_in(_extension(fhir_item, MIN_VALUE)), _number_in(_extension(fhir_item, MAX_VALUE))
        if low is not None and high is not None and low >= high:
            self.note(str(fhir_item.get("linkId", "")), "minValue is not below maxValue; the range was left out.")
        else:
            item.update({key: bound for key, bound in (("min", low), ("max", high)) if bound is not None})
        if fhir_type == "integer" and _is_slider(fhir_item) and {"min", "max"} <= item.keys():
            _as_linear_scale(item, _number_in(_extension(fhir_item, SLIDER_STEP)))
        unit = _extension(fhir_item, UNIT)
        if unit:
            coding = unit.get("valueCoding") or {}
            item["unit"] = (coding.get("display") or coding.get("code") or "")[:50]

    # -- options ----------------------------------------------------------------

    def _choice(self, fhir_item: dict[str, Any], item: dict[str, Any]) -> None:
        link_id = item.get("link_id", item["id"])
        options = self._options(fhir_item, link_id)
        if len(options) < 2:
            source = fhir_item.get("answerValueSet") or "its answerOption"
            self.note(link_id, f"No options could be read from {source}; answered as free text.")
            item["type"] = "free_text"
            return
        if len(options) > MAX_OPTIONS:
            self.note(link_id, f"Only the first {MAX_OPTIONS} options were kept.")
            options = options[:MAX_OPTIONS]
        scored = [("score" in option) for option in options]
        if any(scored) and not all(scored):
            self.note(link_id, "Only some options have an ordinal value; the scores were left out.")
            for option in options:
                option.pop("score", None)
        item["options"] = options
        if fhir_item.get("repeats"):
            item["type"] = "multiple_choice"
            for url, key in ((MIN_OCCURS, "min_selections"), (MAX_OCCURS, "max_selections")):
                found = _extension(fhir_item, url)
                if found and "valueInteger" in found:
                    item[key] = found["valueInteger"]

    def _options(self, fhir_item: dict[str, Any], link_id: str) -> list[dict[str, Any]]:
        if fhir_item.get("answerValueSet"):
            concepts = self._value_set(fhir_item["answerValueSet"])
        else:
            concepts = [self._answer_option(option) for option in fhir_item.get("answerOption") or []]
        options: list[dict[str, Any]] = []
        for concept in concepts:
            if concept is None:
                self.note(link_id, "An answer option without a code or value was left out.")
                continue
            if concept["value"] in [option["value"] for option in options]:
                self.note(link_id, f"A repeated option value {concept['value']!r} was left out.")
                continue
            if len(concept["value"]) > MAX_OPTION_VALUE:
                self.note(link_id, f"An option value longer than {MAX_OPTION_VALUE} characters was left out.")
                continue
            options.append(concept)
        return options

    def _answer_option(self, option: dict[str, Any]) -> dict[str, Any] | None:
        coding = option.get("valueCoding")
        if coding:
            return _concept(coding.get("code"), coding.get("display"), coding.get("system"), option)
        value = next((v for k, v in option.items() if k.startswith("value")), None)
        if value is None or isinstance(value, dict):
            return None
        return _concept(value, None, None, option)

    def _value_set(self, reference: str) -> list[dict[str, Any] | None]:
        value_set = self.value_sets.get(reference)
        if not value_set:
            return []
        expansion = (value_set.get("expansion") or {}).get("contains")
        if expansion:
            return [_concept(c.get("code"), c.get("display"), c.get("system"), c) for c in expansion]
        return [
            _concept(concept.get("code"), concept.get("display"), include.get("system"), concept)
            for include in (value_set.get("compose") or {}).get("include") or []
            for concept in include.get("concept") or []
        ]

    # -- branching and scoring --------------------------------------------------

    def _resolve_conditions(self) -> None:
        position = {item["id"]: index for index, item in enumerate(self.items)}
        by_id = {item["id"]: item for item in self.items}
        for target, fhir_item in self.pending:
            first = target["item_ids"][0] if "item_ids" in target else target["id"]
            conditions = [
                condition
                for enable_when in fhir_item.get("enableWhen") or []
                if (condition := self._condition(enable_when, fhir_item, by_id, position, position[first]))
            ]
            if _extension(
                fhir_item, "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression"
            ):
                self.note(str(fhir_item.get("linkId", "")), "enableWhenExpression is not supported; always shown.")
            if conditions:
                target["show_if"] = {"any" if fhir_item.get("enableBehavior") == "any" else "all": conditions}
            elif fhir_item.get("enableWhen"):
                self.note(str(fhir_item.get("linkId", "")), "No enableWhen condition could be mapped; always shown.")

    def _condition(
        self,
        enable_when: dict[str, Any],
        fhir_item: dict[str, Any],
        by_id: dict[str, Any],
        position: dict[str, int],
        before: int,
    ) -> dict[str, Any] | None:
        link_id = str(fhir_item.get("linkId", ""))
        question = self.ids.get(str(enable_when.get("question")))
        operator = enable_when.get("operator")
        answer = next((v for k, v in enable_when.items() if k.startswith("answer")), None)
        target = by_id.get(question or "")
        problem = _condition_problem(target, operator, position, before)
        if problem or target is None:
            self.note(link_id, f"enableWhen on {enable_when.get('question')!r}: {problem}; condition dropped.")
            return None
        if operator == "exists":
            return {"item_id": target["id"], "operator": "answered" if answer else "not_answered"}
        value = _condition_value(target, answer)
        if value is not None and "options" in target and operator not in ("=", "!="):
            value = None
        if value is None:
            self.note(link_id, f"enableWhen on {enable_when.get('question')!r}: answer {answer!r} not mapped; dropped.")
            return None
        return {"item_id": target["id"], "operator": FHIR_OPERATORS[str(operator)], "value": value}

    def _scoring(self) -> dict[str, Any] | None:
        by_id = {item["id"]: item for item in self.items}
        for link_id, fhir_item in self.totals:
            expressions = " ".join(
                extension.get("valueExpression", {}).get("expression", "")
                for extension in fhir_item.get("extension") or []
            )
            found = LINK_ID_IN_EXPRESSION.findall(expressions)
            scored = list(dict.fromkeys(self.ids.get(each, "") for each in found))
            if not found:  # every answer's ordinal value: each item whose options are scored
                scored = [item["id"] for item in self.items if _scored_choice(item)]
            if scored and all(_scored_choice(by_id.get(item_id)) for item_id in scored):
                self.note(link_id, "Calculated sum of ordinal values kept as the activity's total score.")
                total: dict[str, Any] = {"items": scored}
                if fhir_item.get("text"):
                    total["label"] = fhir_item["text"][:MAX_TITLE]
                return {"total": total}
            self.note(link_id, "Calculated item left out; it sums items that have no ordinal values.")
        return None

    # -- the questionnaire ------------------------------------------------------

    def _content(self) -> dict[str, Any]:
        resource = self.resource
        title = resource.get("title") or resource.get("name") or "Imported questionnaire"
        draft: dict[str, Any] = {
            "title": self._truncated(title, MAX_TITLE, "", "Title"),
            "instructions": (resource.get("description") or "")[:10000],
            "items": self.items,
        }
        tags = [tag["code"] for tag in (resource.get("meta") or {}).get("tag") or [] if tag.get("system") == TAG_SYSTEM]
        if tags:
            draft["tags"] = tags
        for code in resource.get("code") or []:
            if code.get("system") == MEASURE_SYSTEM:
                draft["measure"] = code.get("code")
        _keep_codes(draft, {"code": [c for c in resource.get("code") or [] if c.get("system") != MEASURE_SYSTEM]})
        self._identity(draft)
        if resource.get("copyright"):
            draft["licence"] = resource["copyright"]
        scoring = self._scoring()
        if scoring:
            draft["scoring"] = scoring
        self._published_measure(draft)
        for extension in resource.get("extension") or []:
            if extension.get("url") == SCORING_EXTENSION:
                draft["scoring"] = json.loads(extension["valueString"])
            elif extension.get("url") == SOURCE_EXTENSION:
                draft["source"] = extension["valueString"]
        return draft

    def _published_measure(self, draft: dict[str, Any]) -> None:
        """A library measure recognised by its LOINC code takes the library's bands, cutoff and risk rules."""
        if any(extension.get("url") == SCORING_EXTENSION for extension in self.resource.get("extension") or []):
            return
        try:
            recognised = recognise_measure(draft)
        except NotTheMeasure as mismatch:
            self.note("", f"Not scored as the library measure its code names: {mismatch}.")
            return
        if recognised:
            draft["measure"], draft["scoring"] = recognised
            self.note("", f"Recognised as the {recognised[0]} by its LOINC code: scored with its published rules.")

    def _identity(self, draft: dict[str, Any]) -> None:
        """The questionnaire's own url, version and identifiers; an Interlude export's url is not kept."""
        url = self.resource.get("url")
        if isinstance(url, str) and url and not url.startswith(INTERLUDE_URL_PREFIX):
            draft["canonical_url"] = url[:2000]
            if self.resource.get("version"):
                draft["canonical_version"] = str(self.resource["version"])[:100]
        identifiers = [
            {**({"system": str(i["system"])[:500]} if i.get("system") else {}), "value": str(i["value"])[:500]}
            for i in self.resource.get("identifier") or []
            if isinstance(i, dict) and i.get("value")
        ]
        if identifiers:
            draft["identifiers"] = identifiers[:MAX_CODES]

    def _id(self, link_id: str) -> str:
        item_id = _unused_id(link_id, self.used)
        self.ids.setdefault(link_id, item_id)
        return item_id

    def _page_id(self, link_id: str) -> str:
        return _unused_id(link_id, self.page_ids)

    @staticmethod
    def _keep_link_id(target: dict[str, Any], link_id: str) -> None:
        if link_id and target["id"] != link_id:
            target["link_id"] = link_id[:255]


def _unused_id(link_id: str, used: set[str]) -> str:
    """The linkId when it is a valid, unused id; otherwise a deterministic one made from it."""
    if re.fullmatch(ITEM_ID_PATTERN, link_id) and link_id not in used:
        candidate = link_id
    else:
        base = re.sub(r"[^A-Za-z0-9_-]+", "_", link_id).strip("_")
        base = (base if base[:1].isalpha() else f"q_{base}".rstrip("_"))[:56]
        candidate, counter = base, 2
        while candidate in used:
            candidate, counter = f"{base}-{counter}", counter + 1
    used.add(candidate)
    return candidate


def _keep_codes(target: dict[str, Any], element: dict[str, Any]) -> None:
    """An element's codings (e.g. LOINC) as ``codes``: system, code and display."""
    codes = [
        {
            **({"system": str(c["system"])[:500]} if c.get("system") else {}),
            "code": str(c["code"])[:200],
            **({"display": str(c["display"])[:500]} if c.get("display") else {}),
        }
        for c in element.get("code") or []
        if isinstance(c, dict) and c.get("code")
    ]
    if codes:
        target["codes"] = codes[:MAX_CODES]


def _concept(code: Any, display: Any, system: Any, carrier: dict[str, Any]) -> dict[str, Any] | None:
    if code is None or code == "":
        return None
    concept: dict[str, Any] = {"value": str(code), "label": str(display or code)[:500]}
    if system:
        concept["system"] = str(system)[:500]
    score = _number_in(_extension(carrier, ORDINAL_VALUE) or _extension(carrier, ITEM_WEIGHT))
    if score is not None:
        concept["score"] = score
    return concept


def _is_slider(fhir_item: dict[str, Any]) -> bool:
    control = (_extension(fhir_item, ITEM_CONTROL) or {}).get("valueCodeableConcept") or {}
    return any(coding.get("code") == "slider" for coding in control.get("coding") or [])


def _as_linear_scale(item: dict[str, Any], step: Any) -> None:
    """A whole-number slider with a range is a linear scale (of whole steps dividing its range)."""
    if item["max"] - item["min"] > 100:
        return
    item["type"] = "linear_scale"
    item.pop("decimals", None)
    if isinstance(step, int) and step > 1 and (item["max"] - item["min"]) % step == 0:
        item["step"] = step


def _scored_choice(item: dict[str, Any] | None) -> bool:
    return bool(item and item.get("options") and "score" in item["options"][0])


def _condition_problem(
    target: dict[str, Any] | None, operator: Any, position: dict[str, int], before: int
) -> str | None:
    if target is None:
        return "not an item that was imported"
    if operator != "exists" and operator not in FHIR_OPERATORS:
        return f"operator {operator!r} unknown"
    if position[target["id"]] >= before:
        return "it does not come before"
    if target["type"] in ("heading", "display_text", "media"):
        return "it is not a question"
    return None


def _condition_value(target: dict[str, Any], answer: Any) -> Any:
    """The answer an enableWhen compares with, as the target item's answers are kept; None: no match possible."""
    if isinstance(answer, dict):
        answer = answer.get("code", answer.get("value"))
    if answer is None:
        return None
    if "options" in target:
        value = str(answer)
        return value if value in [option["value"] for option in target["options"]] else None
    if target["type"] == "yes_no":
        return answer if isinstance(answer, bool) else None
    if target["type"] == "number":
        return answer if isinstance(answer, int | float) and not isinstance(answer, bool) else None
    return answer if isinstance(answer, str) else None
