"""End to end: every service, both relays and the gateway as separate processes.

Driven over HTTP only, on the embedded SQLite default and on PostgreSQL, with
RabbitMQ in a virtual host of its own. The flow: a therapist creates and
publishes an activity and assigns it; the client finds it on the to-do list and
answers; the therapist sees the completion in the report. Then the relay is
killed with SIGKILL in the middle of a run of submissions and restarted, and
every accepted submission appears exactly once in the report; a rebuild of the
projection from the logs equals the live tables.
"""

import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from kombu import Connection, Producer

from interlude_contracts.topology import EVENTS_EXCHANGE, SUBSCRIPTIONS, dead_letter_queue_name
from interlude_gateway.auth import Caller, TokenSigner
from interlude_reporting.projection import dump_tables
from interlude_runtime.queues import declared_queues
from interlude_runtime.storage import Database

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from support import MOOD_CHECK_IN, Stack, drain, processes, queues_on_broker, running_stack, vhost_of, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.rabbitmq]

SECRET = "e2e-secret-" + "x" * 24
CLINIC = "clinic-demo"
SERVICES = ("activities", "assignments", "notifications", "reporting", "identity")


class Api:
    def __init__(self, base: str, token: str | None = None) -> None:
        self.base = base
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body: Any = None, expect: int | None = None) -> Any:
        response = self.session.request(method, self.base + path, json=body, timeout=30)
        if expect is not None:
            assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None


def login(base: str, username: str, password: str) -> Api:
    token = Api(base).call("POST", "/auth/token", {"username": username, "password": password}, expect=200)
    return Api(base, token["access_token"])


def invited_client(base: str, therapist: Api, username: str) -> str:
    """A client the therapist invites and who redeems the invitation; returns the client id."""
    invitation = therapist.call("POST", "/invitations", {"username": username, "role": "client"}, expect=201)
    redeemed = Api(base).call(
        "POST", "/invitations/redeem", {"code": invitation["code"], "password": "a-long-client-password"}, expect=200
    )
    return redeemed["account_id"]


def minted(stack: Stack, subject: str, role: str, clinic_id: str) -> Api:
    """A token signed here for an account that config does not list (another clinic, another client).

    The gateway accepts tokens of active accounts only, so the account is put in identity's store first.
    """
    stack.register_account(subject, role, clinic_id)
    return Api(stack.url, TokenSigner(SECRET, 600).issue(Caller(subject=subject, role=role, clinic_id=clinic_id)))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def stack(request, tmp_path_factory, rabbit_vhost, bus_users, postgres_database) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp(f"stack-{request.param}")
    urls = {name: postgres_database(name) for name in SERVICES} if request.param == "postgres" else {}
    with running_stack(root, rabbit_vhost(), urls, {"GATEWAY_TOKEN_SECRET": SECRET}, bus_users=bus_users) as running:
        yield running


def reporting_database(stack: Stack) -> Database:
    return Database(stack.database_urls.get("reporting") or f"sqlite:///{stack.data_dir / 'reporting.sqlite'}")


GOOD_ANSWERS = {"answers": {"mood": 6, "sleep": "good"}}


def assign(therapist: Api, client_id: str, activity_id: str, expect: int = 201, **extra: Any) -> Any:
    return therapist.call("POST", "/assignments", {"client_id": client_id, "activity_id": activity_id, **extra}, expect)


def answer(client: Api, assignment: dict[str, Any], body: dict[str, Any], expect: int) -> Any:
    return client.call("POST", f"/assignments/{assignment['assignment_id']}/responses", body, expect)


def todo_ids(client: Api) -> set[str]:
    return {a["assignment_id"] for a in client.call("GET", "/me/todo", expect=200)["assignments"]}


def create_published_activity(therapist: Api) -> str:
    activity = therapist.call("POST", "/activities", MOOD_CHECK_IN, expect=201)
    therapist.call("POST", f"/activities/{activity['activity_id']}/publish", expect=201)
    return activity["activity_id"]


