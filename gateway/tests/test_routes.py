"""Interface tests of the gateway's HTTP routes.

Mocking policy: only the five RPC proxies (activities, assignments,
notifications, reporting, identity) are replaced by mocks, with nameko's
``replace_dependencies`` (and the RPC reply listener they leave behind is
removed, as no proxy is left to use it). Everything else is real: the nameko
HTTP server on a free port, driven with ``requests``; token signing from the
container config; body validation against the contracts; and the mapping
of errors to problem+json responses. A mock's return value stands for what a
service answers, and an error it raises stands for what nameko would
deserialise from the service's reply.
"""

import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from unittest.mock import MagicMock

import pytest
import requests
from nameko.containers import ServiceContainer
from nameko.exceptions import RemoteError
from nameko.messaging import QueueConsumer
from nameko.rpc import ReplyListener
from nameko.testing.services import replace_dependencies

from interlude_contracts.errors import Conflict, NotFound, ValidationFailed
from interlude_contracts.identity import NotAuthenticated
from interlude_gateway.auth import CLIENT, THERAPIST, Caller, TokenSigner
from interlude_gateway.service import GatewayService
from interlude_gateway.web import UpstreamTimeout

SECRET = "x" * 32
CLINIC = "clinic-a"
THERAPIST_CALLER = Caller(subject="therapist-1", role=THERAPIST, clinic_id=CLINIC)
CLIENT_CALLER = Caller(subject="client-ada", role=CLIENT, clinic_id=CLINIC)
ACTIVITY_ID = "0b7d3c1e-9a5e-4a53-8f5b-5a1f3f2a9c11"
ASSIGNMENT_ID = "5d0c2f4e-1b7a-4c8e-9f60-0c9a3e7d2b55"
PROBLEM_JSON = "application/problem+json"

DRAFT: dict[str, Any] = {
    "title": "Mood check-in",
    "items": [{"id": "mood", "type": "linear_scale", "prompt": "Mood today?", "min": 0, "max": 10}],
}

THERAPIST_ROUTES = [
    ("GET", "/activities"),
    ("POST", "/activities"),
    ("GET", f"/activities/{ACTIVITY_ID}"),
    ("PUT", f"/activities/{ACTIVITY_ID}/draft"),
    ("POST", f"/activities/{ACTIVITY_ID}/publish"),
    ("GET", f"/activities/{ACTIVITY_ID}/versions/1"),
    ("POST", "/assignments"),
    ("POST", f"/assignments/{ASSIGNMENT_ID}/cancel"),
    ("GET", "/clients/client-ada/assignments"),
    ("GET", "/clients/client-ada/report"),
    ("GET", "/clients/client-ada/notifications"),
]
CLIENT_ROUTES = [
    ("POST", f"/assignments/{ASSIGNMENT_ID}/responses"),
    ("GET", "/me/todo"),
    ("GET", "/me/notifications"),
]


