"""The builder's RPCs: version history and immutability, archive and restore, the library, FHIR import and export.

As in test_service.py, nothing is mocked: a real application on eventsourcing's in-memory store.
"""

import json
from copy import deepcopy
from typing import Any

import pytest
from nameko.testing.services import worker_factory

from interlude_activities.application import ActivitiesApplication
from interlude_activities.fhir import SOURCE_EXTENSION, to_questionnaire
from interlude_activities.service import ActivitiesService
from interlude_contracts.activity import ActivitySchema
from interlude_contracts.errors import Conflict, NotFound, ValidationFailed


@pytest.fixture
def service(memory_app: ActivitiesApplication) -> ActivitiesService:
    return worker_factory(ActivitiesService, app=memory_app, metrics=None)


def stored(app: ActivitiesApplication) -> int:
    return app.recorder.max_notification_id() or 0


def create_and_publish(service: ActivitiesService, raw_draft: dict[str, Any]) -> str:
    activity_id = service.create_activity("clinic-a", "t-1", deepcopy(raw_draft), "c")["activity_id"]
    service.publish_activity("clinic-a", activity_id, "t-1", "c")
    return activity_id


def test_editing_a_draft_never_changes_a_published_version(
    service: ActivitiesService, raw_draft: dict[str, Any]
) -> None:
    activity_id = create_and_publish(service, raw_draft)
    first = service.get_version("clinic-a", activity_id, 1)
    edited = deepcopy(raw_draft) | {"title": "Mood check-in (shorter)"}
    edited["items"][0]["max"] = 5

    service.edit_draft("clinic-a", activity_id, edited, "t-1", "c")

    assert service.get_version("clinic-a", activity_id, 1) == first
    assert first["items"][0]["max"] == 10
    second = service.publish_activity("clinic-a", activity_id, "t-1", "c")
    assert (second["version"], second["items"][0]["max"], second["title"]) == (2, 5, "Mood check-in (shorter)")
    assert service.get_version("clinic-a", activity_id, 1) == first
    history = service.list_versions("clinic-a", activity_id)
    assert [(v["version"], v["title"]) for v in history] == [(1, "Mood check-in"), (2, "Mood check-in (shorter)")]
    assert json.loads(json.dumps(history)) == history


def test_archive_hides_from_the_list_and_restore_brings_back(
    service: ActivitiesService, raw_draft: dict[str, Any]
) -> None:
    activity_id = create_and_publish(service, raw_draft)

    archived = service.set_archived("clinic-a", activity_id, True, "t-1", "c")

    assert archived["archived"] is True
    assert service.get_version("clinic-a", activity_id, 1)["archived"] is True  # assignments refuse it
    assert activity_id not in {a["activity_id"] for a in service.list_activities("clinic-a")}
    assert activity_id in {a["activity_id"] for a in service.list_activities("clinic-a", True)}
    assert service.get_version("clinic-a", activity_id, 1)["version"] == 1  # old responses still render
    with pytest.raises(Conflict):
        service.set_archived("clinic-a", activity_id, True, "t-1", "c")
    assert service.set_archived("clinic-a", activity_id, False, "t-1", "c")["archived"] is False
    assert activity_id in {a["activity_id"] for a in service.list_activities("clinic-a")}


def test_another_clinic_cannot_archive_or_list_versions(service: ActivitiesService, raw_draft: dict[str, Any]) -> None:
    activity_id = create_and_publish(service, raw_draft)

    with pytest.raises(NotFound):
        service.set_archived("clinic-b", activity_id, True, "t-9", "c")
    with pytest.raises(NotFound):
        service.list_versions("clinic-b", activity_id)


