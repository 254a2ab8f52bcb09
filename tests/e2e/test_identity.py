"""End to end: identity, roles, the isolation matrix, tokens, audit and idempotent submissions.

One stack (every service, both relays, the gateway; SQLite) shared by the
module. Clinic A is the seeded demo clinic: its therapist makes one of every
kind of object for their client Ada (assignments, one answered and one raising
a risk flag, a recurrence, a pathway with Ada enrolled, a group with Ada in it
and programmes sent to it); a second therapist of the same clinic has a client
of their own. Clinic B is opened by the operator through the API. The isolation
matrix then walks every route the gateway declares, with the real ids of those
objects, so a route added later is walked too.
"""

import base64
import inspect
import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from nameko.web.handlers import HttpRequestHandler

from interlude_gateway.auth import Caller, TokenSigner
from interlude_gateway.service import GatewayService
from interlude_runtime.shredding import MASTER_KEY_VARIABLE

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import running_stack
from test_flow import MOOD_CHECK_IN, SECRET, Api, Stack, login, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.rabbitmq]

PASSWORD = "a-long-enough-password"
MASTER_KEY = base64.b64encode(os.urandom(32)).decode()
OPERATOR = ("operator@interlude.local", "operator-demo-pass")
ADMIN = ("admin@demo.clinic", "admin-demo-pass")
THERAPIST = ("therapist@demo.clinic", "therapist-demo-pass")
ADA = ("ada@demo.client", "client-demo-pass")
SECRET_NOTE = f"isolation-secret-{uuid.uuid4().hex}"
TITLE = f"Isolation check {uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def stack(tmp_path_factory, rabbit_vhost, bus_users) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("stack-identity")
    with running_stack(
        root, rabbit_vhost(), {}, {"GATEWAY_TOKEN_SECRET": SECRET, MASTER_KEY_VARIABLE: MASTER_KEY}, bus_users=bus_users
    ) as running:
        yield running


def onboard(base: str, inviter: Api, username: str, role: str) -> tuple[Api, str]:
    """Invite, redeem and log in; returns the new account's session and id."""
    invitation = inviter.call("POST", "/invitations", {"username": username, "role": role}, expect=201)
    account = Api(base).call("POST", "/invitations/redeem", {"code": invitation["code"], "password": PASSWORD}, 200)
    return login(base, username, PASSWORD), account["account_id"]


@dataclass
class World:
    """Clinic A's data, and the sessions that must not reach it."""

    activity_id: str
    open_assignment: str
    answered_assignment: str
    flagged_assignment: str  # answered with a risk flag raised
    flag_id: str
    recurrence_id: str
    pathway_id: str
    enrolment_id: str  # Ada on the pathway
    group_id: str  # Ada is a member; an activity, a recurrence and the pathway were sent to it
    media_name: str  # an image the owner uploaded: clinic A's content
    owner: Api  # clinic A's therapist
    client: Api  # Ada
    attackers: dict[str, Api]
    same_clinic: set[str]
    own_client: dict[str, str]  # the client each attacker may name themself (their own, or themselves)

    def owners_objects(self) -> list[str]:
        return [
            self.open_assignment,
            self.answered_assignment,
            self.flagged_assignment,
            self.flag_id,
            self.recurrence_id,
            self.pathway_id,
            self.enrolment_id,
            self.group_id,
        ]


def recurrence_body(activity_id: str) -> dict[str, Any]:
    """A weekly recurrence that releases nothing while the tests run."""
    return {
        "activity_id": activity_id,
        "rule": "FREQ=WEEKLY;COUNT=4",
        "starts_at": "2030-01-07T09:00:00",
        "time_zone": "Europe/London",
    }


def pathway_body(activity_id: str) -> dict[str, Any]:
    step = {"activity_id": activity_id, "release": {"type": "days_after_enrolment", "days": 30}}
    return {"name": f"Pathway {uuid.uuid4().hex[:6]}", "steps": [step]}