def test_the_whole_flow_over_http(stack: Stack) -> None:
    therapist = login(stack.url, "therapist@demo.clinic", "therapist-demo-pass")
    client = login(stack.url, "ada@demo.client", "client-demo-pass")
    activity_id = create_published_activity(therapist)
    due = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    first = assign(therapist, "client-ada", activity_id, due_at=due)
    second = assign(therapist, "client-ada", activity_id)

    todo = client.call("GET", "/me/todo", expect=200)["assignments"]
    assert [a["assignment_id"] for a in todo][:1] == [first["assignment_id"]]  # dated first
    assert {second["assignment_id"]} <= {a["assignment_id"] for a in todo}
    assert todo[0]["items"][0]["id"] == "mood"

    wrong = client.call("POST", f"/assignments/{first['assignment_id']}/responses", {"answers": {"mood": 11}}, 422)
    assert set(wrong["errors"]["answers"]) == {"mood", "sleep"}
    client.call(
        "POST", f"/assignments/{first['assignment_id']}/responses", {"answers": {"mood": 6, "sleep": "good"}}, 201
    )
    again = client.call(
        "POST", f"/assignments/{first['assignment_id']}/responses", {"answers": {"mood": 6, "sleep": "good"}}, 409
    )
    assert again["status"] == 409
    therapist.call("POST", f"/assignments/{second['assignment_id']}/cancel", {"reason": "replaced"}, 200)
    assert first["assignment_id"] not in {
        a["assignment_id"] for a in client.call("GET", "/me/todo", expect=200)["assignments"]
    }

    def report_shows_it() -> dict[str, Any] | None:
        report = therapist.call("GET", "/clients/client-ada/report", expect=200)
        statuses = {row["assignment_id"]: row["status"] for row in report["assignments"]}
        done = (
            statuses.get(first["assignment_id"]) == "submitted" and statuses.get(second["assignment_id"]) == "cancelled"
        )
        return report if done else None

    report = wait_until(report_shows_it, what="the report to show the completion")
    assert report["completed"] >= 1 and report["cancelled"] >= 1
    assert report["completion_rate"] == report["completed"] / report["assigned"]

    notifications = wait_until(
        lambda: [
            n
            for n in client.call("GET", "/me/notifications", expect=200)["notifications"]
            if n["assignment_id"] in (first["assignment_id"], second["assignment_id"])
        ],
        what="new-activity notifications",
    )
    assert {n["kind"] for n in notifications} == {"new_activity"}


def test_the_running_stack_keeps_its_messages_in_quorum_queues_and_still_dead_letters_poison(stack: Stack) -> None:
    """Every durable queue is replicated on a cluster's nodes; dead-lettering and the flow work as before."""
    on_broker = queues_on_broker(stack.amqp_uri)
    durable = {name for name, queue in on_broker.items() if queue["durable"]}
    assert {name: on_broker[name]["type"] for name in durable} == dict.fromkeys(durable, "quorum")
    assert {queue.name for queue in declared_queues()} <= durable
    # What is not durable is a caller's reply queue: nothing in it outlives its caller.
    assert {name.split("-")[0] for name in set(on_broker) - durable} == {"rpc.reply"}

    with Connection(stack.amqp_uri, transport_options={"confirm_publish": True}) as connection:
        Producer(connection.default_channel).publish(
            b"{not json",
            exchange=EVENTS_EXCHANGE,
            routing_key="assignments.ResponseSubmitted",
            content_type="application/json",
        )
    for queue_name, keys in SUBSCRIPTIONS.items():
        if "assignments.ResponseSubmitted" in keys:
            dead = wait_until(lambda q=queue_name: drain(stack.amqp_uri, dead_letter_queue_name(q)), what=queue_name)
            assert dead == [b"{not json"], queue_name

    # Tokens signed here for the demo accounts: the other tests' logins use up the per-account login limit.
    therapist = minted(stack, "therapist-demo", "therapist", CLINIC)
    client = minted(stack, "client-ada", "client", CLINIC)
    assignment = assign(therapist, "client-ada", create_published_activity(therapist))
    client.call("POST", f"/assignments/{assignment['assignment_id']}/responses", GOOD_ANSWERS, 201)
    wait_until(
        lambda: any(
            row["assignment_id"] == assignment["assignment_id"] and row["status"] == "submitted"
            for row in therapist.call("GET", "/clients/client-ada/report", expect=200)["assignments"]
        ),
        what="the report to show the submission",
    )


