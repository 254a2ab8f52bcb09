"""Real public FHIR R4 Questionnaires (fhir_questionnaires/, sources in its README) import, publish,
get answered and export as valid R4 resources; each lists what it could not map."""

import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from nameko.testing.services import worker_factory

from interlude_activities import library
from interlude_activities.application import ActivitiesApplication
from interlude_activities.fhir import to_questionnaire
from interlude_activities.service import ActivitiesService
from interlude_activity_model.answers import answer_errors
from interlude_activity_model.branching import visible_item_ids
from interlude_activity_model.scoring import score_response
from interlude_contracts.activity import DISPLAY_TYPES
from interlude_contracts.errors import ValidationFailed

CORPUS = Path(__file__).parent / "fhir_questionnaires"
REFUSED = {"stu3-argonaut-sampler.json", "argonaut-asq3.json"}  # STU3-shaped (item.option)
IMPORTED = sorted(path.name for path in CORPUS.glob("*.json") if path.name not in REFUSED)


@pytest.fixture
def service(memory_app: ActivitiesApplication) -> ActivitiesService:
    return worker_factory(ActivitiesService, app=memory_app, metrics=None)


def questionnaire(name: str) -> dict[str, Any]:
    return json.loads((CORPUS / name).read_text())


def sample_answer(item: dict[str, Any]) -> Any:
    kind = item["type"]
    if kind == "single_choice":
        return item["options"][0]["value"]
    if kind == "multiple_choice":
        return [option["value"] for option in item["options"][: max(1, item.get("min_selections", 1))]]
    if kind in ("number", "linear_scale"):
        return item.get("min", 1)
    if kind == "yes_no":
        return True
    if kind == "date":
        return "2024-03-01"
    if kind == "time":
        return "08:30"
    return "An answer"[: item.get("max_length", 100)]


def answer_everything(version: dict[str, Any]) -> dict[str, Any]:
    """Answers every question that shows, until answering shows no more."""
    by_id = {item["id"]: item for item in version["items"]}
    answers: dict[str, Any] = {}
    for _ in range(len(by_id) + 1):
        shown = [i for i in visible_item_ids(version, answers) if by_id[i]["type"] not in DISPLAY_TYPES]
        settled = {item_id: answers.get(item_id, sample_answer(by_id[item_id])) for item_id in shown}
        if settled == answers:
            break
        answers = settled
    return answers


def link_ids(items: list[dict[str, Any]]) -> set[str]:
    return {each["linkId"] for each in items} | {i for each in items for i in link_ids(each.get("item") or [])}


def paths(items: list[dict[str, Any]], above: tuple[str, ...] = ()) -> dict[tuple[str, ...], dict[str, Any]]:
    """Every item (of a Questionnaire or a QuestionnaireResponse) by the linkIds leading to it."""
    found = {}
    for each in items:
        path = (*above, each["linkId"])
        found[path] = each
        found.update(paths(each.get("item") or [], path))
    return found


def group_paths(items: list[dict[str, Any]]) -> set[tuple[str, ...]]:
    return {path for path, item in paths(items).items() if item.get("type") == "group"}


VALUE_TYPES = {
    "integer": "valueInteger",
    "decimal": "valueDecimal",
    "choice": "valueCoding",
    "string": "valueString",
    "text": "valueString",
    "boolean": "valueBoolean",
    "date": "valueDate",
    "time": "valueTime",
}


def assert_response_agrees_with(response: dict[str, Any], questionnaire: dict[str, Any]) -> None:
    """Each answered item sits where the questionnaire nests it, answered in the item's own value type."""
    asked = paths(questionnaire["item"])
    for path, item in paths(response["item"]).items():
        assert path in asked, path
        for answer in item.get("answer") or []:
            value_keys = [key for key in answer if key.startswith("value")]
            assert value_keys == [VALUE_TYPES[asked[path]["type"]]], (path, answer)


def test_the_corpus_is_large_and_real() -> None:
    assert len(IMPORTED) >= 12
    readme = (CORPUS / "README.md").read_text()
    assert all(f"`{path.name}`" in readme for path in CORPUS.glob("*.json"))