def flagged_assignment(therapist: Api, client: Api) -> tuple[str, str]:
    """A PHQ-9 for Ada, answered so that its item 9 raises a risk flag: (assignment id, flag id)."""
    copy = therapist.call("POST", "/library/phq-9/copy", expect=201)
    therapist.call("POST", f"/activities/{copy['activity_id']}/publish", expect=201)
    assignment = therapist.call(
        "POST", "/assignments", {"client_id": "client-ada", "activity_id": copy["activity_id"]}, 201
    )["assignment_id"]
    answers = {f"phq9_{n}": "1" for n in range(1, 9)} | {"phq9_9": "2", "phq9_difficulty": "somewhat"}
    client.call("POST", f"/assignments/{assignment}/responses", {"answers": answers}, expect=201)
    flags = wait_until(
        lambda: [
            f["flag_id"]
            for f in therapist.call("GET", "/clients/client-ada/risk-flags", expect=200)["risk_flags"]
            if f["assignment_id"] == assignment
        ],
        what="the risk flag",
    )
    return assignment, flags[0]


IMAGE = b"\x89PNG\r\n\x1a\n" + uuid.uuid4().bytes  # unique per run: no other clinic holds the same file


def upload_image(base: str, therapist: Api) -> str:
    """Upload a PNG as the therapist; returns its ``/media/<name>`` URL."""
    response = therapist.session.post(base + "/media", data=IMAGE, headers={"Content-Type": "image/png"}, timeout=30)
    assert response.status_code == 201, response.text
    return response.json()["url"]


@pytest.fixture(scope="module")
def world(stack: Stack) -> World:
    base = stack.url
    run = uuid.uuid4().hex[:6]
    therapist, client, admin = login(base, *THERAPIST), login(base, *ADA), login(base, *ADMIN)
    activity = therapist.call("POST", "/activities", {**MOOD_CHECK_IN, "title": TITLE}, expect=201)
    therapist.call("POST", f"/activities/{activity['activity_id']}/publish", expect=201)
    open_one = therapist.call(
        "POST", "/assignments", {"client_id": "client-ada", "activity_id": activity["activity_id"]}, 201
    )
    answered = therapist.call(
        "POST", "/assignments", {"client_id": "client-ada", "activity_id": activity["activity_id"]}, 201
    )
    answers = {"answers": {"mood": 4, "sleep": "poor", "note": SECRET_NOTE}}
    client.call("POST", f"/assignments/{answered['assignment_id']}/responses", answers, expect=201)
    flagged, flag_id = flagged_assignment(therapist, client)
    activity_id = activity["activity_id"]
    recurrence = therapist.call(
        "POST", "/recurrences", {**recurrence_body(activity_id), "client_id": "client-ada"}, 201
    )
    pathway = therapist.call("POST", "/pathways", pathway_body(activity_id), expect=201)
    enrolment = therapist.call(
        "POST", f"/pathways/{pathway['pathway_id']}/enrolments", {"client_id": "client-ada"}, expect=201
    )
    group = therapist.call("POST", "/groups", {"name": f"Group {run}", "members": ["client-ada"]}, expect=201)
    media_url = upload_image(base, therapist)
    for kind, body in [
        ("assignments", {"activity_id": activity_id}),
        ("recurrences", recurrence_body(activity_id)),
        ("pathways", {"pathway_id": pathway["pathway_id"]}),
    ]:
        therapist.call("POST", f"/groups/{group['group_id']}/{kind}", body, expect=201)

    colleague, _ = onboard(base, admin, f"lee-{run}@demo.clinic", "therapist")
    colleagues_client, joe = onboard(base, colleague, f"joe-{run}@example.org", "client")
    operator = login(base, *OPERATOR)
    clinic_b = operator.call("POST", "/clinics", {"name": f"B {run}", "admin_username": f"admin-{run}@b.example"}, 201)
    Api(base).call("POST", "/invitations/redeem", {"code": clinic_b["invitation"]["code"], "password": PASSWORD}, 200)
    admin_b = login(base, f"admin-{run}@b.example", PASSWORD)
    therapist_b, _ = onboard(base, admin_b, f"sam-{run}@b.example", "therapist")
    analyst_b, _ = onboard(base, admin_b, f"ana-{run}@b.example", "analyst")
    client_b, kim = onboard(base, therapist_b, f"kim-{run}@b.example", "client")
    return World(
        activity_id=activity_id,
        open_assignment=open_one["assignment_id"],
        answered_assignment=answered["assignment_id"],
        flagged_assignment=flagged,
        flag_id=flag_id,
        recurrence_id=recurrence["recurrence_id"],
        pathway_id=pathway["pathway_id"],
        enrolment_id=enrolment["enrolment_id"],
        group_id=group["group_id"],
        media_name=media_url.removeprefix("/media/"),
        owner=therapist,
        client=client,
        attackers={
            "other-clinic-therapist": therapist_b,
            "other-clinic-admin": admin_b,
            "other-clinic-analyst": analyst_b,
            "other-clinic-client": client_b,
            "operator": operator,
            "same-clinic-other-therapist": colleague,
            "same-clinic-other-client": colleagues_client,
        },
        same_clinic={"same-clinic-other-therapist", "same-clinic-other-client"},
        own_client={
            "other-clinic-therapist": kim,
            "other-clinic-admin": kim,
            "other-clinic-analyst": kim,
            "other-clinic-client": kim,
            "operator": "client-ada",  # the operator has no client of their own
            "same-clinic-other-therapist": joe,
            "same-clinic-other-client": joe,
        },
    )