def test_bad_input_is_refused_with_the_field_named(stack: Stack) -> None:
    therapist = login(stack.url, "therapist@demo.clinic", "therapist-demo-pass")
    response = therapist.session.post(stack.url + "/activities", data="{not json", timeout=10)
    assert response.status_code == 400 and response.headers["Content-Type"] == "application/problem+json"
    bad_scale = {**MOOD_CHECK_IN, "items": [{"id": "x", "type": "linear_scale", "prompt": "?", "min": 5, "max": 1}]}
    problem = therapist.call("POST", "/activities", bad_scale, expect=422)
    assert "items" in problem["errors"]
    problem = therapist.call("POST", "/assignments", {"activity_id": "not-a-uuid"}, expect=422)
    assert {"client_id", "activity_id"} <= set(problem["errors"])
    assert assign(therapist, "client-ada", "0b7d3c1e-9a5e-4a53-8f5b-5a1f3f2a9c11", 404)["status"] == 404
    assert Api(stack.url).call("GET", "/activities", expect=401)["status"] == 401


def test_an_assignment_resent_with_its_key_is_made_once(stack: Stack) -> None:
    """Twenty resends with the same X-Correlation-Id and Idempotency-Key: one assignment, the same 201 each time."""
    therapist = login(stack.url, "therapist@demo.clinic", "therapist-demo-pass")
    activity_id = create_published_activity(therapist)
    headers = {"X-Correlation-Id": str(uuid.uuid4()), "Idempotency-Key": str(uuid.uuid4())}
    body = {"client_id": "client-ada", "activity_id": activity_id}

    answers = [
        therapist.session.post(f"{stack.url}/assignments", json=body, headers=headers, timeout=30) for _ in range(20)
    ]

    assert {response.status_code for response in answers} == {201}
    assert len({response.json()["assignment_id"] for response in answers}) == 1
    listed = therapist.call("GET", "/clients/client-ada/assignments?limit=200", expect=200)["assignments"]
    assert [a["activity_id"] for a in listed].count(activity_id) == 1
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    reused = therapist.session.post(f"{stack.url}/assignments", json={**body, "due_at": later}, headers=headers)
    assert reused.status_code == 409 and "Idempotency-Key" in reused.json()["errors"]


def test_malformed_bodies_are_refused_before_any_work(stack: Stack) -> None:
    json_type = {"Content-Type": "application/json"}
    deep = b'{"username": ' + b"[" * 1000 + b"]" * 1000 + b', "password": "x"}'
    response = requests.post(stack.url + "/auth/token", data=deep, headers=json_type, timeout=10)
    assert response.status_code == 400 and response.json()["errors"].keys() == {"_body"}  # no token needed

    therapist = login(stack.url, "therapist@demo.clinic", "therapist-demo-pass")
    as_text = therapist.session.post(
        stack.url + "/activities", data=json.dumps(MOOD_CHECK_IN), headers={"Content-Type": "text/plain"}, timeout=10
    )
    assert as_text.status_code == 415 and as_text.json()["errors"] == {"Content-Type": ["application/json"]}

    client = login(stack.url, "ada@demo.client", "client-demo-pass")
    assignment = assign(therapist, "client-ada", create_published_activity(therapist))
    submit = f"{stack.url}/assignments/{assignment['assignment_id']}/responses"
    lone_surrogate = rb'{"answers": {"mood": 5, "sleep": "good", "note": "\ud800"}}'
    latin1 = b'{"answers": {"mood": 5, "sleep": "good", "note": "caf\xe9"}}'
    huge_integer = b'{"answers": {"mood": 5' + b"0" * 5000 + b', "sleep": "good"}}'
    for bad in (lone_surrogate, latin1, huge_integer):
        refused = client.session.post(submit, data=bad, headers=json_type, timeout=10)
        assert refused.status_code == 400, refused.text
    answer(client, assignment, {"answers": {"mood": 5, "sleep": "good", "note": "café"}}, 201)  # nothing was stored


