"""FHIR R4: Questionnaire export and import round-trip; foreign questionnaires report what does not map."""

from typing import Any

from interlude_activities.fhir import (
    ORDINAL_VALUE,
    to_questionnaire,
    to_questionnaire_response,
)
from interlude_activities.fhir_import import from_questionnaire
from interlude_activity_model.draft import CheckedDraftSchema

DRAFT: dict[str, Any] = CheckedDraftSchema().load(
    {
        "title": "Sleep diary",
        "instructions": "Each morning, {{client.first_name}}.",
        "measure": "SLEEP",
        "tags": ["check-in"],
        "items": [
            {"id": "intro", "type": "heading", "prompt": "Last night"},
            {"id": "hours", "type": "number", "prompt": "Hours slept", "min": 0, "max": 24, "decimals": 1, "unit": "h"},
            {
                "id": "quality",
                "type": "single_choice",
                "prompt": "Quality?",
                "options": [{"value": "bad", "label": "Bad", "score": 2}, {"value": "ok", "label": "OK", "score": 0}],
            },
            {
                "id": "why",
                "type": "long_text",
                "prompt": "What woke you?",
                "show_if": {"any": [{"item_id": "quality", "operator": "equals", "value": "bad"}]},
            },
            {"id": "nap", "type": "yes_no", "prompt": "Did you nap?"},
            {"id": "bed", "type": "time", "prompt": "Bedtime"},
            {"id": "practice", "type": "timed_practice", "prompt": "Wind down", "duration_seconds": 600},
            {"id": "feel", "type": "visual_analogue_scale", "prompt": "Rested?", "min_label": "No", "max_label": "Yes"},
        ],
        "pages": [
            {"id": "night", "title": "The night", "item_ids": ["intro", "hours", "quality", "why"]},
            {
                "id": "day",
                "item_ids": ["nap", "bed", "practice", "feel"],
                "show_if": {"all": [{"item_id": "hours", "operator": "less_than", "value": 6}]},
            },
        ],
        "scoring": {"total": {"items": ["quality", "feel"], "reverse": ["feel"]}},
    }
)


def test_an_activity_round_trips_through_a_questionnaire_without_loss() -> None:
    questionnaire = to_questionnaire(DRAFT, "urn:interlude:activity:x")
    draft, unmapped = from_questionnaire(questionnaire)

    assert unmapped == []
    assert CheckedDraftSchema().load(draft) == DRAFT


def test_the_export_uses_standard_fhir_for_options_scores_and_enable_when() -> None:
    questionnaire = to_questionnaire(DRAFT)
    night, day = questionnaire["item"]
    quality, why = night["item"][2], night["item"][3]

    assert questionnaire["resourceType"] == "Questionnaire" and questionnaire["status"] == "draft"
    assert (night["type"], night["text"]) == ("group", "The night")
    assert quality["answerOption"][0]["valueCoding"] == {"code": "bad", "display": "Bad"}
    assert quality["answerOption"][0]["extension"] == [{"url": ORDINAL_VALUE, "valueDecimal": 2}]
    assert why["enableWhen"] == [{"question": "quality", "operator": "=", "answerCoding": {"code": "bad"}}]
    assert why["enableBehavior"] == "any" and why["type"] == "text"
    assert day["enableWhen"] == [{"question": "hours", "operator": "<", "answerDecimal": 6}]
    assert [i["type"] for i in day["item"]] == ["boolean", "time", "integer", "decimal"]


def test_a_foreign_questionnaire_imports_and_reports_what_did_not_map() -> None:
    foreign = {
        "resourceType": "Questionnaire",
        "title": "Intake",
        "item": [
            {"linkId": "name", "type": "string", "text": "Your name", "required": True, "maxLength": 80},
            {
                "linkId": "mood",
                "type": "choice",
                "text": "Mood",
                "answerOption": [
                    {
                        "valueCoding": {"code": "low", "display": "Low"},
                        "extension": [{"url": ORDINAL_VALUE, "valueDecimal": 1}],
                    },
                    {
                        "valueCoding": {"code": "high", "display": "High"},
                        "extension": [{"url": ORDINAL_VALUE, "valueDecimal": 3}],
                    },
                ],
            },
            {
                "linkId": "age",
                "type": "integer",
                "text": "Age",
                "enableWhen": [{"question": "mood", "operator": "exists", "answerBoolean": True}],
            },
            {"linkId": "photo", "type": "attachment", "text": "A photo"},
            {"linkId": "gp", "type": "reference", "text": "Your doctor"},
        ],
    }
    draft, unmapped = from_questionnaire(foreign)
    loaded = CheckedDraftSchema().load(draft)

    assert [item["id"] for item in loaded["items"]] == ["name", "mood", "age"]
    assert loaded["items"][0]["max_length"] == 80
    assert [option["score"] for option in loaded["items"][1]["options"]] == [1, 3]
    assert loaded["items"][2]["show_if"] == {"all": [{"item_id": "mood", "operator": "answered"}]}
    assert [(entry["link_id"], "left out" in entry["problem"]) for entry in unmapped] == [("photo", True), ("gp", True)]


def test_something_that_is_not_a_questionnaire_is_refused_with_a_reason() -> None:
    draft, unmapped = from_questionnaire({"resourceType": "Patient"})

    assert draft == {} and unmapped == [{"link_id": "", "problem": "Not a FHIR Questionnaire resource."}]


def test_a_submitted_response_exports_as_a_questionnaire_response_with_its_scores() -> None:
    assignment = {
        "assignment_id": "5d0c2f4e-1b7a-4c8e-9f60-0c9a3e7d2b55",
        "activity_version": 2,
        "client_id": "client-ada",
        "status": "submitted",
        "submitted_at": "2026-03-01T08:00:00+00:00",
        "items": DRAFT["items"],
        "answers": {
            "hours": 5.5,
            "quality": "bad",
            "why": "Noise",
            "nap": False,
            "bed": "23:30",
            "practice": 600,
            "feel": 3.5,
        },
        "measure": "SLEEP",
        "scores": {"total": {"value": 8.5, "band": None, "above_cutoff": None}},
    }
    response = to_questionnaire_response(assignment, "urn:interlude:activity:x")

    assert response["resourceType"] == "QuestionnaireResponse" and response["status"] == "completed"
    assert response["questionnaire"] == "urn:interlude:activity:x|2"
    answers = {item["linkId"]: item["answer"] for item in response["item"]}
    assert answers["quality"] == [{"valueCoding": {"code": "bad", "display": "Bad"}}]
    assert answers["hours"] == [{"valueDecimal": 5.5}]
    assert answers["nap"] == [{"valueBoolean": False}]
    assert answers["bed"] == [{"valueTime": "23:30:00"}]  # FHIR times carry seconds
    assert '"value": 8.5' in response["extension"][0]["valueString"]