# -- the isolation matrix ---------------------------------------------------------------

PUBLIC = {
    "/health",
    "/health/ready",
    "/auth/token",
    "/auth/refresh",
    "/auth/logout",
    "/invitations/redeem",
    "/openapi.json",
    "/docs",
    "/fhir/metadata",  # the FHIR CapabilityStatement: no data
    "/<path:path>",  # CORS preflight, and the 404/405 problems of requests no route takes: no data
    "/",  # nothing is served at the root: a 404 problem
    "/app/",  # the web app's static bundle: no data
    "/app/<path:path>",
}
# Path parameters naming a clinic's shared content (its activity library, its media): colleagues may reach it.
CLINIC_CONTENT = {"activity_id", "version", "name"}


def gateway_routes() -> list[tuple[str, str]]:
    """Every (method, URL rule) the gateway declares: new routes are walked without editing this test."""
    routes = set()
    for _, member in inspect.getmembers(GatewayService):
        for entrypoint in getattr(member, "nameko_entrypoints", ()):
            if isinstance(entrypoint, HttpRequestHandler):
                routes.update((method, entrypoint.url) for method in entrypoint.method.split(","))
    return sorted(routes)


VARIABLE = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")  # <name>, <int:name>, <any(a, b):name>
# Parameters that choose among fixed things (a report, an action), not whose data: not identifying.
NOT_IDENTIFYING = {"report", "measure", "action", "kind"}
# Path parameters probed with a fresh id, and why: they name no object of clinic A's client.
FRESH = {
    "slug": "the library is shared by every clinic",
    "measure": "a measure's name, not an object",
}


def concrete_rules(rule: str) -> list[str]:
    """The rule once per choice of each ``<any(...)>`` (every action, every kind), other variables left."""
    match = next((m for m in VARIABLE.finditer(rule) if m.group(1) == "any"), None)
    if match is None:
        return [rule]
    choices = [choice.strip() for choice in match.group(2).split(",")]
    return [r for choice in choices for r in concrete_rules(rule[: match.start()] + choice + rule[match.end() :])]


def path_for(rule: str, world: World) -> tuple[str, set[str]]:
    """The path with the real id of clinic A's object in each variable, and the identifying variables."""
    values = {
        "activity_id": world.activity_id,
        "version": "1",
        "assignment_id": world.flagged_assignment if "<flag_id>" in rule else world.answered_assignment,
        "flag_id": world.flag_id,
        "client_id": "client-ada",
        "recurrence_id": world.recurrence_id,
        "pathway_id": world.pathway_id,
        "enrolment_id": world.enrolment_id,
        "group_id": world.group_id,
        "report": "timeline",
        "name": world.media_name,
    }

    def value(match: re.Match) -> str:
        name = match.group(3)
        if name in FRESH:
            return str(uuid.uuid4())
        # A random id proves nothing: a new kind of id needs a real object of clinic A's in the world.
        assert name in values, f"{rule}: make one {name} in the world fixture and name it in path_for"
        return values[name]

    names = {m.group(3) for m in VARIABLE.finditer(rule)} - NOT_IDENTIFYING
    return VARIABLE.sub(value, rule), names