@pytest.mark.parametrize("name", IMPORTED)
def test_a_real_questionnaire_imports_publishes_is_answered_and_exports(service: ActivitiesService, name: str) -> None:
    imported = service.import_questionnaire("clinic-a", "t-1", questionnaire(name), "c")
    activity_id = imported["activity"]["activity_id"]
    service.publish_activity("clinic-a", activity_id, "t-1", "c")
    version = service.get_version("clinic-a", activity_id, 1)

    answers = answer_everything(version)
    assert answer_errors(version["items"], answers, version.get("pages")) == {}
    scores = score_response(version, answers)
    exported = service.version_questionnaire("clinic-a", activity_id, 1)
    response = service.questionnaire_response(
        {
            "assignment_id": "5d0c2f4e-1b7a-4c8e-9f60-0c9a3e7d2b55",
            "clinic_id": "clinic-a",
            "client_id": "client-ada",
            "activity_id": activity_id,
            "activity_version": 1,
            "items": version["items"],
            "status": "submitted",
            "submitted_at": "2026-01-06T09:30:00+00:00",
            "answers": answers,
            "scores": scores["scores"],
        }
    )

    Questionnaire.parse_obj(exported)
    QuestionnaireResponse.parse_obj(response)
    assert link_ids(response["item"]) <= link_ids(exported["item"])
    assert link_ids(response["item"]) <= link_ids(questionnaire(name)["item"])
    assert_response_agrees_with(response, exported)
    assert all(set(entry) == {"link_id", "problem"} and entry["problem"] for entry in imported["unmapped"])


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_an_stu3_questionnaire_is_refused_naming_why(service: ActivitiesService, name: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        service.import_questionnaire("clinic-a", "t-1", questionnaire(name), "c")

    assert "STU3" in json.dumps(caught.value.fields)


EXPECTED_UNMAPPED = json.loads((Path(__file__).parent / "fhir_corpus_unmapped.json").read_text())


@pytest.mark.parametrize("name", IMPORTED)
def test_every_corpus_questionnaire_lists_exactly_what_it_could_not_map(service: ActivitiesService, name: str) -> None:
    """The reviewed list per questionnaire (fhir_corpus_unmapped.json): a change in what is lost shows here."""
    unmapped = service.import_questionnaire("clinic-a", "t-1", questionnaire(name), "c")["unmapped"]

    assert [f"{entry['link_id']}: {entry['problem']}" for entry in unmapped] == EXPECTED_UNMAPPED[name]


def test_what_the_corpus_cannot_map_is_listed(service: ActivitiesService) -> None:
    def problems(name: str) -> list[str]:
        unmapped = service.import_questionnaire("clinic-a", "t-1", questionnaire(name), "c")["unmapped"]
        return [f"{entry['link_id']}: {entry['problem']}" for entry in unmapped]

    assert problems("metabolic-panel.json") == []
    assert problems("question-under-question.json") == ["q1: Items nested under this question were put after it."]
    assert problems("argonaut-phq9.json") == [
        "g1.s: A hidden item was left out.",
        ": Recognised as the PHQ-9 by its LOINC code: scored with its published rules.",
    ]
    assert problems("sdc-phq9.json") == ["H1/TS: Calculated sum of ordinal values kept as the activity's total score."]
    assert problems("researchkit-date-time.json") == [
        "af50f8ea-1298-42ce-8d6b-f6b88ce1ca88: A dateTime item is answered as a date."
    ]
    assert "3.2: No options could be read from http://loinc.org/vs/LL715-4; answered as free text." in problems(
        "sdc-render.json"
    )
    assert "1.1.1: enableWhen of a nested group applies to its heading only; its items always show." in problems(
        "sdc-cap.json"
    )
    assert "Item-attachment: Item type 'attachment' has no Interlude equivalent; left out." in problems(
        "bit-of-everything.json"
    )
    assert any(p.startswith("/88124-3: Calculated item left out") for p in problems("hunger-vital-signs.json"))


def test_a_whole_number_slider_is_a_linear_scale(service: ActivitiesService) -> None:
    imported = service.import_questionnaire("clinic-a", "t-1", questionnaire("researchkit-slider.json"), "c")

    (item,) = imported["activity"]["draft"]["items"]
    assert (item["type"], item["min"], item["max"]) == ("linear_scale", 0, 10)
    assert imported["unmapped"] == []


def test_linkids_that_are_not_item_ids_are_kept_and_given_back(service: ActivitiesService) -> None:
    imported = service.import_questionnaire("clinic-a", "t-1", questionnaire("loinc-phq9.json"), "c")
    first = imported["activity"]["draft"]["items"][0]
    exported = service.draft_questionnaire("clinic-a", imported["activity"]["activity_id"])

    assert (first["id"], first["link_id"]) == ("q_44250-9", "/44250-9")
    assert exported["item"][0]["linkId"] == "/44250-9"
    assert exported["item"][0]["answerOption"][0]["valueCoding"]["code"] == "LA6568-5"


PHQ9_FROM_OUTSIDE = ["loinc-phq9.json", "argonaut-phq9.json", "sdc-phq9.json"]
PHQ9_CODED = ["loinc-phq9.json", "argonaut-phq9.json"]  # carry LOINC 44249-1 and their items' codes


def nth_option_answers(activity: dict[str, Any]) -> dict[str, Any]:
    """The same answers for any PHQ-9: the n-th scored item gets its option scoring n mod 4."""
    scored = [item for item in activity["items"] if item["id"] in activity["scoring"]["total"]["items"]]
    return {
        item["id"]: next(option["value"] for option in item["options"] if option["score"] == n % 4)
        for n, item in enumerate(scored)
    }


@pytest.mark.parametrize("name", PHQ9_FROM_OUTSIDE)
def test_an_imported_phq9_scores_like_the_library_phq9(service: ActivitiesService, name: str) -> None:
    draft = service.import_questionnaire("clinic-a", "t-1", questionnaire(name), "c")["activity"]["draft"]
    ours = library.entry("phq-9")["activity"]

    imported_total = score_response(draft, nth_option_answers(draft))["scores"]["total"]["value"]
    assert imported_total == score_response(ours, nth_option_answers(ours))["scores"]["total"]["value"] == 12
    assert len(draft["scoring"]["total"]["items"]) == 9
    assert not {"/44261-6", "H1/TS"} & {item.get("link_id") for item in draft["items"]}  # the total is not asked


@pytest.mark.parametrize("name", PHQ9_CODED)
def test_a_coded_phq9_takes_the_librarys_bands_cutoff_and_suicide_risk_rule(
    service: ActivitiesService, name: str
) -> None:
    imported = service.import_questionnaire("clinic-a", "t-1", questionnaire(name), "c")
    draft = imported["activity"]["draft"]
    ours = library.entry("phq-9")["activity"]
    item9 = next(item for item in draft["items"] if "44260-8" in {code["code"] for code in item.get("codes", [])})
    several_days = next(option["value"] for option in item9["options"] if option["score"] == 1)
    not_at_all = next(option["value"] for option in item9["options"] if option["score"] == 0)

    flagged = score_response(draft, {item9["id"]: several_days})
    calm = score_response(draft, {item9["id"]: not_at_all})

    assert draft["measure"] == "PHQ-9"
    assert draft["scoring"]["total"]["bands"] == ours["scoring"]["total"]["bands"]
    assert draft["scoring"]["total"]["cutoff"] == ours["scoring"]["total"]["cutoff"] == 10
    assert [flag["rule_id"] for flag in flagged["risk_flags"]] == ["phq9-item9"]
    assert calm["risk_flags"] == []
    assert any(entry["problem"].startswith("Recognised as the PHQ-9") for entry in imported["unmapped"])


def test_a_questionnaire_coded_phq9_without_all_its_items_is_not_scored_as_the_phq9(
    service: ActivitiesService,
) -> None:
    partial = questionnaire("loinc-phq9.json")
    partial["item"] = [item for item in partial["item"] if item["linkId"] != "/44260-8"]

    imported = service.import_questionnaire("clinic-a", "t-1", partial, "c")

    assert "measure" not in imported["activity"]["draft"]
    assert "risk_rules" not in imported["activity"]["draft"].get("scoring", {})
    assert any("44260-8 is missing" in entry["problem"] for entry in imported["unmapped"])


@pytest.mark.parametrize("slug", sorted(library.entries()))
def test_every_library_entry_exports_a_valid_r4_questionnaire(slug: str) -> None:
    Questionnaire.parse_obj(to_questionnaire(library.entry(slug)["activity"], "urn:interlude:activity:x"))


@pytest.mark.parametrize(
    "name", ["loinc-4712701-nested.json", "sdc-cardiology.json", "ussg-family-health-portrait.json"]
)
def test_nested_groups_are_nested_again_on_export(service: ActivitiesService, name: str) -> None:
    original = questionnaire(name)
    imported = service.import_questionnaire("clinic-a", "t-1", original, "c")
    exported = service.draft_questionnaire("clinic-a", imported["activity"]["activity_id"])

    assert group_paths(exported["item"]) <= group_paths(original["item"])
    assert max(map(len, group_paths(exported["item"]))) == max(map(len, group_paths(original["item"])))
    assert not any("flattened" in entry["problem"] for entry in imported["unmapped"])


def test_a_questionnaires_identity_and_codes_are_kept_and_given_back(service: ActivitiesService) -> None:
    original = questionnaire("weight-height.json")
    imported = service.import_questionnaire("clinic-a", "t-1", original, "c")
    activity_id = imported["activity"]["activity_id"]
    exported = service.draft_questionnaire("clinic-a", activity_id)

    assert exported["url"] == original["url"] == imported["activity"]["draft"]["canonical_url"]
    assert exported["identifier"] == [{k: i[k] for k in ("system", "value") if k in i} for i in original["identifier"]]
    assert exported["code"] == original["code"]
    codes = {link: item.get("code") for (*_, link), item in paths(original["item"]).items() if item.get("code")}
    given_back = {link: item.get("code") for (*_, link), item in paths(exported["item"]).items() if link in codes}
    assert given_back and all(given_back[link] == codes[link] for link in given_back)


def test_a_response_names_the_imported_questionnaires_canonical_url_and_version(service: ActivitiesService) -> None:
    original = questionnaire("sdc-cardiology.json")
    activity_id = service.import_questionnaire("clinic-a", "t-1", original, "c")["activity"]["activity_id"]
    service.publish_activity("clinic-a", activity_id, "t-1", "c")
    version = service.get_version("clinic-a", activity_id, 1)
    assignment = {
        "assignment_id": "5d0c2f4e-1b7a-4c8e-9f60-0c9a3e7d2b55",
        "clinic_id": "clinic-a",
        "client_id": "client-ada",
        "activity_id": activity_id,
        "activity_version": 1,
        "items": version["items"],
        "status": "submitted",
        "answers": answer_everything(version),
    }

    exported = service.version_questionnaire("clinic-a", activity_id, 1)
    response = service.questionnaire_response(assignment)

    assert (exported["url"], exported["version"]) == (original["url"], original["version"])
    assert response["questionnaire"] == f"{original['url']}|{original['version']}"
    assert max(map(len, paths(response["item"]))) > 2  # nested below the page's group


def test_the_library_phq9_and_gad7_carry_their_loinc_codes() -> None:
    phq9 = to_questionnaire(library.entry("phq-9")["activity"], "urn:interlude:activity:x")
    gad7 = to_questionnaire(library.entry("gad-7")["activity"], "urn:interlude:activity:x")

    assert {"system": "http://loinc.org", "code": "44249-1"}.items() <= phq9["code"][0].items()
    assert {"system": "http://loinc.org", "code": "69737-5"}.items() <= gad7["code"][0].items()
    assert phq9["item"][0]["code"] == [{"system": "http://loinc.org", "code": "44250-9"}]
    assert [item["code"][0]["code"] for item in gad7["item"][:7]] == [
        "69725-0",
        "68509-9",
        "69733-4",
        "69734-2",
        "69735-9",
        "69689-8",
        "69736-7",
    ]