def test_clinics_and_clients_are_kept_apart(stack: Stack) -> None:
    therapist = login(stack.url, "therapist@demo.clinic", "therapist-demo-pass")
    activity_id = create_published_activity(therapist)
    assignment = assign(therapist, "client-ada", activity_id)
    other_clinic = minted(stack, "therapist-x", "therapist", "clinic-other")
    other_client = minted(stack, "client-bob", "client", CLINIC)

    assert other_clinic.call("GET", f"/activities/{activity_id}", expect=404)["status"] == 404
    assert activity_id not in {
        a["activity_id"] for a in other_clinic.call("GET", "/activities", expect=200)["activities"]
    }
    other_clinic.call("GET", f"/assignments/{assignment['assignment_id']}", expect=404)
    other_clinic.call("POST", f"/assignments/{assignment['assignment_id']}/cancel", {}, expect=404)
    assert "assignments" not in other_clinic.call("GET", "/clients/client-ada/assignments", expect=404)
    assert "assignments" not in other_clinic.call("GET", "/clients/client-ada/report", expect=404)
    assign(other_clinic, "client-ada", activity_id, 404)

    other_client.call("GET", f"/assignments/{assignment['assignment_id']}", expect=404)
    other_client.call(
        "POST", f"/assignments/{assignment['assignment_id']}/responses", {"answers": {"mood": 1, "sleep": "good"}}, 404
    )
    assert other_client.call("GET", "/me/todo", expect=200)["assignments"] == []
    other_client.call("GET", "/clients/client-ada/report", expect=403)


def test_relay_killed_mid_run_loses_and_duplicates_nothing(stack: Stack) -> None:
    therapist = login(stack.url, "therapist@demo.clinic", "therapist-demo-pass")
    activity_id = create_published_activity(therapist)
    run = uuid.uuid4().hex[:8]
    clients = [invited_client(stack.url, therapist, f"run-{run}-{number}@example.org") for number in range(24)]
    accepted: list[tuple[str, str]] = []

    def run_submissions() -> None:
        for client_id in clients:
            assignment = therapist.call(
                "POST", "/assignments", {"client_id": client_id, "activity_id": activity_id}, 201
            )
            answering = minted(stack, client_id, "client", CLINIC)
            answering.call(
                "POST",
                f"/assignments/{assignment['assignment_id']}/responses",
                {"answers": {"mood": 3, "sleep": "poor"}},
                201,
            )
            accepted.append((client_id, assignment["assignment_id"]))

    runner = threading.Thread(target=run_submissions)
    runner.start()
    wait_until(lambda: len(accepted) >= 6, what="submissions before the kill")
    stack.kill("assignments-relay")
    wait_until(lambda: len(accepted) >= 14, what="submissions while the relay is down")
    stack.restart("assignments-relay")
    runner.join()
    assert len(accepted) == len(clients)

    def all_projected() -> bool:
        for client_id, assignment_id in accepted:
            report = therapist.call("GET", f"/clients/{client_id}/report", expect=200)
            if [(r["assignment_id"], r["status"]) for r in report["assignments"]] != [(assignment_id, "submitted")]:
                return False
        return True

    wait_until(all_projected, timeout=60, interval=0.5, what="every accepted submission in the report, once")


def test_rebuild_from_the_logs_equals_the_live_projection(stack: Stack, tmp_path) -> None:
    live = reporting_database(stack)
    therapist = login(stack.url, "therapist@demo.clinic", "therapist-demo-pass")
    create_published_activity(therapist)

    def settled() -> dict[str, Any] | None:
        first = dump_tables(live)
        return first if first["tracking"] and dump_tables(live) == first else None

    wait_until(settled, what="the projection to settle")
    rebuilt_url = f"sqlite:///{tmp_path / 'rebuilt.sqlite'}"
    command = [str(Path(sys.executable).parent / "interlude-reporting"), "rebuild", "--into", rebuilt_url]
    # As an operator runs it: in a reporting pod, with the reporting process's own broker user.
    env = {**os.environ, "AMQP_URI": stack.amqp_uri_of("reporting"), "PYTHONWARNINGS": "ignore"}
    subprocess.run(command, env=env, check=True, timeout=120, capture_output=True)
    rebuilt = Database(rebuilt_url)
    try:
        assert dump_tables(rebuilt) == dump_tables(live)
    finally:
        rebuilt.close()
        live.close()  # a pool left to the garbage collector under eventlet warns "cannot join current thread"