def body_for(method: str, rule: str, world: World, attacker: str) -> dict[str, Any] | None:
    """A valid body, so that a refusal comes from whose object it is, not from the input.

    Where a body names a client beside an object in the path, it names the attacker's own client: the
    object must be refused even to someone who may reach the client.
    """
    own_client = world.own_client[attacker]
    recurrence = recurrence_body(world.activity_id)
    bodies = {
        ("POST", "/assignments"): {"client_id": "client-ada", "activity_id": world.activity_id},
        ("POST", "/assignments/<assignment_id>/responses"): {"answers": {"mood": 1, "sleep": "good"}},
        ("PUT", "/activities/<activity_id>/draft"): MOOD_CHECK_IN,
        ("POST", "/activities"): MOOD_CHECK_IN,
        ("POST", "/pathways"): pathway_body(world.activity_id),
        ("POST", "/pathways/<pathway_id>/enrolments"): {"client_id": own_client},
        ("POST", "/groups"): {"name": "Taken over", "members": ["client-ada"]},
        ("POST", "/groups/<group_id>/members"): {"client_id": own_client},
        ("POST", "/groups/<group_id>/assignments"): {"activity_id": world.activity_id},
        ("POST", "/groups/<group_id>/recurrences"): recurrence,
        ("POST", "/groups/<group_id>/pathways"): {"pathway_id": world.pathway_id},
        ("POST", "/clients/<client_id>/follow-ups"): {"text": "How did the week go?"},
        ("POST", "/recurrences"): {**recurrence, "client_id": "client-ada"},
        ("POST", "/assignments/<assignment_id>/due-date"): {"due_at": "2099-01-01T09:00:00+00:00"},
        ("POST", "/assignments/<assignment_id>/risk-flags/<flag_id>/acknowledge"): {"note": "Seen."},
    }
    return bodies.get((method, rule), {} if method in ("POST", "PUT", "PATCH") else None)


# Routes without an id in the path that still aim at clinic A's client: refused like an id would be.
AIMED_AT_CLIENT = {
    ("POST", "/assignments"): "body",
    ("POST", "/recurrences"): "body",
    ("POST", "/groups"): "body",
    ("GET", "/audit"): "client_id=client-ada",
    ("GET", "/fhir/QuestionnaireResponse"): "subject=Patient/client-ada",
}


def secrets_of(world: World, attacker: str) -> list[str]:
    """What must never appear in an answer to this attacker."""
    client_data = ["client-ada", *world.owners_objects(), SECRET_NOTE]
    return client_data if attacker in world.same_clinic else [*client_data, world.activity_id, TITLE]


def isolation_holes(stack: Stack, world: World) -> list[str]:
    """Every answer to an attacker that is a 5xx, leaks clinic A's data, or is not a refusal where one is due."""
    routes = gateway_routes()
    assert len(routes) >= 20 and ("GET", "/clients/<client_id>/report") in routes
    holes = []
    for method, declared in routes:
        if declared in PUBLIC:
            continue
        for rule in concrete_rules(declared):
            path, names = path_for(rule, world)
            query = AIMED_AT_CLIENT.get((method, rule), "")
            if "=" in query:
                path += f"?{query}"
            for name, session in world.attackers.items():
                body = body_for(method, rule, world, name)
                # A refusal may echo what the caller sent (the id it names); anything else it must not contain.
                sent = path + json.dumps(body)
                response = session.session.request(method, stack.url + path, json=body, timeout=30)
                content_only = names <= CLINIC_CONTENT and name in world.same_clinic
                must_refuse = bool(names or (method, rule) in AIMED_AT_CLIENT) and not content_only
                leaked = [s for s in secrets_of(world, name) if s in response.text and s not in sent]
                if response.status_code >= 500 or leaked or (must_refuse and response.status_code not in (403, 404)):
                    holes.append(
                        f"{name} {method} {path}: {response.status_code} leaked={leaked} {response.text[:200]}"
                    )
    return holes


def test_every_route_refuses_other_clinics_therapists_and_clients(stack: Stack, world: World) -> None:
    holes = isolation_holes(stack, world)
    assert holes == [], f"{len(holes)} holes:\n" + "\n".join(holes)


def test_a_colleague_cannot_send_the_owners_pathway_to_their_own_group(world: World) -> None:
    """A pathway is its therapist's: a colleague cannot enrol their own clients on it, one by one or as a group."""
    colleague, joe = world.attackers["same-clinic-other-therapist"], world.own_client["same-clinic-other-therapist"]
    group = colleague.call("POST", "/groups", {"name": "Theirs", "members": [joe]}, expect=201)

    colleague.call("POST", f"/groups/{group['group_id']}/pathways", {"pathway_id": world.pathway_id}, expect=404)
    colleague.call("POST", f"/pathways/{world.pathway_id}/enrolments", {"client_id": joe}, expect=404)

    assert colleague.call("GET", f"/groups/{group['group_id']}", expect=200)["programmes"] == []
    enrolled = world.owner.call("GET", f"/pathways/{world.pathway_id}/enrolments", expect=200)["enrolments"]
    assert {e["client_id"] for e in enrolled} == {"client-ada"}


