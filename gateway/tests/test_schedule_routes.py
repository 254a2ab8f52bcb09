"""Interface tests of the schedule routes (same set-up and mocking policy as test_routes.py)."""

from typing import Any

import pytest

from interlude_gateway.auth import CLINIC_ADMIN, Caller

from . import test_routes
from .test_routes import (
    ASSIGNMENT_ID,
    CLIENT_CALLER,
    CLINIC,
    THERAPIST_CALLER,
    Gateway,
    assert_no_rpc,
    assert_problem,
)

gateway = test_routes.gateway  # the fixture, shared
ADMIN_CALLER = Caller(subject="admin-1", role=CLINIC_ADMIN, clinic_id=CLINIC)

RECURRENCE_ID = "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b"
PATHWAY_ID = "2f3e4d5c-6b7a-4899-8a0b-1c2d3e4f5a6b"
THERAPIST_ONLY = [
    ("GET", "/groups"),
    ("GET", "/pathways"),
    ("POST", "/groups"),
    ("GET", f"/groups/{PATHWAY_ID}"),
    ("POST", f"/groups/{PATHWAY_ID}/members"),
    ("DELETE", f"/groups/{PATHWAY_ID}/members/client-ada"),
    ("POST", f"/groups/{PATHWAY_ID}/assignments"),
    ("POST", f"/groups/{PATHWAY_ID}/recurrences"),
    ("POST", f"/groups/{PATHWAY_ID}/pathways"),
    ("POST", "/pathways"),
    ("GET", f"/pathways/{PATHWAY_ID}"),
    ("POST", f"/pathways/{PATHWAY_ID}/enrolments"),
    ("GET", f"/pathways/{PATHWAY_ID}/enrolments"),
    ("GET", f"/enrolments/{PATHWAY_ID}"),
    ("POST", f"/enrolments/{PATHWAY_ID}/pause"),
    ("POST", f"/enrolments/{PATHWAY_ID}/resume"),
    ("POST", f"/enrolments/{PATHWAY_ID}/cancel"),
    ("POST", "/recurrences"),
    ("GET", f"/recurrences/{RECURRENCE_ID}"),
    ("POST", f"/recurrences/{RECURRENCE_ID}/cancel"),
    ("GET", "/clients/client-ada/notification-preferences"),
    ("PUT", "/clients/client-ada/notification-preferences"),
    ("POST", "/clients/client-ada/follow-ups"),
    ("GET", "/clients/client-ada/deliveries"),
    ("GET", "/clients/client-ada/schedule"),
    ("GET", "/notifications/dead-letters"),
]
STAFF_ONLY = [("GET", "/clinic/reminder-defaults"), ("PUT", "/clinic/reminder-defaults")]
CLIENT_ONLY = [
    ("POST", f"/assignments/{ASSIGNMENT_ID}/open"),
    ("GET", "/me/notification-preferences"),
    ("PUT", "/me/notification-preferences"),
]


@pytest.mark.parametrize(("method", "path"), THERAPIST_ONLY + STAFF_ONLY + CLIENT_ONLY)
def test_every_schedule_route_needs_a_token(gateway: Gateway, method: str, path: str) -> None:
    assert_problem(gateway.request(method, path, json={}), 401, "unauthenticated")
    assert_no_rpc(gateway)


@pytest.mark.parametrize(("method", "path"), THERAPIST_ONLY + STAFF_ONLY)
def test_clients_cannot_use_therapist_routes(gateway: Gateway, method: str, path: str) -> None:
    assert_problem(gateway.request(method, path, CLIENT_CALLER, json={}), 403, "forbidden")
    assert_no_rpc(gateway)


@pytest.mark.parametrize(("method", "path"), CLIENT_ONLY)
def test_therapists_cannot_use_client_routes(gateway: Gateway, method: str, path: str) -> None:
    assert_problem(gateway.request(method, path, THERAPIST_CALLER, json={}), 403, "forbidden")
    assert_no_rpc(gateway)


def test_a_client_opens_their_own_assignment(gateway: Gateway) -> None:
    gateway.assignments.open_assignment.return_value = {"assignment_id": ASSIGNMENT_ID, "opened_at": "x"}

    response = gateway.request(
        "POST", f"/assignments/{ASSIGNMENT_ID}/open", CLIENT_CALLER, headers={"X-Correlation-Id": "c-1"}
    )

    assert response.status_code == 200
    gateway.assignments.open_assignment.assert_called_once_with(CLINIC, "client-ada", ASSIGNMENT_ID, "c-1")


