"""Interface tests of what front ends rely on: the OpenAPI document, pagination, rate limits, CORS,
size limits, idempotency keys, role scoping helpers and the export/erasure routes.

Same mocking policy as test_routes.py: the five RPC proxies are mocks, everything else is real.
"""

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from nameko.testing.services import replace_dependencies
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from interlude_contracts.errors import NotFound
from interlude_contracts.identity import NotAuthenticated
from interlude_gateway.auth import ANALYST, CLIENT, CLINIC_ADMIN, OPERATOR, THERAPIST, Caller, TokenSigner
from interlude_gateway.openapi import NOT_DOCUMENTED, http_routes
from interlude_gateway.policy import Policy, RateLimiter, parse_networks
from interlude_gateway.routes.privacy import EXPORT_KIND
from interlude_gateway.service import GatewayService

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_routes import (
    ASSIGNMENT_ID,
    SECRET,
    Gateway,
    assert_no_rpc,
    assert_problem,
    drop_orphaned_reply_consumer,
    free_port,
)

CLINIC = "clinic-a"
THERAPIST_CALLER = Caller("therapist-1", THERAPIST, CLINIC)
CLIENT_CALLER = Caller("client-ada", CLIENT, CLINIC)
ADMIN_CALLER = Caller("admin-1", CLINIC_ADMIN, CLINIC)
ANALYST_CALLER = Caller("analyst-1", ANALYST, CLINIC)
OPERATOR_CALLER = Caller("operator-1", OPERATOR, "interlude")
FRONT_END = "https://app.example"


@pytest.fixture
def gateway(container_factory: Any, amqp_uri: str) -> Iterator[Gateway]:
    port = free_port()
    config = {
        "AMQP_URI": amqp_uri,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
        "TOKEN_SECRET": SECRET,
        "TOKEN_TTL_SECONDS": 600,
        "LOGIN_RATE_LIMIT": "3/60",
        "LOGIN_ADDRESS_RATE_LIMIT": "8/60",
        "SUBMISSION_RATE_LIMIT": "2/60",
        "CORS_ALLOWED_ORIGINS": f"{FRONT_END}, https://other.example",
    }
    container = container_factory(GatewayService, config)
    proxies = replace_dependencies(container, "activities", "assignments", "notifications", "reporting", "identity")
    drop_orphaned_reply_consumer(container)
    container.start()
    activities, assignments, notifications, reporting, identity = proxies
    identity.require_client.return_value = None
    identity.session_generation.return_value = 0  # every caller's account is active, its tokens current
    yield Gateway(
        url=f"http://127.0.0.1:{port}",
        activities=activities,
        assignments=assignments,
        notifications=notifications,
        reporting=reporting,
        identity=identity,
        signer=TokenSigner(SECRET, 600),
    )
    container.stop()


# -- the OpenAPI document --------------------------------------------------------------------


def test_the_openapi_document_lists_every_route_with_its_contracts(gateway: Gateway) -> None:
    document = gateway.request("GET", "/openapi.json").json()

    assert document["openapi"].startswith("3.")
    documented = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    declared = {
        (method, re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule))
        for method, rule, _ in http_routes(GatewayService)
        if rule not in NOT_DOCUMENTED
    }
    assert documented == declared
    submit = document["paths"]["/assignments/{assignment_id}/responses"]["post"]
    assert submit["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SubmitResponseRequest"
    }
    assert submit["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Assignment"
    }
    assert "Idempotency-Key" in {p["name"] for p in submit["parameters"]}
    assert submit["security"] == [{"bearer": []}] and "client" in submit["description"]
    assert {"limit", "offset"} <= {p["name"] for p in document["paths"]["/me/todo"]["get"]["parameters"]}
    assert "errors" in document["components"]["schemas"]["Problem"]["properties"]


def test_the_docs_page_points_at_the_document(gateway: Gateway) -> None:
    response = gateway.request("GET", "/docs")

    assert response.headers["Content-Type"].startswith("text/html")
    assert "/openapi.json" in response.text


# -- pagination ------------------------------------------------------------------------------


def test_a_list_is_paginated_with_its_total(gateway: Gateway) -> None:
    gateway.assignments.todo.return_value = [{"assignment_id": str(n)} for n in range(5)]

    body = gateway.request("GET", "/me/todo?limit=2&offset=2", CLIENT_CALLER).json()

    assert [a["assignment_id"] for a in body["assignments"]] == ["2", "3"]
    assert body["page"] == {"limit": 2, "offset": 2, "total": 5}


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "offset=-1", "limit=ten", "offset=14181762947731790233600"])
def test_a_page_out_of_range_is_422_naming_it(gateway: Gateway, query: str) -> None:
    response = gateway.request("GET", f"/me/todo?{query}", CLIENT_CALLER)

    body = assert_problem(response, 422, "validation_failed")
    assert set(body["errors"]) == {query.split("=")[0]}


def test_a_service_paginated_list_passes_the_page_to_the_service(gateway: Gateway) -> None:
    gateway.identity.list_clients.return_value = {"clients": [], "total": 7}

    body = gateway.request("GET", "/clients?limit=5&offset=5", THERAPIST_CALLER).json()

    assert body["page"] == {"limit": 5, "offset": 5, "total": 7}
    gateway.identity.list_clients.assert_called_once_with(THERAPIST_CALLER.as_dict(), 5, 5)


# -- rate limits and sizes ----------------------------------------------------------------------


def session_of(caller: Caller) -> dict[str, Any]:
    return {"caller": caller.as_dict(), "refresh_token": "r" * 43, "refresh_expires_in": 60}


def test_logins_beyond_the_limit_are_429_with_retry_after(gateway: Gateway) -> None:
    gateway.identity.authenticate.return_value = session_of(CLIENT_CALLER)
    login = {"username": "ada@clinic.a", "password": "whatever-it-is"}

    statuses = [gateway.request("POST", "/auth/token", json=login).status_code for _ in range(4)]
    other_user = gateway.request("POST", "/auth/token", json={**login, "username": "bo@clinic.a"})

    assert statuses == [200, 200, 200, 429]
    assert other_user.status_code == 200
    limited = gateway.request("POST", "/auth/token", json=login)
    assert_problem(limited, 429, "too_many_requests")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert gateway.identity.authenticate.call_count == 4


def test_one_password_sprayed_over_many_usernames_from_one_address_is_429(gateway: Gateway) -> None:
    gateway.identity.authenticate.side_effect = NotAuthenticated("Wrong username or password.")

    def spray(number: int) -> requests.Response:
        # A forged X-Forwarded-For does not make each attempt look like another address (no trusted proxy here).
        headers = {"X-Forwarded-For": f"203.0.113.{number}"}
        body = {"username": f"user{number}@clinic.a", "password": "Summer2024!"}
        return gateway.request("POST", "/auth/token", headers=headers, json=body)

    statuses = [spray(number).status_code for number in range(9)]

    assert statuses == [401] * 8 + [429]
    assert_problem(spray(9), 429, "too_many_requests")
    assert gateway.identity.authenticate.call_count == 8


def request_from(peer: str, forwarded_for: str | None = None) -> Request:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    builder = EnvironBuilder(path="/auth/token", headers=headers, environ_base={"REMOTE_ADDR": peer})
    return Request(builder.get_environ())


def policy_trusting(proxies: str) -> Policy:
    limiter = RateLimiter(1, 60)
    return Policy(limiter, limiter, limiter, frozenset(), parse_networks(proxies))


def test_the_client_address_is_the_peer_unless_the_peer_is_a_trusted_proxy() -> None:
    untrusting, trusting = policy_trusting(""), policy_trusting("10.0.0.0/8, 192.0.2.7")

    assert untrusting.client_address(request_from("10.1.2.3", "203.0.113.9")) == "10.1.2.3"
    assert trusting.client_address(request_from("198.51.100.1", "203.0.113.9")) == "198.51.100.1"
    assert trusting.client_address(request_from("10.1.2.3", "203.0.113.9")) == "203.0.113.9"
    assert trusting.client_address(request_from("10.1.2.3")) == "10.1.2.3"
    # Only hops our proxies appended are believed: what the client wrote to the left of them is not.
    assert trusting.client_address(request_from("10.1.2.3", "1.1.1.1, 203.0.113.9, 192.0.2.7")) == "203.0.113.9"
    assert trusting.client_address(request_from("10.1.2.3", "not-an-address")) == "10.1.2.3"


def test_submissions_beyond_the_limit_are_429_and_not_sent(gateway: Gateway) -> None:
    gateway.assignments.submit_response.return_value = {"assignment_id": ASSIGNMENT_ID, "client_id": "client-ada"}
    path = f"/assignments/{ASSIGNMENT_ID}/responses"

    statuses = [gateway.request("POST", path, CLIENT_CALLER, json={"answers": {}}).status_code for _ in range(3)]

    assert statuses == [201, 201, 429]
    assert gateway.assignments.submit_response.call_count == 2


def test_the_rate_limiter_slides_its_window() -> None:
    now = [0.0]
    limiter = RateLimiter(2, 10, clock=lambda: now[0])
    limiter.hit("k")
    now[0] = 5
    limiter.hit("k")
    with pytest.raises(Exception, match="Too many requests"):
        limiter.hit("k")
    now[0] = 10.5  # the first hit left the window
    limiter.hit("k")


def test_a_body_over_the_size_limit_is_413_and_a_body_without_a_length_is_not_read(gateway: Gateway) -> None:
    big = b'{"title": "' + b"x" * 1_100_000 + b'"}'

    declared = gateway.request("POST", "/activities", THERAPIST_CALLER, data=big)
    chunked = gateway.request("POST", "/activities", THERAPIST_CALLER, data=iter([big[:600_000], big[600_000:]]))

    assert_problem(declared, 413, "body_too_large")
    body = assert_problem(chunked, 422, "validation_failed")  # read as empty: werkzeug needs a length
    assert set(body["errors"]) == {"title", "items"}
    gateway.activities.create_activity.assert_not_called()


# -- CORS ------------------------------------------------------------------------------------------


def test_an_allowed_origin_may_read_responses_and_preflight(gateway: Gateway) -> None:
    gateway.assignments.todo.return_value = []
    headers = {"Origin": FRONT_END}

    response = gateway.request("GET", "/me/todo", CLIENT_CALLER, headers=headers)
    preflight = requests.options(
        f"{gateway.url}/assignments",
        headers={**headers, "Access-Control-Request-Method": "POST"},
        timeout=10,
    )

    assert response.headers["Access-Control-Allow-Origin"] == FRONT_END
    assert "X-Correlation-Id" in response.headers["Access-Control-Expose-Headers"]
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == FRONT_END
    assert "Idempotency-Key" in preflight.headers["Access-Control-Allow-Headers"]


def test_another_origin_gets_no_cors_headers(gateway: Gateway) -> None:
    headers = {"Origin": "https://evil.example"}

    response = gateway.request("GET", "/health", headers=headers)
    preflight = requests.options(f"{gateway.url}/assignments", headers=headers, timeout=10)

    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Methods" not in preflight.headers


# -- idempotency and scope ----------------------------------------------------------------------------


def test_the_idempotency_key_is_passed_to_the_assignments_service(gateway: Gateway) -> None:
    gateway.assignments.submit_response.return_value = {"assignment_id": ASSIGNMENT_ID, "client_id": "client-ada"}

    gateway.request(
        "POST",
        f"/assignments/{ASSIGNMENT_ID}/responses",
        CLIENT_CALLER,
        json={"answers": {}},
        headers={"Idempotency-Key": "k-1"},
    )

    assert gateway.assignments.submit_response.call_args.kwargs == {"idempotency_key": "k-1"}


def test_an_overlong_idempotency_key_is_422(gateway: Gateway) -> None:
    response = gateway.request(
        "POST",
        f"/assignments/{ASSIGNMENT_ID}/responses",
        CLIENT_CALLER,
        json={"answers": {}},
        headers={"Idempotency-Key": "k" * 101},
    )

    assert_problem(response, 422, "validation_failed")
    gateway.assignments.submit_response.assert_not_called()


CREATES = [
    ("/assignments", "assign", {"client_id": "client-ada", "activity_id": ASSIGNMENT_ID}),
    (
        "/pathways",
        "create_pathway",
        {"name": "P", "steps": [{"activity_id": ASSIGNMENT_ID, "release": {"type": "immediately"}}]},
    ),
    ("/groups", "create_group", {"name": "G"}),
    ("/clients/client-ada/follow-ups", "send_follow_up", {"text": "Hello."}),
]


@pytest.mark.parametrize(("path", "method", "body"), CREATES)
def test_every_create_passes_its_idempotency_key_on(gateway: Gateway, path: str, method: str, body: dict) -> None:
    gateway.request("POST", path, THERAPIST_CALLER, json=body, headers={"Idempotency-Key": "k-1"})

    called = getattr(gateway.assignments, method, None) if method != "send_follow_up" else None
    proxy = called or getattr(gateway.notifications, method)
    assert proxy.call_args.kwargs["idempotency_key"] == "k-1"


@pytest.mark.parametrize("key", ["k" * 101, "has space", "naïve"])
def test_an_idempotency_key_too_long_or_with_other_characters_is_a_problem_naming_the_header(
    gateway: Gateway, key: str
) -> None:
    body = {"client_id": "client-ada", "activity_id": ASSIGNMENT_ID}
    response = gateway.request("POST", "/assignments", THERAPIST_CALLER, json=body, headers={"Idempotency-Key": key})

    assert_problem(response, 422, "validation_failed")
    assert "Idempotency-Key" in response.json()["errors"]
    gateway.assignments.assign.assert_not_called()