def test_the_owners_reach_what_the_others_cannot(world: World) -> None:
    """The refusals above are scoping, not broken routes."""
    assert world.owner.call("GET", "/clients/client-ada/report", expect=200)["client_id"] == "client-ada"
    assert (
        world.owner.call("GET", f"/assignments/{world.answered_assignment}", expect=200)["answers"]["note"]
        == SECRET_NOTE
    )
    assert world.client.call("GET", f"/assignments/{world.open_assignment}", expect=200)["status"] == "assigned"
    assert "client-ada" in {c["account_id"] for c in world.owner.call("GET", "/clients", expect=200)["clients"]}
    # Nothing an attacker tried changed the owner's programme.
    assert world.owner.call("GET", f"/recurrences/{world.recurrence_id}", expect=200)["status"] == "active"
    assert world.owner.call("GET", f"/enrolments/{world.enrolment_id}", expect=200)["status"] == "active"
    enrolled = world.owner.call("GET", f"/pathways/{world.pathway_id}/enrolments", expect=200)["enrolments"]
    assert world.enrolment_id in {e["enrolment_id"] for e in enrolled}
    group = world.owner.call("GET", f"/groups/{world.group_id}", expect=200)
    assert (group["members"], len(group["programmes"])) == (["client-ada"], 3)
    for reader in (world.owner, world.client):
        image = reader.session.get(f"{world.owner.base}/media/{world.media_name}", timeout=30)
        assert (image.status_code, image.content) == (200, IMAGE)


def test_an_analyst_reads_reports_only(stack: Stack, world: World) -> None:
    admin = login(stack.url, *ADMIN)
    analyst, _ = onboard(stack.url, admin, f"ana-{uuid.uuid4().hex[:6]}@demo.clinic", "analyst")

    # An analyst never reads a client's id or first name (issue 15, finding 7): pseudonyms and published titles.
    personal = {**MOOD_CHECK_IN, "title": "{{client.first_name}}'s evening check-in"}
    activity = world.owner.call("POST", "/activities", personal, expect=201)["activity_id"]
    world.owner.call("POST", f"/activities/{activity}/publish", expect=201)
    body = {"client_id": "client-ada", "activity_id": activity, "client_first_name": "Adelina"}
    assignment = world.owner.call("POST", "/assignments", body, expect=201)
    seen = world.client.call("GET", f"/assignments/{assignment['assignment_id']}", expect=200)
    assert seen["title"] == "Adelina's evening check-in"  # the client's own view stays personal

    def exported() -> str:
        csv = analyst.session.get(f"{stack.url}/reports/assignments.csv", timeout=30)
        assert csv.status_code == 200
        return csv.text if assignment["assignment_id"] in csv.text else ""

    export = wait_until(exported, what="the assignment in the analyst's export")
    assert "client-ada" not in export and "Adelina" not in export
    assert "{{client.first_name}}'s evening check-in" in export
    row = next(line for line in export.splitlines() if assignment["assignment_id"] in line)
    pseudonym = row.split(",")[1]
    report = analyst.call("GET", f"/clients/{pseudonym}/report", expect=200)
    assert report["client_id"] == pseudonym and "client-ada" not in json.dumps(report)
    assert "Adelina" not in json.dumps(report)
    analyst.call("GET", "/clients/client-ada/report", expect=404)
    for method, path in [
        ("GET", f"/assignments/{world.answered_assignment}"),
        ("GET", "/clients/client-ada/assignments"),
        ("GET", "/clients"),
        ("GET", "/audit"),
        ("POST", "/assignments"),
        ("GET", "/activities"),
    ]:
        assert analyst.call(method, path, {} if method == "POST" else None, expect=403)["status"] == 403


# -- tokens ------------------------------------------------------------------------------------


# How long an access token may outlive the end of its session: the gateway's SESSION_CHECK_SECONDS, and margin.
SESSION_END_SECONDS = 10