def test_a_clinic_copies_a_library_entry_into_an_editable_draft(service: ActivitiesService) -> None:
    copy = service.copy_from_library("clinic-a", "t-1", "phq-9", "c")

    loaded = ActivitySchema().load(copy)
    assert loaded["origin"] == {"library": "phq-9"}
    assert (copy["draft"]["measure"], copy["versions"]) == ("PHQ-9", [])
    customised = copy["draft"] | {"title": "PHQ-9 (our clinic)"}
    service.edit_draft("clinic-a", copy["activity_id"], customised, "t-1", "c")
    assert service.publish_activity("clinic-a", copy["activity_id"], "t-1", "c")["title"] == "PHQ-9 (our clinic)"
    assert service.get_library_entry("phq-9")["activity"]["title"] == "PHQ-9"  # the library is untouched
    assert service.list_activities("clinic-b") == []


def test_a_library_copy_keeps_its_source_and_licence_in_every_version_and_its_fhir_export(
    service: ActivitiesService,
) -> None:
    entry = service.get_library_entry("phq-9")
    copy = service.copy_from_library("clinic-a", "t-1", "phq-9", "c")
    activity_id = copy["activity_id"]

    shown = service.get_activity("clinic-a", activity_id)
    assert (shown["draft"]["source"], shown["draft"]["licence"]) == (entry["source"], entry["licence"])
    assert "Kroenke" in shown["draft"]["source"] and "No permission required" in shown["draft"]["licence"]
    assert ActivitySchema().load(shown)["draft"]["licence"] == entry["licence"]
    service.publish_activity("clinic-a", activity_id, "t-1", "c")
    version = service.get_version("clinic-a", activity_id, 1)
    assert (version["source"], version["licence"]) == (entry["source"], entry["licence"])

    for exported in (to_questionnaire(shown["draft"]), to_questionnaire(version)):
        assert exported["copyright"] == entry["licence"]
        assert {"url": SOURCE_EXTENSION, "valueString": entry["source"]} in exported["extension"]
    reimported = service.import_questionnaire("clinic-a", "t-1", to_questionnaire(version), "c")
    assert reimported["activity"]["draft"]["licence"] == entry["licence"]
    assert reimported["activity"]["draft"]["source"] == entry["source"]


def test_an_activity_of_the_clinic_s_own_has_no_source_licence_or_copyright(
    service: ActivitiesService, raw_draft: dict[str, Any]
) -> None:
    activity_id = create_and_publish(service, raw_draft)

    version = service.get_version("clinic-a", activity_id, 1)
    assert "source" not in version and "licence" not in version
    assert "copyright" not in to_questionnaire(version)


def test_a_draft_and_a_version_export_as_questionnaires_named_by_the_activity(
    service: ActivitiesService, raw_draft: dict[str, Any]
) -> None:
    activity_id = create_and_publish(service, raw_draft)
    url = f"urn:interlude:activity:{activity_id}"

    draft = service.draft_questionnaire("clinic-a", activity_id)
    version = service.version_questionnaire("clinic-a", activity_id, 1)

    assert draft == to_questionnaire(service.get_activity("clinic-a", activity_id)["draft"], url)
    assert (draft["resourceType"], draft["status"], draft["url"]) == ("Questionnaire", "draft", url)
    assert version == to_questionnaire(service.get_version("clinic-a", activity_id, 1), url)
    assert (version["resourceType"], version["version"], version["url"]) == ("Questionnaire", "1", url)
    assert json.loads(json.dumps(version)) == version
    with pytest.raises(NotFound):
        service.version_questionnaire("clinic-a", activity_id, 2)
    with pytest.raises(NotFound):
        service.draft_questionnaire("clinic-b", activity_id)


def test_a_submitted_assignment_exports_as_a_questionnaire_response(service: ActivitiesService) -> None:
    activity_id = "0b7d3c1e-9a5e-4a53-8f5b-5a1f3f2a9c11"
    assignment = {
        "assignment_id": "5d0c2f4e-1b7a-4c8e-9f60-0c9a3e7d2b55",
        "client_id": "client-ada",
        "activity_id": activity_id,
        "activity_version": 1,
        "items": [
            {
                "id": "helped",
                "type": "single_choice",
                "prompt": "Helpful?",
                "options": [{"value": "y", "label": "Yes", "score": 1}, {"value": "n", "label": "No", "score": 0}],
            },
            {"id": "why", "type": "free_text", "prompt": "Why not?", "max_length": 100},
        ],
        "status": "submitted",
        "submitted_at": "2026-01-06T09:30:00+00:00",
        "answers": {"helped": "y"},
        "scores": {},
    }

    response = service.questionnaire_response(assignment)

    assert response["resourceType"] == "QuestionnaireResponse"
    assert response["questionnaire"] == f"urn:interlude:activity:{activity_id}|1"
    assert response["item"] == [
        {"linkId": "helped", "text": "Helpful?", "answer": [{"valueCoding": {"code": "y", "display": "Yes"}}]}
    ]


def test_browsing_and_reading_the_library(service: ActivitiesService) -> None:
    entries = service.browse_library()
    entry = service.get_library_entry("k10")

    assert len(entries) >= 15
    assert {e["slug"] for e in service.browse_library("assessment")} >= {"phq-9", "gad-7", "who-5", "pcl-5", "k10"}
    assert entry["measure"] == "K10" and "Kessler" in entry["source"] and entry["scoring_notes"]
    assert json.loads(json.dumps(entry)) == entry
    with pytest.raises(NotFound):
        service.get_library_entry("bdi-ii")
    with pytest.raises(NotFound):
        service.copy_from_library("clinic-a", "t-1", "bdi-ii", "c")


def test_a_fhir_questionnaire_imports_into_a_draft(service: ActivitiesService, raw_draft: dict[str, Any]) -> None:
    questionnaire = to_questionnaire(service.get_library_entry("gad-7")["activity"])
    questionnaire["item"].append({"linkId": "scan", "type": "attachment", "text": "Upload a scan"})

    imported = service.import_questionnaire("clinic-a", "t-1", questionnaire, "c")

    assert imported["activity"]["draft"]["measure"] == "GAD-7"
    assert len(imported["activity"]["draft"]["items"]) == 8  # the 7 scored items and the difficulty question
    assert imported["unmapped"] == [
        {"link_id": "scan", "problem": "Item type 'attachment' has no Interlude equivalent; left out."}
    ]


def test_a_questionnaire_that_maps_to_a_bad_activity_stores_nothing(
    service: ActivitiesService, memory_app: ActivitiesApplication
) -> None:
    before = stored(memory_app)
    empty = {"resourceType": "Questionnaire", "title": "Nothing", "item": []}

    with pytest.raises(ValidationFailed) as caught:
        service.import_questionnaire("clinic-a", "t-1", empty, "c")
    assert "items" in caught.value.fields["questionnaire"]
    with pytest.raises(ValidationFailed):
        service.import_questionnaire("clinic-a", "t-1", {"resourceType": "Patient"}, "c")
    assert stored(memory_app) == before


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["items"].append(deepcopy(d["items"][0])),
        lambda d: d["items"][1].update(show_if={"all": [{"item_id": "note", "operator": "answered"}]}),
        lambda d: d.update(title="Hello {{client.surname}}"),
        lambda d: d["items"][0].update(min=10),
        lambda d: d.update(
            scoring={
                "total": {
                    "items": ["mood"],
                    "bands": [{"min": 0, "max": 3, "label": "a"}, {"min": 5, "max": 10, "label": "b"}],
                }
            }
        ),
    ],
    ids=["duplicate-id", "branch-on-later-item", "unknown-token", "scale-min-not-below-max", "band-gap"],
)
def test_a_malformed_activity_is_refused_and_nothing_is_stored(
    service: ActivitiesService, memory_app: ActivitiesApplication, raw_draft: dict[str, Any], change: Any
) -> None:
    before = stored(memory_app)
    change(raw_draft)

    with pytest.raises(ValidationFailed) as caught:
        service.create_activity("clinic-a", "t-1", raw_draft, "c")
    assert caught.value.fields
    assert stored(memory_app) == before
