"""The API document (``/openapi.json``) describes every operation completely, and the gateway keeps to it.

Walks the served document: every operation that can take a body publishes its schema, and every
response the gateway can give is documented (success, 401/403 with a token, 400/413/415/422 with a
body). Then checks that each route checks its body with the very schema it publishes, and that a
request no route takes is a 404 or 405 problem. Same mocking policy as test_routes.py.
"""

import re
import sys
from pathlib import Path
from typing import Any

import pytest

from interlude_gateway.auth import ANALYST, CLIENT, CLINIC_ADMIN, OPERATOR, THERAPIST, Caller

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_routes import Gateway, assert_no_rpc, assert_problem

BODY_METHODS = ("post", "put", "patch")
JSON_TYPES = re.compile(r"^application/(.+\+)?json$")
CALLERS = {
    role: Caller(f"{role}-1", role, "interlude" if role == OPERATOR else "clinic-a")
    for role in (THERAPIST, CLIENT, CLINIC_ADMIN, ANALYST, OPERATOR)
}


@pytest.fixture
def document(gateway: Gateway) -> dict[str, Any]:
    response = gateway.request("GET", "/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in ("get", "put", "post", "delete", "patch")
    ]


def gaps_of(method: str, path: str, operation: dict[str, Any]) -> list[str]:
    """What the document leaves out about one operation."""
    where = f"{method.upper()} {path}"
    responses = operation["responses"]
    gaps = []
    if not any(status.startswith("2") for status in responses):
        gaps.append(f"{where}: no success response")
    for status, response in responses.items():
        if status != "204" and not response.get("content"):
            gaps.append(f"{where}: the {status} response has no content type")
    if operation.get("security"):
        gaps += [f"{where}: {status} undocumented" for status in ("401", "403") if status not in responses]
    body = operation.get("requestBody")
    if method in BODY_METHODS and body is None:
        gaps.append(f"{where}: takes a body but publishes no requestBody")
    if body is not None:
        for media_type, content in body["content"].items():
            if not content.get("schema"):
                gaps.append(f"{where}: no schema for its {media_type} body")
        expected = ("400", "413", "415", "422")
        gaps += [f"{where}: {status} undocumented (it takes a body)" for status in expected if status not in responses]
    for parameter in operation.get("parameters", []):
        if not parameter.get("schema"):
            gaps.append(f"{where}: parameter {parameter['name']} has no schema")
    return gaps


def test_every_operation_publishes_its_bodies_and_every_response_it_gives(document: dict[str, Any]) -> None:
    gaps = [gap for method, path, operation in operations(document) for gap in gaps_of(method, path, operation)]

    assert not gaps, "\n".join(gaps)


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def body_checks(document: dict[str, Any]) -> list[tuple[str, str, str, list[str]]]:
    """(method, path, role, required fields) of every operation whose published body schema requires fields."""
    checks = []
    for method, path, operation in operations(document):
        body = operation.get("requestBody")
        if body is None or "application/json" not in body["content"]:
            continue
        required = resolve(document, body["content"]["application/json"]["schema"]).get("required", [])
        roles = re.search(r"Roles: ([\w, ]+)\.", operation["description"])
        if required:
            role = roles.group(1).split(", ")[0] if roles else ""
            checks.append((method.upper(), path, role, sorted(required)))
    return checks


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: f"some-{match.group(1)}", path)


def test_each_route_checks_its_body_with_the_schema_it_publishes(gateway: Gateway, document: dict[str, Any]) -> None:
    """An empty object lacks exactly the fields the published schema requires: the route's 422 names them."""
    checks = body_checks(document)
    assert len(checks) > 20
    departures = []
    for method, path, role, required in checks:
        response = gateway.request(method, concrete(path), CALLERS.get(role), json={})
        named = sorted(response.json().get("errors", {})) if response.status_code == 422 else None
        if named != required:
            departures.append(f"{method} {path}: published {required}, answered {response.status_code} {named}")
    assert not departures, "\n".join(departures)
    assert_no_rpc(gateway)


def test_a_command_without_fields_takes_an_empty_body_and_refuses_fields(gateway: Gateway) -> None:
    therapist = CALLERS[THERAPIST]
    gateway.activities.publish_activity.return_value = {"activity_id": "a", "version": 1}

    refused = gateway.request("POST", "/activities/a-1/publish", therapist, json={"surprise": 1})

    assert assert_problem(refused, 422, "validation_failed")["errors"] == {"surprise": ["Unknown field."]}
    assert_no_rpc(gateway)
    assert gateway.request("POST", "/activities/a-1/publish", therapist).status_code == 201
    assert gateway.request("POST", "/activities/a-1/publish", therapist, json={}).status_code == 201


def test_links_lead_from_each_create_to_reading_and_changing_what_it_created(document: dict[str, Any]) -> None:
    def linked(path: str) -> set[str]:
        links = document["paths"][path]["post"]["responses"]["201"].get("links", {})
        return {link["operationId"] for link in links.values()}

    assert {"get_recurrence", "cancel_recurrence"} <= linked("/recurrences")
    assert {"get_pathway", "enrol", "enrolments"} <= linked("/pathways")
    assert {"get_enrolment", "change_enrolment"} <= linked("/pathways/{pathway_id}/enrolments")
    assert {"get_group", "add_group_member", "assign_activity_to_group"} <= linked("/groups")
    assert {"get_activity", "edit_draft", "publish"} <= linked("/activities")
    assert {"get_assignment", "cancel", "submit_response"} <= linked("/assignments")


# -- requests no route takes --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ["/no-such-thing", "/recurrences/r-1/no-such-action", "/"])
def test_an_unknown_path_is_a_404_problem(gateway: Gateway, method: str, path: str) -> None:
    response = gateway.request(method, path, CALLERS[THERAPIST], data=b"not json", headers={"Content-Type": "x/y"})

    assert_problem(response, 404, "not_found")
    assert_no_rpc(gateway)


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/recurrences", "OPTIONS, POST"),
        ("GET", "/assignments", "OPTIONS, POST"),
        ("PATCH", "/assignments/a-1", "GET, HEAD, OPTIONS"),
        ("POST", "/groups/g-1/members/c-1", "DELETE, OPTIONS"),
        ("PUT", "/auth/refresh", "DELETE, OPTIONS, POST"),
    ],
)
def test_a_known_path_with_a_method_it_lacks_is_a_405_problem_naming_its_methods(
    gateway: Gateway, method: str, path: str, allowed: str
) -> None:
    response = gateway.request(method, path)

    body = assert_problem(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == allowed
    assert body["errors"] == {"method": allowed.split(", ")}


def test_a_wrong_method_on_the_fhir_api_is_an_operation_outcome(gateway: Gateway) -> None:
    response = gateway.request("POST", "/fhir/Questionnaire")

    assert response.status_code == 405
    assert response.headers["Content-Type"].startswith("application/fhir+json")
    assert response.json()["resourceType"] == "OperationOutcome"
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
