"""Interface tests of the read-only FHIR API (routes/fhir.py), the RPC proxies mocked as in test_routes.py.

Every answer, data or error, is checked as a FHIR R4 resource with fhir.resources.
"""

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from test_routes import ACTIVITY_ID, ASSIGNMENT_ID, CLIENT_CALLER, THERAPIST_CALLER, Gateway

from interlude_contracts.errors import NotFound
from interlude_gateway.auth import CLINIC_ADMIN, Caller

FHIR_JSON = "application/fhir+json"
ADMIN_CALLER = Caller(subject="admin-1", role=CLINIC_ADMIN, clinic_id="clinic-a")
QUESTIONNAIRE = {"resourceType": "Questionnaire", "id": ACTIVITY_ID, "status": "active", "url": "http://x/phq9"}


def submitted(assignment_id: str, submitted_at: str, **extra: Any) -> dict[str, Any]:
    return {
        "assignment_id": assignment_id,
        "clinic_id": "clinic-a",
        "client_id": "client-ada",
        "activity_id": ACTIVITY_ID,
        "activity_version": 1,
        "status": "submitted",
        "submitted_at": submitted_at,
        "answers": {"mood": 3},
        "scores": {"total": {"value": 3}},
        "risk_flags": [],
        **extra,
    }


def response_of(assignment: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "QuestionnaireResponse",
        "id": assignment["assignment_id"],
        "questionnaire": "http://x/phq9|1",
        "status": "completed",
        "authored": assignment["submitted_at"],
        "item": [{"linkId": "mood", "answer": [{"valueInteger": 3}]}],
    }


def fhir(response: requests.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == FHIR_JSON
    return response.json()


def outcome(response: requests.Response, status: int, code: str) -> OperationOutcome:
    parsed = OperationOutcome.parse_obj(fhir(response, status))
    assert parsed.issue[0].code == code and parsed.issue[0].severity == "error"
    return parsed


def test_the_capability_statement_needs_no_token_and_names_what_is_served(gateway: Gateway) -> None:
    statement = CapabilityStatement.parse_obj(fhir(gateway.request("GET", "/fhir/metadata")))

    served = {resource.type: resource for resource in statement.rest[0].resource}
    assert set(served) == {"Questionnaire", "QuestionnaireResponse"}
    assert {p.name for p in served["QuestionnaireResponse"].searchParam} >= {"subject", "questionnaire", "authored"}
    assert statement.fhirVersion == "4.0.1"


def test_fhir_errors_are_operation_outcomes(gateway: Gateway) -> None:
    unauthenticated = gateway.request("GET", f"/fhir/Questionnaire/{ACTIVITY_ID}")
    outcome(unauthenticated, 401, "login")
    assert unauthenticated.headers["WWW-Authenticate"] == "Bearer"
    outcome(gateway.request("GET", f"/fhir/Questionnaire/{ACTIVITY_ID}", CLIENT_CALLER), 403, "forbidden")
    gateway.activities.fhir_questionnaire.side_effect = NotFound("No such activity.", {"activity_id": ["x"]})
    missing = outcome(gateway.request("GET", f"/fhir/Questionnaire/{ACTIVITY_ID}", THERAPIST_CALLER), 404, "not-found")
    assert missing.issue[1].expression == ["activity_id"]
    outcome(gateway.request("GET", "/fhir/Questionnaire?status=gone", THERAPIST_CALLER), 400, "invalid")
    outcome(gateway.request("GET", "/fhir/Questionnaire?_count=0", THERAPIST_CALLER), 400, "invalid")


def test_a_questionnaire_is_read_from_the_callers_clinic(gateway: Gateway) -> None:
    gateway.activities.fhir_questionnaire.return_value = QUESTIONNAIRE

    read = fhir(gateway.request("GET", f"/fhir/Questionnaire/{ACTIVITY_ID}", THERAPIST_CALLER))

    assert read == QUESTIONNAIRE
    gateway.activities.fhir_questionnaire.assert_called_once_with("clinic-a", ACTIVITY_ID)


def test_questionnaires_are_searched_and_paged_in_a_searchset_bundle(gateway: Gateway) -> None:
    found = [{**QUESTIONNAIRE, "id": f"q{n}"} for n in range(3)]
    gateway.activities.search_questionnaires.return_value = found

    page = fhir(gateway.request("GET", "/fhir/Questionnaire?url=http://x/phq9&_count=2", THERAPIST_CALLER))
    second = fhir(gateway.request("GET", "/fhir/Questionnaire?url=http://x/phq9&_count=2&_offset=2", THERAPIST_CALLER))

    Bundle.parse_obj(page)
    assert (page["type"], page["total"]) == ("searchset", 3)
    assert [entry["resource"]["id"] for entry in page["entry"]] == ["q0", "q1"]
    assert page["entry"][0]["fullUrl"].endswith("/fhir/Questionnaire/q0")
    following = next(link["url"] for link in page["link"] if link["relation"] == "next")
    assert parse_qs(urlparse(following).query) == {"url": ["http://x/phq9"], "_count": ["2"], "_offset": ["2"]}
    assert [entry["resource"]["id"] for entry in second["entry"]] == ["q2"]
    assert "next" not in {link["relation"] for link in second["link"]}
    gateway.activities.search_questionnaires.assert_called_with("clinic-a", "http://x/phq9", None, None)
    gateway.request("GET", "/fhir/Questionnaire?title=PHQ&status=active", THERAPIST_CALLER)
    gateway.activities.search_questionnaires.assert_called_with("clinic-a", None, "PHQ", "active")


def test_a_response_is_read_in_the_callers_scope_and_audited(gateway: Gateway) -> None:
    assignment = submitted(ASSIGNMENT_ID, "2026-03-01T08:00:00+00:00")
    gateway.assignments.get_assignment.return_value = assignment
    gateway.activities.questionnaire_response.side_effect = response_of

    read = fhir(gateway.request("GET", f"/fhir/QuestionnaireResponse/{ASSIGNMENT_ID}", THERAPIST_CALLER))

    assert read["id"] == ASSIGNMENT_ID
    gateway.assignments.get_assignment.assert_called_once_with("clinic-a", ASSIGNMENT_ID, therapist_id="therapist-1")
    gateway.activities.questionnaire_response.assert_called_once_with(assignment)
    assert gateway.identity.record_audit.call_args.args[1]["client_id"] == "client-ada"


def test_a_client_reads_their_own_response_without_scores(gateway: Gateway) -> None:
    gateway.assignments.get_assignment.return_value = submitted(ASSIGNMENT_ID, "2026-03-01T08:00:00+00:00")
    gateway.activities.questionnaire_response.side_effect = response_of

    fhir(gateway.request("GET", f"/fhir/QuestionnaireResponse/{ASSIGNMENT_ID}", CLIENT_CALLER))

    gateway.assignments.get_assignment.assert_called_once_with("clinic-a", ASSIGNMENT_ID, client_id="client-ada")
    sent = gateway.activities.questionnaire_response.call_args.args[0]
    assert "scores" not in sent and "risk_flags" not in sent


def test_an_unanswered_assignment_has_no_response(gateway: Gateway) -> None:
    gateway.assignments.get_assignment.return_value = submitted(ASSIGNMENT_ID, None) | {"status": "assigned"}

    outcome(gateway.request("GET", f"/fhir/QuestionnaireResponse/{ASSIGNMENT_ID}", ADMIN_CALLER), 404, "not-found")

    gateway.assignments.get_assignment.assert_called_once_with("clinic-a", ASSIGNMENT_ID)
    gateway.activities.questionnaire_response.assert_not_called()


def test_responses_are_searched_by_subject_authored_and_questionnaire(gateway: Gateway) -> None:
    listed = [
        submitted("a-jan", "2026-01-10T09:00:00+00:00"),
        submitted("a-feb", "2026-02-10T09:00:00+00:00"),
        submitted("a-open", None) | {"status": "assigned"},
        submitted("a-mar", "2026-03-10T09:00:00+01:00"),
    ]
    gateway.assignments.list_for_client.return_value = listed
    gateway.activities.questionnaire_responses.side_effect = lambda batch: [response_of(a) for a in batch]

    def ids(query: str) -> list[str]:
        bundle = fhir(gateway.request("GET", f"/fhir/QuestionnaireResponse?{query}", THERAPIST_CALLER))
        Bundle.parse_obj(bundle)
        return [entry["resource"]["id"] for entry in bundle.get("entry", [])]

    assert ids("subject=Patient/client-ada") == ["a-mar", "a-feb", "a-jan"]
    assert ids("subject=client-ada&authored=ge2026-02&authored=lt2026-03-10") == ["a-feb"]
    assert ids("subject=client-ada&authored=2026-01-10") == ["a-jan"]
    assert ids("subject=client-ada&questionnaire=http://x/phq9") == ["a-mar", "a-feb", "a-jan"]
    assert ids(f"subject=client-ada&questionnaire=Questionnaire/{ACTIVITY_ID}&_count=1") == ["a-mar"]
    assert ids("subject=client-ada&questionnaire=http://y") == []
    gateway.identity.require_client.assert_called_with(THERAPIST_CALLER.as_dict(), "client-ada")
    gateway.assignments.list_for_client.assert_called_with("clinic-a", "client-ada", therapist_id="therapist-1")
    outcome(gateway.request("GET", "/fhir/QuestionnaireResponse", THERAPIST_CALLER), 400, "invalid")
    outcome(
        gateway.request("GET", "/fhir/QuestionnaireResponse?subject=client-ada&authored=soon", THERAPIST_CALLER),
        400,
        "invalid",
    )


@pytest.mark.parametrize("query", ["", "?subject=Patient/client-ada", "?patient=client-ada"])
def test_a_client_searches_only_their_own_responses(gateway: Gateway, query: str) -> None:
    gateway.assignments.list_for_client.return_value = [submitted("a-jan", "2026-01-10T09:00:00+00:00")]
    gateway.activities.questionnaire_responses.side_effect = lambda batch: [response_of(a) for a in batch]

    bundle = fhir(gateway.request("GET", f"/fhir/QuestionnaireResponse{query}", CLIENT_CALLER))

    assert bundle["total"] == 1
    gateway.assignments.list_for_client.assert_called_once_with("clinic-a", "client-ada", therapist_id=None)
    assert "scores" not in gateway.activities.questionnaire_responses.call_args.args[0][0]


def test_a_client_searching_another_clients_responses_is_refused_without_reading(gateway: Gateway) -> None:
    outcome(gateway.request("GET", "/fhir/QuestionnaireResponse?subject=client-bob", CLIENT_CALLER), 404, "not-found")

    gateway.assignments.list_for_client.assert_not_called()