def test_a_client_sets_their_own_preferences(gateway: Gateway) -> None:
    body = {"email": "ada@example.org", "time_zone": "Europe/London", "quiet_hours": {"start": "22:00", "end": "07:30"}}
    gateway.notifications.set_preferences.return_value = body

    response = gateway.request("PUT", "/me/notification-preferences", CLIENT_CALLER, json=body)

    assert response.status_code == 200
    gateway.notifications.set_preferences.assert_called_once_with(CLINIC, "client-ada", body)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "quiet_hours"),
        ({"email": "not-an-address"}, "email"),
        ({"channels": ["pigeon"]}, "channels"),
    ],
)
def test_bad_preferences_are_422_naming_the_field(gateway: Gateway, body: dict[str, Any], field: str) -> None:
    response = gateway.request("PUT", "/me/notification-preferences", CLIENT_CALLER, json=body)

    assert field in assert_problem(response, 422, "validation_failed")["errors"]
    assert_no_rpc(gateway)


@pytest.mark.parametrize("caller", [THERAPIST_CALLER, ADMIN_CALLER])
def test_the_clinics_staff_read_and_set_its_reminder_defaults(gateway: Gateway, caller: Caller) -> None:
    rules = {"reminders": [{"anchor": "release", "offset_minutes": 60}]}
    gateway.notifications.get_reminder_defaults.return_value = rules
    gateway.notifications.set_reminder_defaults.return_value = rules

    assert gateway.request("GET", "/clinic/reminder-defaults", caller).json() == rules
    assert gateway.request("PUT", "/clinic/reminder-defaults", caller, json=rules).status_code == 200
    gateway.notifications.set_reminder_defaults.assert_called_once_with(CLINIC, rules)


def test_reminder_defaults_are_the_callers_clinics(gateway: Gateway) -> None:
    rules = {"reminders": [{"anchor": "due", "offset_minutes": -120}]}
    gateway.notifications.set_reminder_defaults.return_value = rules

    response = gateway.request("PUT", "/clinic/reminder-defaults", THERAPIST_CALLER, json=rules)

    assert response.status_code == 200
    gateway.notifications.set_reminder_defaults.assert_called_once_with(CLINIC, rules)
    bad = gateway.request(
        "PUT", "/clinic/reminder-defaults", THERAPIST_CALLER, json={"reminders": [{"anchor": "lunch"}]}
    )
    assert "reminders" in assert_problem(bad, 422, "validation_failed")["errors"]


def test_a_therapist_sends_a_follow_up(gateway: Gateway) -> None:
    gateway.notifications.send_follow_up.return_value = {"notification_id": "n-1"}

    response = gateway.request(
        "POST",
        "/clients/client-ada/follow-ups",
        THERAPIST_CALLER,
        headers={"X-Correlation-Id": "c-2"},
        json={"text": "See you Thursday."},
    )

    assert response.status_code == 202
    gateway.notifications.send_follow_up.assert_called_once_with(
        CLINIC, "therapist-1", "client-ada", {"text": "See you Thursday."}, "c-2", idempotency_key=None
    )
    empty = gateway.request("POST", "/clients/client-ada/follow-ups", THERAPIST_CALLER, json={"text": ""})
    assert "text" in assert_problem(empty, 422, "validation_failed")["errors"]


def test_deliveries_and_schedule_are_scoped_to_the_callers_clinic(gateway: Gateway) -> None:
    gateway.notifications.deliveries_for_client.return_value = []
    gateway.notifications.schedule_for_client.return_value = []

    assert gateway.request("GET", "/clients/client-ada/deliveries", THERAPIST_CALLER).json() == {"deliveries": []}
    assert gateway.request("GET", "/clients/client-ada/schedule", THERAPIST_CALLER).json() == {"entries": []}
    gateway.notifications.deliveries_for_client.assert_called_once_with(CLINIC, "client-ada")
    gateway.notifications.schedule_for_client.assert_called_once_with(CLINIC, "client-ada")


def test_a_therapist_creates_a_recurrence_in_the_clients_zone(gateway: Gateway) -> None:
    body = {
        "client_id": "client-ada",
        "activity_id": "0b7d3c1e-9a5e-4a53-8f5b-5a1f3f2a9c11",
        "rule": "FREQ=DAILY;COUNT=14",
        "starts_at": "2026-03-27T07:00:00",
        "time_zone": "Europe/London",
    }
    gateway.assignments.create_recurrence.return_value = {"recurrence_id": RECURRENCE_ID}

    response = gateway.request("POST", "/recurrences", THERAPIST_CALLER, headers={"X-Correlation-Id": "c-3"}, json=body)

    assert response.status_code == 201
    gateway.assignments.create_recurrence.assert_called_once_with(
        CLINIC, "therapist-1", body, "c-3", idempotency_key=None
    )
    missing_zone = {key: value for key, value in body.items() if key != "time_zone"}
    refused = gateway.request("POST", "/recurrences", THERAPIST_CALLER, json=missing_zone)
    assert "time_zone" in assert_problem(refused, 422, "validation_failed")["errors"]


