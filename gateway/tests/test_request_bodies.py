"""Interface tests of how the gateway reads request bodies: one parser for every JSON route.

A body that is not plain, bounded JSON of an accepted media type is refused
with a problem (400, or 415 for the media type) before any service is called:
deep nesting, huge integers, non-finite numbers, lone surrogates, invalid
UTF-8. Same mocking policy as test_routes.py (only the RPC proxies are mocks).
"""

import logging
from typing import Any

import pytest
from test_routes import (
    ASSIGNMENT_ID,
    CLIENT_CALLER,
    DRAFT,
    THERAPIST_CALLER,
    Gateway,
    assert_no_rpc,
    assert_problem,
)

from interlude_contracts.errors import NotFound
from interlude_gateway.auth import Caller
from interlude_gateway.web import MAX_INTEGER_DIGITS, MAX_NESTING

SUBMIT = f"/assignments/{ASSIGNMENT_ID}/responses"
NESTED_1000 = b'{"answers": {"mood": ' + b"[" * 1000 + b"]" * 1000 + b"}}"

# (method, path, caller): representative routes of each kind, with and without a token
DEEP_NESTING_ROUTES = [
    ("POST", "/auth/token", None),
    ("POST", SUBMIT, CLIENT_CALLER),
    ("POST", "/activities/fhir", THERAPIST_CALLER),
    ("PUT", "/me/notification-preferences", CLIENT_CALLER),
    ("PUT", "/clients/client-ada/notification-preferences", THERAPIST_CALLER),
    ("POST", "/clients/client-ada/follow-ups", THERAPIST_CALLER),
]


def send(
    gateway: Gateway, method: str, path: str, caller: Caller | None, raw: bytes, content_type: str = "application/json"
) -> Any:
    return gateway.request(method, path, caller, data=raw, headers={"Content-Type": content_type})


def nested(depth: int) -> bytes:
    """An object whose one field holds lists nested so the whole body is ``depth`` levels deep."""
    return b'{"answers": {"mood": ' + b"[" * (depth - 2) + b"1" + b"]" * (depth - 2) + b"}}"


@pytest.mark.parametrize(("method", "path", "caller"), DEEP_NESTING_ROUTES)
def test_a_deeply_nested_body_is_400_before_any_call(
    gateway: Gateway, method: str, path: str, caller: Caller | None
) -> None:
    response = send(gateway, method, path, caller, NESTED_1000)

    body = assert_problem(response, 400, "malformed_json")
    assert set(body["errors"]) == {"_body"}
    assert str(MAX_NESTING) in body["detail"]
    assert_no_rpc(gateway)


def test_nesting_up_to_the_limit_is_read(gateway: Gateway) -> None:
    gateway.assignments.submit_response.return_value = {"client_id": "client-ada"}

    accepted = send(gateway, "POST", SUBMIT, CLIENT_CALLER, nested(MAX_NESTING))
    refused = send(gateway, "POST", SUBMIT, CLIENT_CALLER, nested(MAX_NESTING + 1))

    assert accepted.status_code == 201, accepted.text
    assert_problem(refused, 400, "malformed_json")


@pytest.mark.parametrize("digits", [5001, MAX_INTEGER_DIGITS + 1])
def test_an_integer_with_too_many_digits_is_400_naming_the_field(gateway: Gateway, digits: int) -> None:
    raw = b'{"answers": {"mood": ' + b"9" * digits + b"}}"

    response = send(gateway, "POST", SUBMIT, CLIENT_CALLER, raw)

    body = assert_problem(response, 400, "malformed_json")
    assert set(body["errors"]) == {"answers"}
    assert_no_rpc(gateway)


def test_an_integer_within_the_limit_is_passed_on(gateway: Gateway) -> None:
    gateway.assignments.submit_response.return_value = {"client_id": "client-ada"}
    raw = b'{"answers": {"mood": -' + b"9" * MAX_INTEGER_DIGITS + b"}}"

    assert send(gateway, "POST", SUBMIT, CLIENT_CALLER, raw).status_code == 201
    assert gateway.assignments.submit_response.call_args.args[3] == {"answers": {"mood": -int("9" * 100)}}


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
def test_a_number_that_is_not_finite_is_400(gateway: Gateway, number: bytes) -> None:
    gateway.assignments.submit_response.return_value = {"client_id": "client-ada"}
    response = send(gateway, "POST", SUBMIT, CLIENT_CALLER, b'{"answers": {"mood": ' + number + b"}}")

    body = assert_problem(response, 400, "malformed_json")
    assert set(body["errors"]) == {"answers"}
    assert_no_rpc(gateway)


@pytest.mark.parametrize(
    ("method", "path", "caller", "raw", "field"),
    [
        ("POST", SUBMIT, CLIENT_CALLER, rb'{"answers": {"mood": "\ud800"}}', "answers"),
        ("POST", SUBMIT, CLIENT_CALLER, rb'{"answers": {"\udfff": "fine"}}', "answers"),
        ("POST", SUBMIT, CLIENT_CALLER, rb'{"answers": {"mood": ["ok", "x\ud83d"]}}', "answers"),
        ("PUT", "/me/notification-preferences", CLIENT_CALLER, rb'{"name": "Ada \ud800"}', "name"),
        ("POST", "/invitations", THERAPIST_CALLER, rb'{"username": "ada", "display_name": "\udc00"}', "display_name"),
        ("POST", "/auth/token", None, rb'{"\ud800": 1, "username": "ada", "password": "pw"}', "_body"),
    ],
)
def test_a_lone_surrogate_anywhere_is_400_naming_the_field(
    gateway: Gateway, method: str, path: str, caller: Caller | None, raw: bytes, field: str
) -> None:
    response = send(gateway, method, path, caller, raw)

    body = assert_problem(response, 400, "malformed_json")
    assert set(body["errors"]) == {field}
    assert_no_rpc(gateway)