@dataclass
class Gateway:
    url: str
    activities: MagicMock
    assignments: MagicMock
    notifications: MagicMock
    reporting: MagicMock
    identity: MagicMock
    signer: TokenSigner

    def request(
        self, method: str, path: str, caller: Caller | None = None, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> requests.Response:
        headers = dict(headers or {})
        if caller is not None:
            headers["Authorization"] = f"Bearer {self.signer.issue(caller)}"
        return requests.request(method, self.url + path, headers=headers, timeout=10, **kwargs)

    def services(self) -> list[MagicMock]:
        return [self.activities, self.assignments, self.notifications, self.reporting, self.identity]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def drop_orphaned_reply_consumer(container: ServiceContainer) -> None:
    """Remove the RPC reply listener that ``replace_dependencies`` leaves behind.

    The replaced proxies' shared ReplyListener and its QueueConsumer stay in the
    container with no proxy left to serve. They would only hold an AMQP
    connection open and make every container stop take a second or two.
    """
    orphans = [ext for ext in container.subextensions if isinstance(ext, ReplyListener | QueueConsumer)]
    assert orphans, "nameko no longer leaves a reply listener behind: drop this helper"
    for extension in orphans:
        container.subextensions.remove(extension)


@pytest.fixture
def gateway(container_factory: Any, amqp_uri: str) -> Iterator[Gateway]:
    port = free_port()
    config = {
        "AMQP_URI": amqp_uri,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
        "TOKEN_SECRET": SECRET,
        "TOKEN_TTL_SECONDS": 600,
    }
    container = container_factory(GatewayService, config)
    activities, assignments, notifications, reporting, identity = replace_dependencies(
        container, "activities", "assignments", "notifications", "reporting", "identity"
    )
    identity.require_client.return_value = None  # the caller may see the client unless a test says otherwise
    identity.session_generation.return_value = 0  # every caller's account is active, its tokens current
    drop_orphaned_reply_consumer(container)
    container.start()
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


def assert_problem(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    """Check a problem+json response and return its body."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["status"] == status
    assert body["type"] == f"urn:interlude:problem:{code}"
    assert body["correlation_id"] == response.headers["X-Correlation-Id"]
    return body


# Not the route's work: health probes, and the check that a signed token's session is current (authentication).
NOT_WORK = ("health", "session_generation")


def assert_no_rpc(gateway: Gateway) -> None:
    for service in gateway.services():
        called = [call for call in service.mock_calls if not call[0].startswith(NOT_WORK)]
        assert called == [], called


# -- health and correlation ids -------------------------------------------------


def test_health_answers_without_a_token(gateway: Gateway) -> None:
    response = gateway.request("GET", "/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_correlation_id_is_generated_when_none_is_given(gateway: Gateway) -> None:
    first = gateway.request("GET", "/health").headers["X-Correlation-Id"]
    second = gateway.request("GET", "/health").headers["X-Correlation-Id"]

    assert uuid.UUID(first)
    assert first != second


def test_a_given_correlation_id_is_echoed_and_passed_to_the_service(gateway: Gateway) -> None:
    gateway.activities.create_activity.return_value = {"activity_id": ACTIVITY_ID}

    response = gateway.request(
        "POST", "/activities", THERAPIST_CALLER, headers={"X-Correlation-Id": "corr-42"}, json=DRAFT
    )

    assert response.status_code == 201
    assert response.headers["X-Correlation-Id"] == "corr-42"
    assert gateway.activities.create_activity.call_args.args[-1] == "corr-42"


def test_a_given_correlation_id_is_echoed_on_a_problem(gateway: Gateway) -> None:
    response = gateway.request("GET", "/activities", headers={"X-Correlation-Id": "corr-43"})

    body = assert_problem(response, 401, "unauthenticated")
    assert body["correlation_id"] == "corr-43"


def test_ready_when_every_service_answers_its_health_check(gateway: Gateway) -> None:
    for service in gateway.services():
        service.health.call_async.return_value.result.return_value = {"status": "ok"}

    response = gateway.request("GET", "/health/ready")

    assert response.status_code == 200
    assert response.json()["services"] == dict.fromkeys(
        ["activities", "assignments", "notifications", "reporting", "identity"], True
    )


def test_degraded_when_a_service_does_not_answer(gateway: Gateway) -> None:
    for service in gateway.services():
        service.health.call_async.return_value.result.return_value = {"status": "ok"}
    gateway.reporting.health.call_async.return_value.result.side_effect = RuntimeError("no reply")

    response = gateway.request("GET", "/health/ready")

    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["services"]["reporting"] is False
    assert response.json()["services"]["activities"] is True


# -- login ---------------------------------------------------------------------


def session_of(caller: Caller) -> dict[str, Any]:
    """What the identity service answers for a good login or refresh."""
    return {"caller": caller.as_dict(), "refresh_token": "r" * 43, "refresh_expires_in": 1209600}


def test_login_returns_a_bearer_token_and_a_refresh_token_for_the_account(gateway: Gateway) -> None:
    gateway.identity.authenticate.return_value = session_of(CLIENT_CALLER)

    response = gateway.request("POST", "/auth/token", json={"username": "ada@clinic.a", "password": "ada-pass"})

    assert response.status_code == 200
    body = response.json()
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 600)
    assert (body["refresh_token"], body["refresh_expires_in"]) == ("r" * 43, 1209600)
    assert gateway.signer.verify(body["access_token"]) == CLIENT_CALLER
    gateway.identity.authenticate.assert_called_once_with("ada@clinic.a", "ada-pass")


def test_a_login_token_opens_the_accounts_routes(gateway: Gateway) -> None:
    gateway.identity.authenticate.return_value = session_of(THERAPIST_CALLER)
    gateway.activities.list_activities.return_value = []
    login = gateway.request(
        "POST", "/auth/token", json={"username": "therapist@clinic.a", "password": "therapist-pass"}
    )
    token = login.json()["access_token"]

    response = gateway.request("GET", "/activities", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert response.json()["activities"] == []
    gateway.activities.list_activities.assert_called_once_with(CLINIC)


def test_login_with_wrong_credentials_is_401(gateway: Gateway) -> None:
    gateway.identity.authenticate.side_effect = NotAuthenticated("Wrong username or password.")

    response = gateway.request("POST", "/auth/token", json={"username": "ada@clinic.a", "password": "wrong-pass"})

    body = assert_problem(response, 401, "unauthenticated")
    assert body["detail"] == "Wrong username or password."
    assert "access_token" not in body
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_refresh_returns_a_new_pair_from_the_rotated_session(gateway: Gateway) -> None:
    gateway.identity.refresh.return_value = session_of(THERAPIST_CALLER)

    response = gateway.request(
        "POST", "/auth/refresh", headers={"X-Correlation-Id": "corr-7"}, json={"refresh_token": "o" * 43}
    )

    assert response.status_code == 200
    assert gateway.signer.verify(response.json()["access_token"]) == THERAPIST_CALLER
    # The correlation id names the rotation, so a redelivered one gets the same answer.
    gateway.identity.refresh.assert_called_once_with("o" * 43, "corr-7")


def test_a_refresh_with_an_idempotency_key_names_the_rotation_by_it(gateway: Gateway) -> None:
    gateway.identity.refresh.return_value = session_of(THERAPIST_CALLER)

    gateway.request("POST", "/auth/refresh", headers={"Idempotency-Key": "refresh-1"}, json={"refresh_token": "o" * 43})

    gateway.identity.refresh.assert_called_once_with("o" * 43, "refresh-1")


def test_a_spent_or_revoked_refresh_token_is_401(gateway: Gateway) -> None:
    gateway.identity.refresh.side_effect = NotAuthenticated("Unknown, expired or revoked refresh token.")

    response = gateway.request("POST", "/auth/refresh", json={"refresh_token": "o" * 43})

    assert_problem(response, 401, "unauthenticated")


def test_logout_revokes_the_refresh_token(gateway: Gateway) -> None:
    response = gateway.request("POST", "/auth/logout", json={"refresh_token": "o" * 43})

    assert response.status_code == 204
    gateway.identity.revoke.assert_called_once_with("o" * 43)


# -- browser sessions: the refresh token in an HttpOnly cookie of the refresh route -------------

BROWSER = {"X-Interlude-Session": "cookie"}


def refresh_cookie_of(response: requests.Response) -> str:
    return next(value for name, value in response.raw.headers.items() if name.lower() == "set-cookie")


def test_a_browser_login_sets_the_refresh_token_as_a_strict_httponly_cookie_of_the_refresh_route(
    gateway: Gateway,
) -> None:
    gateway.identity.authenticate.return_value = session_of(CLIENT_CALLER)

    response = gateway.request(
        "POST", "/auth/token", headers=BROWSER, json={"username": "ada@clinic.a", "password": "ada-pass"}
    )

    assert response.status_code == 200
    assert "refresh_token" not in response.json() and response.json()["access_token"]
    cookie = refresh_cookie_of(response)
    assert cookie.startswith("interlude_refresh=" + "r" * 43 + ";")
    for attribute in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/auth/refresh", "Max-Age=1209600"):
        assert attribute in cookie


def test_a_browser_refresh_spends_the_cookie_and_sets_the_rotated_one(gateway: Gateway) -> None:
    gateway.identity.refresh.return_value = session_of(CLIENT_CALLER)

    response = gateway.request(
        "POST",
        "/auth/refresh",
        headers={**BROWSER, "Cookie": "interlude_refresh=" + "o" * 43, "X-Correlation-Id": "corr-8"},
        json={},
    )

    assert response.status_code == 200
    assert gateway.signer.verify(response.json()["access_token"]) == CLIENT_CALLER
    gateway.identity.refresh.assert_called_once_with("o" * 43, "corr-8")
    assert refresh_cookie_of(response).startswith("interlude_refresh=" + "r" * 43)


def test_a_refresh_with_only_the_cookie_and_not_the_header_is_refused(gateway: Gateway) -> None:
    """The custom header is the CSRF guard: without it, the cookie is not even read."""
    response = gateway.request("POST", "/auth/refresh", headers={"Cookie": "interlude_refresh=" + "o" * 43}, json={})

    assert_problem(response, 422, "validation_failed")
    gateway.identity.refresh.assert_not_called()


def test_a_reused_refresh_cookie_is_401_and_cleared(gateway: Gateway) -> None:
    gateway.identity.refresh.side_effect = NotAuthenticated("Unknown, expired or revoked refresh token.")

    response = gateway.request(
        "POST", "/auth/refresh", headers={**BROWSER, "Cookie": "interlude_refresh=" + "o" * 43}, json={}
    )

    assert_problem(response, 401, "unauthenticated")
    cookie = refresh_cookie_of(response)
    assert cookie.startswith('interlude_refresh="";') or cookie.startswith("interlude_refresh=;")
    assert "Max-Age=0" in cookie and "Path=/auth/refresh" in cookie


def test_a_browser_refresh_without_a_cookie_is_401(gateway: Gateway) -> None:
    response = gateway.request("POST", "/auth/refresh", headers=BROWSER, json={})

    assert_problem(response, 401, "unauthenticated")
    gateway.identity.refresh.assert_not_called()


def test_ending_a_browser_session_revokes_and_clears_the_cookie(gateway: Gateway) -> None:
    cookie = {"Cookie": "interlude_refresh=" + "o" * 43}
    response = gateway.request("DELETE", "/auth/refresh", headers={**BROWSER, **cookie})

    assert response.status_code == 204
    gateway.identity.revoke.assert_called_once_with("o" * 43)
    assert "Max-Age=0" in refresh_cookie_of(response)


def test_ending_a_browser_session_needs_the_header(gateway: Gateway) -> None:
    response = gateway.request("DELETE", "/auth/refresh", headers={"Cookie": "interlude_refresh=" + "o" * 43})

    assert_problem(response, 400, "session_header_missing")
    gateway.identity.revoke.assert_not_called()


def test_login_without_a_password_is_422_naming_it(gateway: Gateway) -> None:
    response = gateway.request("POST", "/auth/token", json={"username": "ada@clinic.a"})

    body = assert_problem(response, 422, "validation_failed")
    assert set(body["errors"]) == {"password"}


# -- authentication and roles ------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), THERAPIST_ROUTES + CLIENT_ROUTES)
def test_every_route_but_health_and_login_needs_a_token(gateway: Gateway, method: str, path: str) -> None:
    response = gateway.request(method, path, json={})

    assert_problem(response, 401, "unauthenticated")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert_no_rpc(gateway)


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer not-a-token",
        f"Bearer {TokenSigner('y' * 32, 600).issue(THERAPIST_CALLER)}",
        f"Bearer {TokenSigner(SECRET, 600).issue(THERAPIST_CALLER, now=0)}",
        "Bearer abc.\u00e9",
    ],
    ids=["basic", "empty", "garbage", "other-secret", "expired", "non-ascii"],
)
def test_a_bad_token_is_401(gateway: Gateway, authorization: str) -> None:
    response = gateway.request("GET", "/activities", headers={"Authorization": authorization.encode("latin-1")})

    assert_problem(response, 401, "unauthenticated")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert_no_rpc(gateway)


@pytest.mark.parametrize(
    ("current", "method", "path", "body"),
    [
        (None, "PUT", "/me/notification-preferences", {"name": "Ada", "email": "ada@example.org"}),
        (None, "GET", "/me/notifications", None),
        (1, "GET", "/me/todo", None),
    ],
    ids=["erased-writes", "erased-reads", "logged-out"],
)
def test_a_token_of_an_erased_account_or_an_ended_session_is_401(
    gateway: Gateway, current: int | None, method: str, path: str, body: Any
) -> None:
    gateway.identity.session_generation.return_value = current  # None: no active account; 1: after a logout

    response = gateway.request(method, path, CLIENT_CALLER, json=body)

    assert_problem(response, 401, "unauthenticated")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    gateway.identity.session_generation.assert_called_once_with("client-ada")
    assert [service for service in gateway.services() if service.method_calls and service is not gateway.identity] == []


def test_a_token_issued_after_the_session_moved_on_is_accepted(gateway: Gateway) -> None:
    gateway.identity.session_generation.return_value = 2
    gateway.assignments.todo.return_value = []

    response = gateway.request(
        "GET", "/me/todo", headers={"Authorization": f"Bearer {gateway.signer.issue(CLIENT_CALLER, generation=2)}"}
    )

    assert response.status_code == 200, response.text


def test_an_erased_clients_tokens_are_refused_by_this_gateway_at_once(gateway: Gateway) -> None:
    admin = Caller(subject="admin-1", role="clinic_admin", clinic_id=CLINIC)
    assert gateway.request("GET", "/me/todo", CLIENT_CALLER).status_code != 401  # identity's answer is now kept
    gateway.identity.session_generation.side_effect = lambda subject: None if subject == "client-ada" else 0

    assert gateway.request("DELETE", "/clients/client-ada", admin).status_code == 204

    assert_problem(gateway.request("GET", "/me/todo", CLIENT_CALLER), 401, "unauthenticated")


@pytest.mark.parametrize(("method", "path"), THERAPIST_ROUTES)
def test_a_client_token_on_a_therapist_route_is_403(gateway: Gateway, method: str, path: str) -> None:
    response = gateway.request(method, path, CLIENT_CALLER, json=DRAFT)

    assert_problem(response, 403, "forbidden")
    assert_no_rpc(gateway)


@pytest.mark.parametrize(("method", "path"), CLIENT_ROUTES)
def test_a_therapist_token_on_a_client_route_is_403(gateway: Gateway, method: str, path: str) -> None:
    response = gateway.request(method, path, THERAPIST_CALLER, json={"answers": {}})

    assert_problem(response, 403, "forbidden")
    assert_no_rpc(gateway)


# -- bodies ------------------------------------------------------------------------


def test_malformed_json_is_400_naming_the_body(gateway: Gateway) -> None:
    response = gateway.request(
        "POST", "/activities", THERAPIST_CALLER, data=b'{"title": ', headers={"Content-Type": "application/json"}
    )

    body = assert_problem(response, 400, "malformed_json")
    assert set(body["errors"]) == {"_body"}
    assert_no_rpc(gateway)


def test_a_json_body_that_is_not_an_object_is_400(gateway: Gateway) -> None:
    response = gateway.request("POST", "/assignments", THERAPIST_CALLER, json=[{"client_id": "client-ada"}])

    body = assert_problem(response, 400, "malformed_json")
    assert "_body" in body["errors"]
    assert_no_rpc(gateway)


def test_an_assignment_without_a_client_is_422_naming_client_id(gateway: Gateway) -> None:
    response = gateway.request("POST", "/assignments", THERAPIST_CALLER, json={"activity_id": ACTIVITY_ID})

    body = assert_problem(response, 422, "validation_failed")
    assert set(body["errors"]) == {"client_id"}
    gateway.assignments.assign.assert_not_called()


def test_an_empty_body_is_validated_as_an_empty_object(gateway: Gateway) -> None:
    response = gateway.request("POST", "/assignments", THERAPIST_CALLER)

    body = assert_problem(response, 422, "validation_failed")
    assert set(body["errors"]) == {"client_id", "activity_id"}
    gateway.assignments.assign.assert_not_called()


def test_an_activity_with_a_scale_whose_min_is_not_below_max_is_422(gateway: Gateway) -> None:
    draft = {**DRAFT, "items": [{**DRAFT["items"][0], "min": 5, "max": 5}]}

    response = gateway.request("POST", "/activities", THERAPIST_CALLER, json=draft)

    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"] == {"items": {"0": {"max": ["max must be greater than min."]}}}
    gateway.activities.create_activity.assert_not_called()


def test_a_draft_wrong_as_a_whole_is_422_naming_the_item_and_not_sent(gateway: Gateway) -> None:
    branch_on_later = {"all": [{"item_id": "note", "operator": "answered"}]}
    note = {"id": "note", "type": "free_text", "prompt": "Anything else?"}
    draft = {**DRAFT, "items": [{**DRAFT["items"][0], "show_if": branch_on_later}, note]}

    created = gateway.request("POST", "/activities", THERAPIST_CALLER, json=draft)
    edited = gateway.request("PUT", f"/activities/{ACTIVITY_ID}/draft", THERAPIST_CALLER, json=draft)

    for response in (created, edited):
        body = assert_problem(response, 422, "validation_failed")
        assert body["errors"] == {
            "items": {"0": {"show_if": ["Item 'mood': branches on 'note', which does not come before it."]}}
        }
    gateway.activities.create_activity.assert_not_called()
    gateway.activities.edit_draft.assert_not_called()


def test_an_invalid_draft_edit_is_422_and_not_sent(gateway: Gateway) -> None:
    response = gateway.request("PUT", f"/activities/{ACTIVITY_ID}/draft", THERAPIST_CALLER, json={"items": []})

    body = assert_problem(response, 422, "validation_failed")
    assert set(body["errors"]) == {"title", "items"}
    gateway.activities.edit_draft.assert_not_called()


# -- therapist routes call their service -----------------------------------------------


def test_creating_an_activity_sends_the_draft_as_the_therapist(gateway: Gateway) -> None:
    gateway.activities.create_activity.return_value = {"activity_id": ACTIVITY_ID, "versions": []}

    response = gateway.request("POST", "/activities", THERAPIST_CALLER, json=DRAFT)

    assert response.status_code == 201
    assert response.json() == {"activity_id": ACTIVITY_ID, "versions": []}
    clinic, author, draft, correlation_id = gateway.activities.create_activity.call_args.args
    assert (clinic, author, draft) == (CLINIC, "therapist-1", DRAFT)
    assert correlation_id == response.headers["X-Correlation-Id"]


def test_assigning_sends_the_body_as_the_therapist(gateway: Gateway) -> None:
    gateway.assignments.assign.return_value = {"assignment_id": ASSIGNMENT_ID}
    request = {"client_id": "client-ada", "activity_id": ACTIVITY_ID, "due_at": "2025-03-08T09:30:00+00:00"}

    response = gateway.request("POST", "/assignments", THERAPIST_CALLER, json=request)

    assert response.status_code == 201
    clinic, therapist, body, _ = gateway.assignments.assign.call_args.args
    assert (clinic, therapist, body) == (CLINIC, "therapist-1", request)


def test_a_therapist_reads_an_assignment_they_made_without_an_owner_filter(gateway: Gateway) -> None:
    gateway.assignments.get_assignment.return_value = {"assignment_id": ASSIGNMENT_ID, "client_id": "client-ada"}

    response = gateway.request("GET", f"/assignments/{ASSIGNMENT_ID}", THERAPIST_CALLER)

    assert response.status_code == 200
    gateway.assignments.get_assignment.assert_called_once_with(CLINIC, ASSIGNMENT_ID, None, therapist_id="therapist-1")


def test_a_version_route_passes_the_version_as_an_int(gateway: Gateway) -> None:
    gateway.activities.get_version.return_value = {"version": 3}

    response = gateway.request("GET", f"/activities/{ACTIVITY_ID}/versions/3", THERAPIST_CALLER)

    assert response.json() == {"version": 3}
    gateway.activities.get_version.assert_called_once_with(CLINIC, ACTIVITY_ID, 3)


def test_a_client_report_is_read_in_the_therapists_clinic(gateway: Gateway) -> None:
    gateway.reporting.client_report.return_value = {"client_id": "client-bo", "completed": 1}

    response = gateway.request("GET", "/clients/client-bo/report", THERAPIST_CALLER)

    assert response.json() == {"client_id": "client-bo", "completed": 1}
    gateway.reporting.client_report.assert_called_once_with(CLINIC, "client-bo", therapist_id="therapist-1")
    gateway.identity.require_client.assert_called_once_with(THERAPIST_CALLER.as_dict(), "client-bo")


# -- service errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (NotFound("No such activity.", {"activity_id": ACTIVITY_ID}), 404, "not_found"),
        (Conflict("Nothing new to publish.", {"activity_id": ACTIVITY_ID}), 409, "conflict"),
        (ValidationFailed("The request body is not valid.", {"version": ["Too old."]}), 422, "validation_failed"),
    ],
    ids=["not-found", "conflict", "validation-failed"],
)
def test_a_service_error_maps_to_its_status_with_its_fields(
    gateway: Gateway, error: Exception, status: int, code: str
) -> None:
    gateway.activities.publish_activity.side_effect = error

    response = gateway.request("POST", f"/activities/{ACTIVITY_ID}/publish", THERAPIST_CALLER)

    body = assert_problem(response, status, code)
    assert body["detail"] == error.args[0]
    assert body["errors"] == error.args[1]


def test_a_service_error_without_fields_has_no_errors_member(gateway: Gateway) -> None:
    gateway.activities.get_activity.side_effect = NotFound("No such activity.")

    response = gateway.request("GET", f"/activities/{ACTIVITY_ID}", THERAPIST_CALLER)

    body = assert_problem(response, 404, "not_found")
    assert "errors" not in body


def test_invalid_answers_reported_by_the_service_are_422_naming_the_items(gateway: Gateway) -> None:
    gateway.assignments.submit_response.side_effect = ValidationFailed(
        "The answers are not valid.", {"mood": ["Out of range: must be between 0 and 10."]}
    )

    response = gateway.request(
        "POST", f"/assignments/{ASSIGNMENT_ID}/responses", CLIENT_CALLER, json={"answers": {"mood": 11}}
    )

    body = assert_problem(response, 422, "validation_failed")
    assert body["errors"] == {"mood": ["Out of range: must be between 0 and 10."]}


def test_an_unreachable_broker_is_503_with_retry_after(gateway: Gateway) -> None:
    gateway.assignments.submit_response.side_effect = ConnectionRefusedError(111, "ECONNREFUSED")

    response = gateway.request(
        "POST", f"/assignments/{ASSIGNMENT_ID}/responses", CLIENT_CALLER, json={"answers": {"mood": 5}}
    )

    assert_problem(response, 503, "service_unavailable")
    assert response.headers["Retry-After"] == "1"


@pytest.mark.parametrize(
    ("raised", "status"),
    [
        (RemoteError("OperationalError", "connection failed: server closed the connection unexpectedly"), 503),
        (RemoteError("AdminShutdown", "terminating connection due to administrator command"), 503),
        (RemoteError("PoolTimeout", "couldn't get a connection after 30.00 sec"), 503),
        (RemoteError("KeyError", "'answers'"), 500),
    ],
)
def test_a_services_database_briefly_away_is_503_and_any_other_failure_500(
    gateway: Gateway, raised: RemoteError, status: int
) -> None:
    gateway.assignments.submit_response.side_effect = raised

    response = gateway.request(
        "POST", f"/assignments/{ASSIGNMENT_ID}/responses", CLIENT_CALLER, json={"answers": {"mood": 5}}
    )

    if status == 503:
        assert_problem(response, 503, "service_unavailable")
        assert response.headers["Retry-After"] == "1"
    else:
        assert_problem(response, 500, "internal_error")


# -- a client acts only as themself --------------------------------------------------------


def test_a_clients_todo_is_their_own(gateway: Gateway) -> None:
    gateway.assignments.todo.return_value = [{"assignment_id": ASSIGNMENT_ID}]

    response = gateway.request("GET", "/me/todo", CLIENT_CALLER)

    assert response.status_code == 200
    assert response.json()["assignments"] == [{"assignment_id": ASSIGNMENT_ID}]
    gateway.assignments.todo.assert_called_once_with(CLINIC, "client-ada")


def test_a_clients_history_is_what_the_service_lists_as_completed_paged(gateway: Gateway) -> None:
    """The service picks and orders what the client completed, titles and dates only
    (services/assignments/tests/test_service.py); the gateway pages it."""
    completed = [
        {
            "assignment_id": str(uuid.uuid4()),
            "title": title,
            "assigned_at": "2026-01-01T09:00:00+00:00",
            "due_at": None,
            "submitted_at": submitted_at,
        }
        for title, submitted_at in (("Newer", "2026-01-03T09:00:00+00:00"), ("Older", "2026-01-02T09:00:00+00:00"))
    ]
    gateway.assignments.completed.return_value = completed

    response = gateway.request("GET", "/me/history?limit=1&offset=1", CLIENT_CALLER)

    assert response.status_code == 200
    assert response.json() == {"assignments": completed[1:], "page": {"limit": 1, "offset": 1, "total": 2}}
    gateway.assignments.completed.assert_called_once_with(CLINIC, "client-ada")


def test_a_clients_assignments_are_paged_by_the_service(gateway: Gateway) -> None:
    gateway.assignments.page_for_client.return_value = {"assignments": [], "total": 7}

    response = gateway.request("GET", "/clients/client-ada/assignments?limit=5&offset=5", THERAPIST_CALLER)

    assert response.status_code == 200
    assert response.json()["page"] == {"limit": 5, "offset": 5, "total": 7}
    gateway.assignments.page_for_client.assert_called_once_with(CLINIC, "client-ada", THERAPIST_CALLER.subject, 5, 5)


def test_a_clients_notifications_are_their_own(gateway: Gateway) -> None:
    gateway.notifications.list_for_client.return_value = []

    response = gateway.request("GET", "/me/notifications", CLIENT_CALLER, params={"client_id": "client-bo"})

    assert response.json()["notifications"] == []
    gateway.notifications.list_for_client.assert_called_once_with(CLINIC, "client-ada")


def test_a_response_is_submitted_as_the_calling_client(gateway: Gateway) -> None:
    gateway.assignments.submit_response.return_value = {"assignment_id": ASSIGNMENT_ID, "status": "submitted"}

    response = gateway.request(
        "POST", f"/assignments/{ASSIGNMENT_ID}/responses", CLIENT_CALLER, json={"answers": {"mood": 7}}
    )

    assert response.status_code == 201
    assert response.json()["status"] == "submitted"
    clinic, client, assignment_id, body, _ = gateway.assignments.submit_response.call_args.args
    assert (clinic, client, assignment_id, body) == (CLINIC, "client-ada", ASSIGNMENT_ID, {"answers": {"mood": 7}})


def test_a_stored_submission_is_accepted_while_identitys_audit_rpc_times_out(gateway: Gateway) -> None:
    gateway.assignments.submit_response.return_value = {"assignment_id": ASSIGNMENT_ID, "status": "submitted"}
    gateway.identity.record_audit.side_effect = UpstreamTimeout("identity")

    response = gateway.request(
        "POST", f"/assignments/{ASSIGNMENT_ID}/responses", CLIENT_CALLER, json={"answers": {"mood": 7}}
    )

    # Identity audits it from the stored ResponseSubmitted event instead (services/identity tests).
    assert response.status_code == 201
    gateway.identity.record_audit.assert_not_called()


def test_a_client_cannot_name_another_client_in_a_response(gateway: Gateway) -> None:
    response = gateway.request(
        "POST",
        f"/assignments/{ASSIGNMENT_ID}/responses",
        CLIENT_CALLER,
        json={"answers": {"mood": 7}, "client_id": "client-bo"},
    )

    body = assert_problem(response, 422, "validation_failed")
    assert "client_id" in body["errors"]
    gateway.assignments.submit_response.assert_not_called()


def test_a_client_reads_an_assignment_only_as_its_owner(gateway: Gateway) -> None:
    gateway.assignments.get_assignment.side_effect = NotFound("No such assignment.", {"assignment_id": ASSIGNMENT_ID})

    response = gateway.request("GET", f"/assignments/{ASSIGNMENT_ID}", CLIENT_CALLER)

    assert_problem(response, 404, "not_found")
    gateway.assignments.get_assignment.assert_called_once_with(CLINIC, ASSIGNMENT_ID, "client-ada", therapist_id=None)