def ended(stack: Stack, access_token: str) -> bool:
    return Api(stack.url, access_token).session.get(stack.url + "/me/todo", timeout=30).status_code == 401


def test_tokens_expire_refresh_rotates_and_logout_revokes(stack: Stack) -> None:
    # A client of its own: ending its sessions ends the access tokens the other tests hold for Ada.
    therapist = login(stack.url, *THERAPIST)
    credentials = {"username": f"tess-{uuid.uuid4().hex[:6]}@example.org", "password": PASSWORD}
    _, client_id = onboard(stack.url, therapist, credentials["username"], "client")
    pair = Api(stack.url).call("POST", "/auth/token", credentials, expect=200)
    expired = TokenSigner(SECRET, 60).issue(Caller(client_id, "client", "clinic-demo"), now=1_000_000)

    assert Api(stack.url, expired).call("GET", "/me/todo", expect=401)["detail"] == "Token expired."
    renewed = Api(stack.url).call("POST", "/auth/refresh", {"refresh_token": pair["refresh_token"]}, expect=200)
    Api(stack.url, renewed["access_token"]).call("GET", "/me/todo", expect=200)
    Api(stack.url).call("POST", "/auth/refresh", {"refresh_token": pair["refresh_token"]}, expect=401)
    # The spent token came back: every session of the account is revoked, the renewed one too,
    # and within seconds the access tokens issued with them.
    Api(stack.url).call("POST", "/auth/refresh", {"refresh_token": renewed["refresh_token"]}, expect=401)
    wait_until(lambda: ended(stack, renewed["access_token"]), timeout=SESSION_END_SECONDS, what="reuse to end it")

    again = Api(stack.url).call("POST", "/auth/token", credentials, expect=200)
    Api(stack.url, again["access_token"]).call("GET", "/me/todo", expect=200)
    Api(stack.url).call("POST", "/auth/logout", {"refresh_token": again["refresh_token"]}, expect=204)
    Api(stack.url).call("POST", "/auth/refresh", {"refresh_token": again["refresh_token"]}, expect=401)
    wait_until(lambda: ended(stack, again["access_token"]), timeout=SESSION_END_SECONDS, what="logout to end it")
    assert (
        Api(stack.url, again["access_token"])
        .call("GET", "/me/todo", expect=401)["detail"]
        .startswith("This session has ended")
    )


# -- audit ------------------------------------------------------------------------------------------


def test_reads_and_changes_of_a_clients_data_are_in_the_clinic_admins_audit_trail(stack: Stack, world: World) -> None:
    marker = f"audit-{uuid.uuid4().hex}"
    response = world.owner.session.get(
        f"{stack.url}/clients/client-ada/report", headers={"X-Correlation-Id": marker}, timeout=30
    )
    assert response.status_code == 200
    admin = login(stack.url, *ADMIN)

    trail = admin.call("GET", "/audit?client_id=client-ada&limit=200", expect=200)["entries"]

    mine = [entry for entry in trail if entry["correlation_id"] == marker]
    assert [(e["actor_id"], e["action"], e["resource"]) for e in mine] == [
        ("therapist-demo", "read_report", "GET /clients/client-ada/report")
    ]
    assert "assign" in {entry["action"] for entry in trail}

    def submissions_audited() -> bool:
        # Identity derives a submission's entry from its stored ResponseSubmitted event (docs/security.md).
        entries = admin.call("GET", "/audit?client_id=client-ada&limit=200", expect=200)["entries"]
        return "submit" in {entry["action"] for entry in entries}

    wait_until(submissions_audited, what="the submission's audit entry")
    login(stack.url, *THERAPIST).call("GET", "/audit", expect=403)


# -- idempotent submissions ---------------------------------------------------------------------------


def test_a_retried_submission_with_its_idempotency_key_is_answered_once(stack: Stack, world: World) -> None:
    assignment = world.owner.call(
        "POST", "/assignments", {"client_id": "client-ada", "activity_id": world.activity_id}, 201
    )
    url = f"{stack.url}/assignments/{assignment['assignment_id']}/responses"
    body = {"answers": {"mood": 5, "sleep": "good"}}
    key = {"Idempotency-Key": str(uuid.uuid4())}

    first = world.client.session.post(url, json=body, headers=key, timeout=30)
    retry = world.client.session.post(url, json=body, headers=key, timeout=30)
    other_key = world.client.session.post(url, json=body, headers={"Idempotency-Key": "another"}, timeout=30)

    assert (first.status_code, retry.status_code, other_key.status_code) == (201, 201, 409)
    assert retry.json()["submitted_at"] == first.json()["submitted_at"]

    def reported_once() -> bool:
        report = world.owner.call("GET", "/clients/client-ada/report", expect=200)
        return [
            row["status"] for row in report["assignments"] if row["assignment_id"] == assignment["assignment_id"]
        ] == ["submitted"]

    wait_until(reported_once, what="the submission in the report, once")