def test_a_client_outside_the_callers_scope_is_404_and_nothing_is_read(gateway: Gateway) -> None:
    gateway.identity.require_client.side_effect = NotFound("No such client.", {"client_id": ["Not yours."]})

    for path in ("/clients/client-bo/report", "/clients/client-bo/assignments", "/clients/client-bo/export"):
        assert_problem(gateway.request("GET", path, THERAPIST_CALLER), 404, "not_found")

    for proxy in (gateway.assignments, gateway.reporting, gateway.notifications):
        assert proxy.mock_calls == []
    gateway.identity.record_audit.assert_not_called()


@pytest.mark.parametrize(
    ("caller", "method", "path"),
    [
        (ANALYST_CALLER, "GET", "/clients/client-ada/assignments"),
        (ANALYST_CALLER, "GET", f"/assignments/{ASSIGNMENT_ID}"),
        (THERAPIST_CALLER, "DELETE", "/clients/client-ada"),
        (THERAPIST_CALLER, "GET", "/audit"),
        (CLIENT_CALLER, "GET", "/clients"),
        (OPERATOR_CALLER, "GET", "/clients/client-ada/report"),
        (ADMIN_CALLER, "POST", "/clinics"),
    ],
)
def test_role_rules(gateway: Gateway, caller: Caller, method: str, path: str) -> None:
    assert_problem(gateway.request(method, path, caller, json={}), 403, "forbidden")
    assert_no_rpc(gateway)


def test_a_clinic_admin_reads_a_report_unfiltered_and_it_is_audited(gateway: Gateway) -> None:
    gateway.reporting.client_report.return_value = {"client_id": "client-ada"}

    response = gateway.request("GET", "/clients/client-ada/report", ADMIN_CALLER, headers={"X-Correlation-Id": "c-9"})

    assert response.status_code == 200
    gateway.reporting.client_report.assert_called_once_with(CLINIC, "client-ada", therapist_id=None)
    gateway.identity.record_audit.assert_called_once_with(
        ADMIN_CALLER.as_dict(),
        {
            "action": "read_report",
            "client_id": "client-ada",
            "resource": "GET /clients/client-ada/report",
            "correlation_id": "c-9",
        },
    )


def test_the_clients_own_export_is_a_labelled_access_request_with_scores_and_risk_flags(gateway: Gateway) -> None:
    scored = {"assignment_id": ASSIGNMENT_ID, "score": {"total": 21}, "risk_flags": [{"text": "Item 9 answered"}]}
    gateway.identity.get_client.return_value = {"account_id": "client-ada", "username": "ada@clinic.a"}
    gateway.assignments.list_for_client.return_value = [scored]
    gateway.notifications.list_for_client.return_value = []
    gateway.reporting.client_report.return_value = {"risk_flags": [{"text": "Item 9 answered"}]}

    export = gateway.request("GET", "/me/export", CLIENT_CALLER).json()

    assert export["kind"] == EXPORT_KIND == "data-subject-access-request"
    assert "scores" in export["notice"] and "risk flags" in export["notice"]
    assert export["assignments"] == [scored]
    assert export["report"] == {"risk_flags": [{"text": "Item 9 answered"}]}
    assert gateway.assignments.list_for_client.call_args.args[:2] == (CLINIC, "client-ada")


def test_erasure_shreds_purges_and_then_removes_the_account(gateway: Gateway) -> None:
    response = gateway.request("DELETE", "/clients/client-ada", ADMIN_CALLER)

    assert response.status_code == 204
    gateway.assignments.erase_client.assert_called_once_with(CLINIC, "client-ada")
    gateway.reporting.purge_client.assert_called_once_with(CLINIC, "client-ada")
    gateway.notifications.purge_client.assert_called_once_with(CLINIC, "client-ada")
    gateway.identity.erase_client.assert_called_once_with(ADMIN_CALLER.as_dict(), "client-ada")
    assert gateway.identity.record_audit.call_args.args[1]["action"] == "erase"


def test_an_erased_clients_trail_is_still_read_and_an_id_never_in_it_is_404(gateway: Gateway) -> None:
    gateway.identity.require_client.side_effect = NotFound("No such client.", {"client_id": ["Not yours."]})
    entry = {"action": "erase", "client_id": "client-gone", "resource": "DELETE /clients/client-gone"}
    gateway.identity.audit_trail.return_value = {"entries": [entry], "total": 1}

    response = gateway.request("GET", "/audit?client_id=client-gone", ADMIN_CALLER)

    assert response.status_code == 200
    assert response.json()["entries"] == [entry]
    gateway.identity.audit_trail.assert_called_with(ADMIN_CALLER.as_dict(), "client-gone", 50, 0)

    gateway.identity.audit_trail.return_value = {"entries": [], "total": 0}
    assert_problem(gateway.request("GET", "/audit?client_id=client-never", ADMIN_CALLER), 404, "not_found")