def test_each_process_connects_to_the_broker_as_its_own_user(stack: Stack, bus_users: Any) -> None:
    """The whole flow of this module runs with these users (docs/security.md, "The bus"), not a shared one."""
    if bus_users is None:
        pytest.skip("needs rabbitmqctl to create the processes' users")
    vhost = vhost_of(stack.amqp_uri)
    wanted = {bus_users.username(name) for name in processes()}

    def connected() -> set[str] | None:
        listing = subprocess.run(
            ["rabbitmqctl", "list_connections", "user", "vhost", "--silent", "--no-table-headers"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        users = {line.split("\t")[0] for line in listing.splitlines() if line.endswith(f"\t{vhost}")}
        return users if wanted <= users else None

    assert wait_until(connected, what="every process connected") - {"guest"} == wanted  # guest: the tests' own clients


def readme_walkthrough() -> str:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    after_marker = readme.split("<!-- walkthrough", 1)[1]
    return after_marker.split("```bash\n", 1)[1].split("```", 1)[0]


def test_the_readme_walkthrough_works(stack: Stack) -> None:
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", readme_walkthrough()],
        env={**os.environ, "U": stack.url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "1"  # the published version
    assert lines[1] == "Mood check-in"  # on the client's to-do list
    assert '"status": 422' in lines[2] and '"mood"' in lines[2] and '"sleep"' in lines[2]
    assert lines[3] == "submitted"
    report = json.loads(lines[4])
    assert report["completed"] >= 1 and "submitted" in {row["status"] for row in report["assignments"]}
    assert "Mood check-in" in lines[5]


def test_a_library_measure_is_copied_assigned_rendered_answered_and_scored(stack: Stack) -> None:
    """PHQ-9 from the shared library, through the gateway; its scores and risk flag appear in the log."""
    from interlude_runtime.rpc_proxy import cluster_rpc_proxy

    therapist = login(stack.url, "therapist@demo.clinic", "therapist-demo-pass")
    client = login(stack.url, "ada@demo.client", "client-demo-pass")
    assert "phq-9" in {e["slug"] for e in therapist.call("GET", "/library?tag=assessment", expect=200)["entries"]}
    copy = therapist.call("POST", "/library/phq-9/copy", expect=201)
    draft = copy["draft"] | {"instructions": "{{client.first_name}}, " + copy["draft"]["instructions"]}
    therapist.call("PUT", f"/activities/{copy['activity_id']}/draft", draft, expect=200)
    therapist.call("POST", f"/activities/{copy['activity_id']}/publish", expect=201)
    # The copy keeps the instrument's source and licence, into its versions and their FHIR export.
    shown = therapist.call("GET", f"/activities/{copy['activity_id']}", expect=200)
    assert "Kroenke" in shown["draft"]["source"] and "No permission required" in shown["draft"]["licence"]
    exported = therapist.call("GET", f"/activities/{copy['activity_id']}/versions/1/fhir", expect=200)
    assert exported["copyright"] == shown["draft"]["licence"]
    assignment = assign(therapist, "client-ada", copy["activity_id"], client_first_name="Ada")

    rendered = client.call("GET", f"/assignments/{assignment['assignment_id']}/render", expect=200)
    assert rendered["instructions"].startswith("Ada, Over the last 2 weeks")
    items = rendered["pages"][0]["items"]
    assert len(items) == 10 and "score" not in items[0]["options"][0]
    answers = {f"phq9_{n}": "2" for n in range(1, 9)} | {"phq9_9": "1", "phq9_difficulty": "very"}
    assert "scores" not in answer(client, assignment, {"answers": answers}, 201)  # the therapist's to discuss
    scored = therapist.call("GET", f"/assignments/{assignment['assignment_id']}", expect=200)
    assert scored["scores"]["total"] == {"value": 17, "band": "moderately severe", "above_cutoff": True}

    def logged() -> dict[str, list[dict[str, Any]]] | None:
        with cluster_rpc_proxy({"AMQP_URI": stack.amqp_uri}) as cluster:
            events = cluster.assignments.read_log(0, 1000)["events"]
        mine = [e for e in events if e["payload"].get("assignment_id") == assignment["assignment_id"]]
        by_type = {t: [e for e in mine if e["event_type"] == t] for t in ("ResponseSubmitted", "RiskFlagRaised")}
        return by_type if all(by_type.values()) else None

    log = wait_until(logged, what="the scored response in the assignments log")
    response = log["ResponseSubmitted"][0]["payload"]
    assert (response["measure"], response["scores"]["total"]["band"]) == ("PHQ-9", "moderately severe")
    assert [flag["rule_id"] for flag in response["risk_flags"]] == ["phq9-item9"]
    flag = log["RiskFlagRaised"][0]["payload"]
    assert (flag["item_id"], flag["therapist_id"], flag["measure"]) == ("phq9_9", "therapist-demo", "PHQ-9")
    fhir = therapist.call("GET", f"/assignments/{assignment['assignment_id']}/fhir", expect=200)
    assert fhir["resourceType"] == "QuestionnaireResponse" and len(fhir["item"]) == 10
    read_through_the_fhir_api(stack, therapist, client, copy["activity_id"], assignment["assignment_id"])


def read_through_the_fhir_api(stack: Stack, therapist: Api, client: Api, activity_id: str, assignment_id: str) -> None:
    """The read-only FHIR API over HTTP: capability, the Questionnaire by id and url, the response by id and subject."""
    CapabilityStatement.parse_obj(requests.get(f"{stack.url}/fhir/metadata", timeout=10).json())
    questionnaire = therapist.call("GET", f"/fhir/Questionnaire/{activity_id}", expect=200)
    Questionnaire.parse_obj(questionnaire)
    assert questionnaire["code"][0]["code"] == "44249-1" and questionnaire["item"][0]["code"][0]["code"] == "44250-9"
    by_url = therapist.call("GET", f"/fhir/Questionnaire?url={questionnaire['url']}", expect=200)
    assert [entry["resource"]["id"] for entry in Bundle.parse_obj(by_url).dict()["entry"]] == [activity_id]

    response = therapist.call("GET", f"/fhir/QuestionnaireResponse/{assignment_id}", expect=200)
    QuestionnaireResponse.parse_obj(response)
    assert response["questionnaire"] == f"{questionnaire['url']}|1"
    searched = therapist.call("GET", "/fhir/QuestionnaireResponse?subject=Patient/client-ada", expect=200)
    assert assignment_id in {entry["resource"]["id"] for entry in Bundle.parse_obj(searched).dict()["entry"]}
    own = client.call("GET", "/fhir/QuestionnaireResponse", expect=200)
    assert assignment_id in {entry["resource"]["id"] for entry in own["entry"]}
    assert not any("extension" in entry["resource"] for entry in own["entry"])  # scores are the therapist's
    refused = requests.get(
        f"{stack.url}/fhir/QuestionnaireResponse/{assignment_id}",
        headers={"Authorization": "Bearer not-a-token"},
        timeout=10,
    )
    assert refused.status_code == 401 and refused.headers["Content-Type"] == "application/fhir+json"
    OperationOutcome.parse_obj(refused.json())


def test_the_activities_guide_walkthrough_works(stack: Stack) -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "activities.md").read_text()
    script = guide.split("<!-- walkthrough -->", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        env={**os.environ, "U": stack.url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["1", "1"]  # both activities published
    assert lines[2] == "Evening check-in for Ada"
    assert lines[3] == "submitted"
    assert lines[4] == "{'total': {'value': 8, 'band': 'high', 'above_cutoff': True}}"