# -- the README ----------------------------------------------------------------------------------------


def readme_block(marker: str) -> str:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    return readme.split(f"<!-- {marker}", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]


def test_the_readme_first_clinic_walkthrough_works(stack: Stack) -> None:
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", readme_block("first-clinic")],
        env={"PATH": "/usr/bin:/bin", "U": stack.url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["clinic_admin", "therapist", "Kim", "401", "read"]


def test_no_route_answers_a_server_error_to_an_anonymous_caller(stack: Stack) -> None:
    for method, rule in gateway_routes():
        path = re.sub(r"<(?:\w+:)?(\w+)>", "x", rule)
        response = requests.request(method, stack.url + path, json={}, timeout=30)
        assert response.status_code < 500 or rule == "/health/ready", (method, path, response.status_code)


# -- client data at rest: export and erasure --------------------------------------------------------------


def raw_store_bytes(stack: Stack) -> bytes:
    """Every byte of every database file the services keep (SQLite files, their WAL and shared memory)."""
    return b"".join(path.read_bytes() for path in sorted(stack.data_dir.glob("*.sqlite*")) if path.is_file())


def test_a_client_is_exported_and_then_erased_without_a_readable_trace(stack: Stack, world: World) -> None:
    run = uuid.uuid4().hex[:10]
    name, username, note = f"Zelda {run}", f"zelda-{run}@example.org", f"my-private-answer-{run}"
    admin = login(stack.url, *ADMIN)
    invitation = world.owner.call(
        "POST", "/invitations", {"username": username, "role": "client", "display_name": name}, expect=201
    )
    client_id = invitation["account"]["account_id"]
    Api(stack.url).call("POST", "/invitations/redeem", {"code": invitation["code"], "password": PASSWORD}, expect=200)
    client = login(stack.url, username, PASSWORD)
    assignment = world.owner.call(
        "POST", "/assignments", {"client_id": client_id, "activity_id": world.activity_id}, expect=201
    )
    answers = {"answers": {"mood": 2, "sleep": "poor", "note": note}}
    client.call("POST", f"/assignments/{assignment['assignment_id']}/responses", answers, expect=201)
    wait_until(
        lambda: world.owner.call("GET", f"/clients/{client_id}/report", expect=200)["completed"] == 1,
        what="the answer in the report",
    )

    export = admin.call("GET", f"/clients/{client_id}/export", expect=200)
    assert export["account"]["display_name"] == name
    assert [a["answers"]["note"] for a in export["assignments"]] == [note]
    assert client.call("GET", "/me/export", expect=200)["account"]["username"] == username
    assert note.encode() not in raw_store_bytes(stack)  # answers are never stored in plaintext

    world.owner.call("DELETE", f"/clients/{client_id}", expect=403)  # erasure is the clinic admin's
    admin.call("DELETE", f"/clients/{client_id}", expect=204)

    raw = raw_store_bytes(stack)
    for trace in (note, name, username):
        assert trace.encode() not in raw, trace
    world.owner.call("GET", f"/clients/{client_id}/report", expect=404)
    admin.call("GET", f"/clients/{client_id}/export", expect=404)
    Api(stack.url).call("POST", "/auth/token", {"username": username, "password": PASSWORD}, expect=401)
    # Their access token, still signed and unexpired, neither writes nor reads.
    preferences = {"name": name, "email": f"{run}@example.org"}
    client.call("PUT", "/me/notification-preferences", preferences, expect=401)
    client.call("GET", "/me/notifications", expect=401)
    assert name.encode() not in raw_store_bytes(stack)
    trail = admin.call("GET", "/audit?limit=200", expect=200)["entries"]
    assert ("erase", client_id, "admin-demo") in {(e["action"], e["client_id"], e["actor_id"]) for e in trail}