def test_a_pathway_step_needs_the_amount_its_rule_names(gateway: Gateway) -> None:
    step = {"activity_id": "0b7d3c1e-9a5e-4a53-8f5b-5a1f3f2a9c11", "release": {"type": "days_after_enrolment"}}

    response = gateway.request("POST", "/pathways", THERAPIST_CALLER, json={"name": "P", "steps": [step]})

    errors = assert_problem(response, 422, "validation_failed")["errors"]
    assert errors == {"steps": {"0": {"release": {"days": ["Required for days_after_enrolment."]}}}}
    assert_no_rpc(gateway)


def test_enrolment_actions_reach_the_assignments_service(gateway: Gateway) -> None:
    gateway.assignments.change_enrolment.return_value = {"status": "paused"}

    response = gateway.request(
        "POST", f"/enrolments/{PATHWAY_ID}/pause", THERAPIST_CALLER, headers={"X-Correlation-Id": "c-4"}
    )

    assert response.json() == {"status": "paused"}
    gateway.assignments.change_enrolment.assert_called_once_with(
        CLINIC, "therapist-1", PATHWAY_ID, "pause", "c-4", therapist_id="therapist-1"
    )
    # An unknown action is not routed: 404, or 405 since the CORS preflight route matches every path.
    assert gateway.request("POST", f"/enrolments/{PATHWAY_ID}/explode", THERAPIST_CALLER).status_code in (404, 405)


def test_a_group_assignment_names_no_client(gateway: Gateway) -> None:
    body = {"activity_id": "0b7d3c1e-9a5e-4a53-8f5b-5a1f3f2a9c11"}
    gateway.assignments.get_group.return_value = {"group_id": PATHWAY_ID, "created_by": "therapist-1"}
    gateway.assignments.assign_to_group.return_value = {"group_id": PATHWAY_ID}

    response = gateway.request(
        "POST", f"/groups/{PATHWAY_ID}/assignments", THERAPIST_CALLER, headers={"X-Correlation-Id": "c-5"}, json=body
    )

    assert response.status_code == 201
    gateway.assignments.assign_to_group.assert_called_once_with(
        CLINIC, "therapist-1", PATHWAY_ID, "activity", body, "c-5", idempotency_key=None
    )
    refused = gateway.request(
        "POST", f"/groups/{PATHWAY_ID}/assignments", THERAPIST_CALLER, json={**body, "client_id": "client-ada"}
    )
    assert "client_id" in assert_problem(refused, 422, "validation_failed")["errors"]
    joining = gateway.request(
        "POST", f"/groups/{PATHWAY_ID}/members", THERAPIST_CALLER, json={"client_id": "c", "joining": "yesterday"}
    )
    assert "joining" in assert_problem(joining, 422, "validation_failed")["errors"]


SCOPED_TO_THE_THERAPIST = [
    ("GET", f"/recurrences/{RECURRENCE_ID}", "get_recurrence"),
    ("POST", f"/recurrences/{RECURRENCE_ID}/cancel", "cancel_recurrence"),
    ("GET", f"/pathways/{PATHWAY_ID}", "get_pathway"),
    ("GET", f"/pathways/{PATHWAY_ID}/enrolments", "list_enrolments"),
    ("GET", f"/enrolments/{PATHWAY_ID}", "get_enrolment"),
    ("POST", f"/enrolments/{PATHWAY_ID}/resume", "change_enrolment"),
    ("GET", f"/groups/{PATHWAY_ID}", "get_group"),
    ("POST", f"/groups/{PATHWAY_ID}/members", "add_group_member"),
    ("DELETE", f"/groups/{PATHWAY_ID}/members/client-ada", "remove_group_member"),
]


@pytest.mark.parametrize(("method", "path", "rpc"), SCOPED_TO_THE_THERAPIST)
def test_a_therapist_reaches_only_what_they_made(gateway: Gateway, method: str, path: str, rpc: str) -> None:
    """The service is asked with the caller's therapist scope: a colleague's object is its NotFound."""
    for name in ("get_group", rpc):
        getattr(gateway.assignments, name).return_value = {"group_id": PATHWAY_ID}
    gateway.assignments.list_enrolments.return_value = []

    body = {"client_id": "client-ada"} if rpc == "add_group_member" else None  # the others take no fields
    response = gateway.request(method, path, THERAPIST_CALLER, json=body)

    assert response.status_code == 200
    assert getattr(gateway.assignments, rpc).call_args.kwargs["therapist_id"] == "therapist-1"


@pytest.mark.parametrize(
    ("path", "rpc", "key"), [("/pathways", "list_pathways", "pathways"), ("/groups", "list_groups", "groups")]
)
def test_a_therapist_lists_only_the_pathways_and_groups_they_made(
    gateway: Gateway, path: str, rpc: str, key: str
) -> None:
    getattr(gateway.assignments, rpc).return_value = [{"name": "Mine"}]

    response = gateway.request("GET", path, THERAPIST_CALLER)

    assert response.status_code == 200 and response.json() == {key: [{"name": "Mine"}]}
    getattr(gateway.assignments, rpc).assert_called_once_with(CLINIC, "therapist-1")