def test_a_surrogate_pair_is_a_character_and_is_passed_on(gateway: Gateway) -> None:
    gateway.assignments.submit_response.return_value = {"client_id": "client-ada"}

    response = send(gateway, "POST", SUBMIT, CLIENT_CALLER, rb'{"answers": {"mood": "\ud83d\ude00"}}')

    assert response.status_code == 201, response.text
    assert gateway.assignments.submit_response.call_args.args[3] == {"answers": {"mood": "\N{GRINNING FACE}"}}


@pytest.mark.parametrize("raw", [b'{"answers": {"mood": "caf\xe9"}}', b'{"answers": {"mood": "\xed\xa0\x80"}}'])
def test_invalid_utf8_is_400_not_replacement_characters(gateway: Gateway, raw: bytes) -> None:
    response = send(gateway, "POST", SUBMIT, CLIENT_CALLER, raw)

    body = assert_problem(response, 400, "malformed_json")
    assert set(body["errors"]) == {"_body"}
    assert "UTF-8" in body["detail"]
    assert_no_rpc(gateway)


# -- media types ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "caller"),
    [
        ("POST", "/activities", THERAPIST_CALLER),
        ("POST", "/auth/token", None),
        ("POST", SUBMIT, CLIENT_CALLER),
        ("PUT", "/clients/client-ada/notification-preferences", THERAPIST_CALLER),
        ("POST", f"/assignments/{ASSIGNMENT_ID}/open", CLIENT_CALLER),
    ],
)
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_a_body_of_another_media_type_is_415_before_any_call(
    gateway: Gateway, method: str, path: str, caller: Caller | None, content_type: str
) -> None:
    response = gateway.request(method, path, caller, data=b"{}", headers={"Content-Type": content_type})

    body = assert_problem(response, 415, "unsupported_media_type")
    assert body["errors"] == {"Content-Type": ["application/json"]}
    assert_no_rpc(gateway)


def test_json_with_a_charset_other_than_utf8_is_415(gateway: Gateway) -> None:
    headers = {"Content-Type": "application/json; charset=latin-1"}

    response = gateway.request("POST", "/activities", THERAPIST_CALLER, data=b"{}", headers=headers)

    assert_problem(response, 415, "unsupported_media_type")
    assert_no_rpc(gateway)


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON"])
def test_json_media_types_are_read(gateway: Gateway, content_type: str) -> None:
    gateway.activities.create_activity.return_value = {"activity_id": "a"}

    response = send(gateway, "POST", "/activities", THERAPIST_CALLER, b'{"title": "x", "items": []}', content_type)

    assert response.status_code != 415, response.text


def test_fhir_import_also_accepts_fhir_json_and_only_json(gateway: Gateway) -> None:
    gateway.activities.import_questionnaire.return_value = {"activity": {}, "unmapped": []}
    raw = b'{"resourceType": "Questionnaire", "item": []}'

    as_fhir = send(gateway, "POST", "/activities/fhir", THERAPIST_CALLER, raw, "application/fhir+json")
    as_xml = send(gateway, "POST", "/activities/fhir", THERAPIST_CALLER, raw, "application/fhir+xml")

    assert as_fhir.status_code == 201, as_fhir.text
    body = assert_problem(as_xml, 415, "unsupported_media_type")
    assert body["errors"] == {"Content-Type": ["application/fhir+json", "application/json"]}
    assert gateway.activities.import_questionnaire.call_count == 1


def test_fhir_json_is_not_accepted_where_fhir_is_not(gateway: Gateway) -> None:
    headers = {"Content-Type": "application/fhir+json"}

    response = gateway.request("POST", "/activities", THERAPIST_CALLER, json=DRAFT, headers=headers)

    assert_problem(response, 415, "unsupported_media_type")


def test_a_body_without_a_content_type_is_read_as_json(gateway: Gateway) -> None:
    gateway.activities.create_activity.return_value = {"activity_id": "a"}

    response = gateway.request("POST", "/activities", THERAPIST_CALLER, data=b'{"title": ')

    assert_problem(response, 400, "malformed_json")


def test_a_token_is_checked_before_the_body(gateway: Gateway) -> None:
    response = gateway.request("POST", SUBMIT, None, data=NESTED_1000, headers={"Content-Type": "text/plain"})

    assert_problem(response, 401, "unauthenticated")


# -- logging ---------------------------------------------------------------------------------------


def test_client_errors_are_not_logged_as_errors(gateway: Gateway, caplog: pytest.LogCaptureFixture) -> None:
    gateway.assignments.get_assignment.side_effect = NotFound("No such assignment.", {"assignment_id": ["?"]})

    with caplog.at_level(logging.INFO):
        assert gateway.request("GET", f"/assignments/{ASSIGNMENT_ID}", THERAPIST_CALLER).status_code == 404
        assert send(gateway, "POST", SUBMIT, CLIENT_CALLER, NESTED_1000).status_code == 400

    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []
