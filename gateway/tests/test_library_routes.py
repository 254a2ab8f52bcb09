"""Interface tests of the builder's routes (routes/library.py) and the assign route's names.

Same mocking policy as test_routes.py: only the RPC proxies are mocks; the HTTP server, token
signing, the media store (in a temporary folder) and the display names from config are real.
"""

import hashlib
from collections.abc import Iterator
from typing import Any
from unittest.mock import MagicMock

import pytest
import requests
from nameko.messaging import QueueConsumer
from nameko.rpc import ReplyListener
from nameko.testing.services import replace_dependencies

from interlude_contracts.errors import NotFound
from interlude_gateway.auth import CLIENT, THERAPIST, Caller, TokenSigner
from interlude_gateway.routes.library import render
from interlude_gateway.service import GatewayService

SECRET = "y" * 32
THERAPIST_CALLER = Caller(subject="therapist-1", role=THERAPIST, clinic_id="clinic-a")
CLIENT_CALLER = Caller(subject="client-ada", role=CLIENT, clinic_id="clinic-a")
OTHER_CLINIC_THERAPIST = Caller(subject="therapist-b", role=THERAPIST, clinic_id="clinic-b")
OTHER_CLINIC_CLIENT = Caller(subject="client-kim", role=CLIENT, clinic_id="clinic-b")
PNG = b"\x89PNG\r\n\x1a\n" + b"pixels" * 10
ACTIVITY_ID = "0b7d3c1e-9a5e-4a53-8f5b-5a1f3f2a9c11"
ASSIGNMENT_ID = "5d0c2f4e-1b7a-4c8e-9f60-0c9a3e7d2b55"
IMAGE = "/media/" + "a" * 64 + ".png"

ASSIGNMENT: dict[str, Any] = {
    "assignment_id": ASSIGNMENT_ID,
    "clinic_id": "clinic-a",
    "client_id": "client-ada",
    "therapist_id": "therapist-1",
    "activity_id": ACTIVITY_ID,
    "activity_version": 1,
    "title": "Ball under water",
    "instructions": "Hi Ada",
    "measure": None,
    "items": [
        {"id": "pic", "type": "media", "prompt": "Look", "required": False, "media": {"kind": "image", "url": IMAGE}},
        {
            "id": "helped",
            "type": "single_choice",
            "prompt": "Helpful?",
            "required": True,
            "options": [{"value": "y", "label": "Yes", "score": 1}, {"value": "n", "label": "No", "score": 0}],
        },
        {
            "id": "why",
            "type": "free_text",
            "prompt": "Why not?",
            "required": True,
            "max_length": 100,
            "show_if": {"all": [{"item_id": "helped", "operator": "equals", "value": "n"}]},
        },
    ],
    "pages": [{"id": "one", "item_ids": ["pic", "helped"]}, {"id": "two", "item_ids": ["why"]}],
    "status": "submitted",
    "assigned_at": "2026-01-05T09:30:00+00:00",
    "due_at": None,
    "submitted_at": "2026-01-06T09:30:00+00:00",
    "cancelled_at": None,
    "answers": {"helped": "y"},
    "scores": {},
    "risk_flags": [],
}


class Gateway:
    def __init__(self, url: str, activities: MagicMock, assignments: MagicMock) -> None:
        self.url, self.activities, self.assignments = url, activities, assignments
        self.signer = TokenSigner(SECRET, 600)

    def request(self, method: str, path: str, caller: Caller | None, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if caller:
            headers["Authorization"] = f"Bearer {self.signer.issue(caller)}"
        return requests.request(method, self.url + path, headers=headers, timeout=10, **kwargs)


@pytest.fixture
def gateway(container_factory: Any, amqp_uri: str, tmp_path: Any) -> Iterator[Gateway]:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = {
        "AMQP_URI": amqp_uri,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
        "TOKEN_SECRET": SECRET,
        "USERS": {},
        "MEDIA_DIR": str(tmp_path / "media"),
        "THERAPIST_NAMES": {"therapist-1": "Dr Lee"},
        "CLINIC_NAMES": {"clinic-a": "Harbour Clinic"},
    }
    container = container_factory(GatewayService, config)
    activities, assignments, _, _, identity = replace_dependencies(
        container, "activities", "assignments", "notifications", "reporting", "identity"
    )
    identity.session_generation.return_value = 0  # every caller's account is active, its tokens current
    for extension in [e for e in container.subextensions if isinstance(e, ReplyListener | QueueConsumer)]:
        container.subextensions.remove(extension)
    container.start()
    yield Gateway(f"http://127.0.0.1:{port}", activities, assignments)
    container.stop()


def test_render_gives_pages_of_items_with_rules_absolute_media_and_no_scores() -> None:
    rendered = render(ASSIGNMENT, "https://api.example")

    assert [page["id"] for page in rendered["pages"]] == ["one", "two"]
    pic, helped = rendered["pages"][0]["items"]
    assert pic["media"]["url"] == "https://api.example" + IMAGE and pic["answerable"] is False
    assert helped["options"] == [{"value": "y", "label": "Yes"}, {"value": "n", "label": "No"}]
    assert rendered["pages"][1]["items"][0]["show_if"] == ASSIGNMENT["items"][2]["show_if"]
    assert rendered["submit_url"] == f"https://api.example/assignments/{ASSIGNMENT_ID}/responses"


def test_a_client_renders_only_their_own_assignment(gateway: Gateway) -> None:
    gateway.assignments.get_assignment.return_value = ASSIGNMENT

    response = gateway.request("GET", f"/assignments/{ASSIGNMENT_ID}/render", CLIENT_CALLER)

    assert response.status_code == 200
    assert response.json()["pages"][0]["items"][1]["id"] == "helped"
    gateway.assignments.get_assignment.assert_called_once_with("clinic-a", ASSIGNMENT_ID, client_id="client-ada")


def test_the_assign_route_fills_therapist_and_clinic_names_from_config(gateway: Gateway) -> None:
    gateway.assignments.assign.return_value = ASSIGNMENT
    body = {"client_id": "client-ada", "activity_id": ACTIVITY_ID, "client_first_name": "Ada"}

    assert gateway.request("POST", "/assignments", THERAPIST_CALLER, json=body).status_code == 201

    sent = gateway.assignments.assign.call_args.args[2]
    assert (sent["client_first_name"], sent["therapist_name"], sent["clinic_name"]) == (
        "Ada",
        "Dr Lee",
        "Harbour Clinic",
    )
    gateway.request("POST", "/assignments", THERAPIST_CALLER, json=body | {"therapist_name": "Sam"})
    assert gateway.assignments.assign.call_args.args[2]["therapist_name"] == "Sam"


def test_library_routes_call_the_activities_service(gateway: Gateway) -> None:
    gateway.activities.browse_library.return_value = [{"slug": "phq-9"}]
    gateway.activities.copy_from_library.return_value = {"activity_id": ACTIVITY_ID}
    gateway.activities.get_library_entry.side_effect = NotFound("No such library entry.", {"slug": ["none"]})

    assert gateway.request("GET", "/library?tag=assessment", THERAPIST_CALLER).json() == {
        "entries": [{"slug": "phq-9"}]
    }
    gateway.activities.browse_library.assert_called_once_with("assessment")
    assert gateway.request("POST", "/library/phq-9/copy", THERAPIST_CALLER).status_code == 201
    assert gateway.activities.copy_from_library.call_args.args[:3] == ("clinic-a", "therapist-1", "phq-9")
    assert gateway.request("GET", "/library/bdi-ii", THERAPIST_CALLER).status_code == 404
    assert gateway.request("GET", "/library", CLIENT_CALLER).status_code == 403


def test_fhir_export_of_a_draft_a_version_and_a_response_come_from_the_activities_service(gateway: Gateway) -> None:
    questionnaire_resource = {"resourceType": "Questionnaire", "version": "1", "item": []}
    response_resource = {"resourceType": "QuestionnaireResponse", "item": [{"linkId": "helped"}]}
    gateway.activities.draft_questionnaire.return_value = {"resourceType": "Questionnaire", "status": "draft"}
    gateway.activities.version_questionnaire.return_value = questionnaire_resource
    gateway.activities.questionnaire_response.return_value = response_resource
    gateway.assignments.get_assignment.return_value = ASSIGNMENT

    draft = gateway.request("GET", f"/activities/{ACTIVITY_ID}/fhir", THERAPIST_CALLER)
    questionnaire = gateway.request("GET", f"/activities/{ACTIVITY_ID}/versions/1/fhir", THERAPIST_CALLER)
    response = gateway.request("GET", f"/assignments/{ASSIGNMENT_ID}/fhir", THERAPIST_CALLER)

    assert draft.headers["Content-Type"] == "application/fhir+json"
    assert draft.json() == {"resourceType": "Questionnaire", "status": "draft"}
    gateway.activities.draft_questionnaire.assert_called_once_with("clinic-a", ACTIVITY_ID)
    assert questionnaire.headers["Content-Type"] == "application/fhir+json"
    assert questionnaire.json() == questionnaire_resource
    gateway.activities.version_questionnaire.assert_called_once_with("clinic-a", ACTIVITY_ID, 1)
    assert response.headers["Content-Type"] == "application/fhir+json"
    assert response.json() == response_resource
    gateway.activities.questionnaire_response.assert_called_once_with(ASSIGNMENT)
    gateway.assignments.get_assignment.return_value = ASSIGNMENT | {"status": "assigned", "answers": None}
    assert gateway.request("GET", f"/assignments/{ASSIGNMENT_ID}/fhir", THERAPIST_CALLER).status_code == 409
    assert gateway.activities.questionnaire_response.call_count == 1


def test_fhir_import_passes_the_resource_and_refuses_non_json(gateway: Gateway) -> None:
    gateway.activities.import_questionnaire.return_value = {"activity": {}, "unmapped": []}
    questionnaire = {"resourceType": "Questionnaire", "item": []}

    assert gateway.request("POST", "/activities/fhir", THERAPIST_CALLER, json=questionnaire).status_code == 201
    assert gateway.activities.import_questionnaire.call_args.args[2] == questionnaire
    assert gateway.request("POST", "/activities/fhir", THERAPIST_CALLER, data="{nope").status_code == 400


def test_media_upload_is_stored_once_by_content_and_served_back(gateway: Gateway) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"pixels" * 10
    headers = {"Content-Type": "image/png"}

    first = gateway.request("POST", "/media", THERAPIST_CALLER, data=png, headers=dict(headers))
    second = gateway.request("POST", "/media", THERAPIST_CALLER, data=png, headers=dict(headers))

    assert first.status_code == 201 and first.json()["kind"] == "image"
    assert first.json()["url"] == second.json()["url"]
    served = gateway.request("GET", first.json()["url"], CLIENT_CALLER)
    assert (served.status_code, served.content, served.headers["Content-Type"]) == (200, png, "image/png")
    assert gateway.request("GET", first.json()["url"], None).status_code == 401


def test_media_upload_refuses_other_types_empty_bodies_and_clients(gateway: Gateway) -> None:
    text = gateway.request("POST", "/media", THERAPIST_CALLER, data=b"hi", headers={"Content-Type": "text/html"})

    assert text.status_code == 415
    empty = gateway.request("POST", "/media", THERAPIST_CALLER, data=b"", headers={"Content-Type": "audio/mpeg"})
    assert empty.status_code == 422
    as_client = gateway.request("POST", "/media", CLIENT_CALLER, data=b"x", headers={"Content-Type": "audio/mpeg"})
    assert as_client.status_code == 403
    # Not routed: 404, or 405 since the CORS preflight route matches every path for OPTIONS.
    assert gateway.request("GET", "/media/../../etc/passwd", CLIENT_CALLER).status_code in (404, 405)
    assert gateway.request("GET", "/media/" + "b" * 64 + ".png", CLIENT_CALLER).status_code == 404


def test_media_is_served_as_stored_with_nosniff(gateway: Gateway) -> None:
    url = gateway.request("POST", "/media", THERAPIST_CALLER, data=PNG, headers={"Content-Type": "image/png"}).json()

    served = gateway.request("GET", url["url"], CLIENT_CALLER)

    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Type"] == "image/png"


def test_media_of_one_clinic_is_not_found_for_another_clinic(gateway: Gateway) -> None:
    url = gateway.request("POST", "/media", THERAPIST_CALLER, data=PNG, headers={"Content-Type": "image/png"}).json()

    for caller in (OTHER_CLINIC_THERAPIST, OTHER_CLINIC_CLIENT):
        assert gateway.request("GET", url["url"], caller).status_code == 404, caller
    assert gateway.request("GET", url["url"], THERAPIST_CALLER).content == PNG


def test_the_same_file_uploaded_by_two_clinics_is_each_ones_own(gateway: Gateway) -> None:
    png = {"data": PNG, "headers": {"Content-Type": "image/png"}}
    ours = gateway.request("POST", "/media", THERAPIST_CALLER, **png).json()
    theirs = gateway.request("POST", "/media", OTHER_CLINIC_THERAPIST, **png).json()

    assert ours["url"] == theirs["url"]
    assert gateway.request("GET", ours["url"], OTHER_CLINIC_CLIENT).content == PNG
    assert gateway.request("GET", ours["url"], CLIENT_CALLER).content == PNG


@pytest.mark.parametrize(
    ("declared", "content"),
    [
        ("audio/mpeg", PNG),  # a PNG declared as audio
        ("image/png", b"<html><script>alert(1)</script></html>"),
        ("image/jpeg", PNG),
        ("image/gif", b"GIF90a" + b"x" * 10),
        ("image/webp", b"RIFF\x00\x00\x00\x00WAVEfmt "),
        ("audio/wav", b"RIFF\x00\x00\x00\x00WEBPVP8 "),
        ("audio/ogg", b"ID3\x04\x00" + b"x" * 10),
        ("video/mp4", b"OggS" + b"x" * 10),
        ("video/webm", b"\x00\x00\x00\x18ftypmp42"),
    ],
)
def test_media_whose_bytes_are_not_the_declared_type_is_refused(
    gateway: Gateway, declared: str, content: bytes
) -> None:
    response = gateway.request("POST", "/media", THERAPIST_CALLER, data=content, headers={"Content-Type": declared})

    assert response.status_code == 415
    assert declared in response.json()["detail"]
    stored_name = hashlib.sha256(content).hexdigest()
    for extension in ("png", "jpg", "gif", "webp", "mp3", "ogg", "wav", "m4a", "mp4", "webm"):
        assert gateway.request("GET", f"/media/{stored_name}.{extension}", THERAPIST_CALLER).status_code == 404


@pytest.mark.parametrize(
    ("declared", "content"),
    [
        ("image/png", PNG),
        ("image/jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF"),
        ("image/gif", b"GIF89a" + b"x" * 10),
        ("image/webp", b"RIFF\x10\x00\x00\x00WEBPVP8 "),
        ("audio/mpeg", b"ID3\x04\x00" + b"x" * 10),
        ("audio/mpeg", b"\xff\xfb\x90\x64" + b"x" * 10),
        ("audio/ogg", b"OggS\x00\x02" + b"x" * 10),
        ("audio/wav", b"RIFF\x24\x08\x00\x00WAVEfmt "),
        ("audio/mp4", b"\x00\x00\x00\x20ftypM4A "),
        ("video/mp4", b"\x00\x00\x00\x18ftypmp42"),
        ("video/webm", b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81"),
    ],
)
def test_media_of_each_allowed_type_is_accepted(gateway: Gateway, declared: str, content: bytes) -> None:
    response = gateway.request("POST", "/media", THERAPIST_CALLER, data=content, headers={"Content-Type": declared})

    assert response.status_code == 201, response.text
    assert gateway.request("GET", response.json()["url"], CLIENT_CALLER).headers["Content-Type"] == declared


def test_versions_and_archive_routes(gateway: Gateway) -> None:
    gateway.activities.list_versions.return_value = [{"version": 1}]
    gateway.activities.set_archived.return_value = {"archived": True}
    gateway.activities.list_activities.return_value = [{"archived": True}, {"archived": False}]

    assert gateway.request("GET", f"/activities/{ACTIVITY_ID}/versions", THERAPIST_CALLER).json() == {
        "versions": [{"version": 1}]
    }
    gateway.request("POST", f"/activities/{ACTIVITY_ID}/archive", THERAPIST_CALLER)
    assert gateway.activities.set_archived.call_args.args[:3] == ("clinic-a", ACTIVITY_ID, True)
    gateway.request("POST", f"/activities/{ACTIVITY_ID}/restore", THERAPIST_CALLER)
    assert gateway.activities.set_archived.call_args.args[:3] == ("clinic-a", ACTIVITY_ID, False)
    assert gateway.request("GET", "/activities/archived", THERAPIST_CALLER).json() == {
        "activities": [{"archived": True}]
    }
