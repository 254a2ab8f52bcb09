"""End to end: a deployment upgraded from 1cc4933 scores what that code recorded unscored, and alerts the therapist.

Every process starts on a copy of the stores a real stack wrote on 1cc4933
(tests/fixtures/upgrade_from_1cc4933): PHQ-9 and GAD-7 answered on a
recurrence, a pathway step and group programmes, recorded there with
``scores: {}`` and no risk flag. At start the assignments service repairs the
snapshots from the exact versions; the therapist then sees the scores, the
item-9 flags on the caseload and their alerts, and the score series keep the
time each response was submitted.
"""

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from support import Stack, running_stack, wait_until

from interlude_activity_model.scoring import score_response

from .test_flow import Api, login

pytestmark = [pytest.mark.e2e, pytest.mark.rabbitmq]

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "upgrade_from_1cc4933"
MANIFEST = json.loads((FIXTURE / "manifest.json").read_text())
VERSIONS = {a["activity_id"]: a["published_version"] for a in MANIFEST["activities"].values()}
ANSWERED_UNSCORED = [a for a in MANIFEST["assignments"] if a["answered"] and not a["view_today"]["scores"]]
FLAGGED = [a for a in ANSWERED_UNSCORED if score_response(VERSIONS[a["activity_id"]], a["answers"])["risk_flags"]]


@pytest.fixture(scope="module")
def stack(tmp_path_factory, rabbit_vhost, bus_users) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("stack-upgrade")
    shutil.copytree(FIXTURE / "data", root / "data")
    environment = {key: value for key, value in MANIFEST["environment"].items() if value is not None}
    with running_stack(root, rabbit_vhost(), {}, environment, bus_users=bus_users) as running:
        yield running


@pytest.fixture(scope="module")
def therapist(stack: Stack) -> Api:
    return login(stack.url, MANIFEST["therapist"]["username"], "therapist-demo-pass")


def view(therapist: Api, assignment_id: str) -> dict[str, Any]:
    return therapist.call("GET", f"/assignments/{assignment_id}", expect=200)


def test_the_answers_recorded_unscored_are_scored_from_their_exact_version(therapist: Api) -> None:
    assert {a["created_by"].split(" ")[0] for a in FLAGGED} == {"recurrence", "pathway", "group"}
    for expected in ANSWERED_UNSCORED:
        published = score_response(VERSIONS[expected["activity_id"]], expected["answers"])
        repaired = wait_until(
            lambda e=expected: (body := view(therapist, e["assignment_id"]))["scores"] and body,
            timeout=90,
            what=f"the scores of {expected['created_by']}",
        )
        assert repaired["scores"] == published["scores"] and repaired["measure"] == published["measure"]
        assert repaired["risk_flags"] == published["risk_flags"]
        assert repaired["submitted_at"] == expected["view_today"]["submitted_at"]


def test_each_item9_answer_reaches_the_caseload_and_the_therapists_alerts(therapist: Api) -> None:
    flagged_ids = {a["assignment_id"] for a in FLAGGED}

    def open_flags() -> set[str]:
        clients = therapist.call("GET", "/me/caseload", expect=200)["clients"]
        return {flag["assignment_id"] for entry in clients for flag in entry["open_risk_flags"]}

    wait_until(lambda: flagged_ids <= open_flags(), timeout=90, what="every repaired flag on the caseload")
    alerts = wait_until(
        lambda: (
            flagged_ids <= {a["assignment_id"] for a in therapist.call("GET", "/me/alerts", expect=200)["alerts"]}
            and therapist.call("GET", "/me/alerts", expect=200)["alerts"]
        ),
        what="the therapist's alerts",
    )
    assert all(a["kind"] == "risk_flag" for a in alerts if a["assignment_id"] in flagged_ids)


def test_the_score_series_keep_the_time_each_response_was_submitted(therapist: Api) -> None:
    ada = [a for a in ANSWERED_UNSCORED if a["client_id"] == "client-ada" and a["activity"] == "phq-9"]

    def series() -> dict[str, Any]:
        measures = therapist.call("GET", "/clients/client-ada/progress", expect=200)["measures"]
        return {row["assignment_id"]: row for m in measures if m["measure"] == "PHQ-9" for row in m["series"]}

    found = wait_until(lambda: (rows := series()) and all(a["assignment_id"] in rows for a in ada) and rows)
    for expected in ada:
        row = found[expected["assignment_id"]]
        assert row["submitted_at"][:19] == expected["view_today"]["submitted_at"][:19]


def test_the_one_off_assignment_scored_then_is_unchanged(therapist: Api) -> None:
    [one_off] = [a for a in MANIFEST["assignments"] if a["created_by"].startswith("one-off")]
    body = view(therapist, one_off["assignment_id"])
    assert (body["scores"], body["risk_flags"]) == (one_off["view_today"]["scores"], [])


def test_an_open_assignment_from_before_the_upgrade_scores_and_flags_when_answered(stack: Stack, therapist) -> None:
    [occurrence] = [a for a in MANIFEST["assignments"] if a["created_by"] == "recurrence" and not a["answered"]]
    client = login(stack.url, "ada@demo.client", "client-demo-pass")
    answers = {f"phq9_{n}": "1" for n in range(1, 9)} | {"phq9_9": "1", "phq9_difficulty": "somewhat"}
    path = f"/assignments/{occurrence['assignment_id']}"
    wait_until(
        lambda: view(therapist, occurrence["assignment_id"])["measure"] == "PHQ-9", timeout=90, what="the repair"
    )

    client.call("POST", f"{path}/responses", {"answers": answers}, expect=201)

    body = view(therapist, occurrence["assignment_id"])
    assert body["scores"]["total"] == {"value": 9.0, "band": "mild", "above_cutoff": False}
    assert [flag["rule_id"] for flag in body["risk_flags"]] == ["phq9-item9"]
