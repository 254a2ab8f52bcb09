"""The therapists' workspace end to end in a real Chromium, against the whole stack.

Arranged over the API: PHQ-9 copied from the library and assigned to Ada, who answers item 9
above zero (a risk flag); a second client with older work and no flag. The browser part
(browser/therapist_in_chromium.py) signs the therapist in, finds Ada first on the caseload,
acknowledges the flag with a note, opens her page and assigns an activity; afterwards the
acknowledgement and the assignment are checked over the API. Screenshots go to
test-artefacts/web-therapist/.
"""

import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import ROOT, Stack, running_stack, wait_until
from test_web_app import QUICK_CHECK, Api

pytestmark = [pytest.mark.e2e, pytest.mark.rabbitmq]

SECRET = "e2e-secret-" + "t" * 24
ARTEFACTS = ROOT / "test-artefacts" / "web-therapist"
CHECK_IN: dict[str, Any] = {
    "title": "Weekly reflection",
    "instructions": "",
    "items": [{"id": "best", "type": "free_text", "prompt": "The best moment of the week?"}],
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory, rabbit_vhost, bus_users) -> Iterator[Stack]:
    assert (ROOT / "web" / "dist" / "index.html").is_file(), "the web app is not built: make install"
    settings = {"GATEWAY_TOKEN_SECRET": SECRET}
    with running_stack(
        tmp_path_factory.mktemp("web-therapist"), rabbit_vhost(), {}, settings, bus_users=bus_users
    ) as s:
        yield s


def published(therapist: Api, draft: dict[str, Any]) -> str:
    activity = therapist.call("POST", "/activities", draft, 201)
    therapist.call("POST", f"/activities/{activity['activity_id']}/publish", expect=201)
    return str(activity["activity_id"])


def test_a_therapist_acknowledges_a_risk_flag_and_assigns_from_a_client_page(stack: Stack) -> None:
    therapist = Api(stack.url, "therapist@demo.clinic", "therapist-demo-pass")
    client = Api(stack.url, "ada@demo.client", "client-demo-pass")
    # Another client, with work assigned earlier and no flag: without Ada's flag, Bea would come first.
    bea = therapist.call(
        "POST",
        "/invitations",
        {"username": f"bea-{uuid.uuid4().hex[:8]}@demo.client", "role": "client", "display_name": "Bea"},
        201,
    )["account"]
    quick = published(therapist, QUICK_CHECK)
    therapist.call("POST", "/assignments", {"client_id": bea["account_id"], "activity_id": quick}, 201)

    phq9 = therapist.call("POST", "/library/phq-9/copy", expect=201)
    therapist.call("POST", f"/activities/{phq9['activity_id']}/publish", expect=201)
    phq9_for_ada = {"client_id": "client-ada", "activity_id": phq9["activity_id"]}
    measure = therapist.call("POST", "/assignments", phq9_for_ada, 201)
    answers = {f"phq9_{n}": "2" for n in range(1, 9)} | {"phq9_9": "1", "phq9_difficulty": "very"}
    client.call("POST", f"/assignments/{measure['assignment_id']}/responses", {"answers": answers}, 201)
    title = CHECK_IN["title"]
    check_in = published(therapist, CHECK_IN)

    def flagged_first() -> bool:
        caseload = therapist.call("GET", "/me/caseload")["clients"]
        return [c["client_id"] for c in caseload] == ["client-ada", bea["account_id"]] and bool(
            caseload[0]["open_risk_flags"]
        )

    wait_until(flagged_first, what="Ada's risk flag on the caseload")
    due = (datetime.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    invitee = f"cy-{uuid.uuid4().hex[:8]}@demo.client"

    browser = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).parent / "browser" / "therapist_in_chromium.py"),
            stack.url,
            "Ada",
            "Bea",
            title,
            due.strftime("%Y-%m-%dT%H:%M"),
            ARTEFACTS,
            invitee,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert browser.returncode == 0, browser.stdout + browser.stderr

    def acknowledged_note() -> str | None:
        flags = therapist.call("GET", "/clients/client-ada/risk-flags")["risk_flags"]
        return flags[0]["note"] if flags and flags[0]["acknowledged_at"] else None

    assert wait_until(acknowledged_note, what="the acknowledgement") == "Called the client; safety plan reviewed."
    listed = therapist.call("GET", "/clients/client-ada/assignments?limit=100")["assignments"]
    assigned = [a for a in listed if a["activity_id"] == check_in]
    assert [a["status"] for a in assigned] == ["assigned"]
    # The browser sent its local time as an instant: the same minute, whatever the zone.
    assert datetime.fromisoformat(assigned[0]["due_at"]).astimezone().replace(tzinfo=None) == due
    assert assigned[0]["reminders"] == [{"anchor": "due", "offset_minutes": -120}]
    assert len(list(ARTEFACTS.glob("*.png"))) >= 8
    clients = therapist.call("GET", "/clients?limit=100")["clients"]
    assert [c["display_name"] for c in clients if c["username"] == invitee] == ["Cy"]


def test_a_therapist_builds_a_scored_two_page_activity_with_a_branch_and_manages_it(stack: Stack) -> None:
    therapist = Api(stack.url, "therapist@demo.clinic", "therapist-demo-pass")
    title = f"Low days {uuid.uuid4().hex[:6]}"
    artefacts = ARTEFACTS / "builder"
    script = Path(__file__).parent / "browser" / "builder_in_chromium.py"
    browser = subprocess.run(
        [sys.executable, str(script), stack.url, title, artefacts],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert browser.returncode == 0, browser.stdout + browser.stderr

    activities = therapist.call("GET", "/activities?limit=100")["activities"]
    built = [a for a in activities if a["draft"]["title"] == title]
    assert [a["latest_version"] for a in built] == [1]
    assert not built[0]["archived"]  # archived, then restored
    version = therapist.call("GET", f"/activities/{built[0]['activity_id']}/versions/1")
    low, how_low, sleep = version["items"]
    assert (low["type"], low["prompt"]) == ("yes_no", "Did you feel low today?")
    assert (how_low["type"], how_low["prompt"]) == ("single_choice", "How low?")
    assert [(o["label"], o["score"]) for o in how_low["options"]] == [("A little", 0), ("A lot", 3)]
    assert how_low["show_if"] == {"all": [{"item_id": low["id"], "operator": "equals", "value": True}]}
    assert (sleep["type"], sleep["min"], sleep["max"]) == ("linear_scale", 0, 10)
    assert version["instructions"] == "Two questions about today, {{client.first_name}}"
    assert [(p.get("title"), p["item_ids"]) for p in version["pages"]] == [
        (None, [low["id"], how_low["id"]]),
        ("Sleep", [sleep["id"]]),
    ]
    total = version["scoring"]["total"]
    assert (total["items"], total["cutoff"]) == ([how_low["id"], sleep["id"]], 6)
    assert [(b["min"], b["max"], b["label"]) for b in total["bands"]] == [(0, 5, "low"), (6, 13, "high")]
    [rule] = version["scoring"]["risk_rules"]
    assert (rule["item_id"], rule["operator"], rule["value"], rule["message"]) == (
        how_low["id"],
        "equals",
        how_low["options"][1]["value"],
        "Low a lot: check in.",
    )
    assert [a["draft"]["title"] for a in activities].count("Imported sleep diary") >= 1
    assert len(list(artefacts.glob("*.png"))) == 5


def test_a_therapist_runs_a_pathway_and_a_group_from_the_browser(stack: Stack) -> None:
    therapist = Api(stack.url, "therapist@demo.clinic", "therapist-demo-pass")
    suffix = uuid.uuid4().hex[:6]
    cy_name = f"Cy {suffix}"  # another test invites a "Cy" too
    cy = therapist.call(
        "POST", "/invitations", {"username": f"cy-{suffix}@demo.client", "role": "client", "display_name": cy_name}, 201
    )["account"]
    title = f"Sleep diary {suffix}"
    activity_id = published(therapist, {**CHECK_IN, "title": title})
    pathway, group = f"Two weeks {suffix}", f"Tuesday group {suffix}"
    script = Path(__file__).parent / "browser" / "programmes_in_chromium.py"
    artefacts = ARTEFACTS / "programmes"
    browser = subprocess.run(
        [sys.executable, str(script), stack.url, title, pathway, group, "Ada", cy_name, artefacts],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert browser.returncode == 0, browser.stdout + browser.stderr

    [made] = [p for p in therapist.call("GET", "/pathways")["pathways"] if p["name"] == pathway]
    assert [s["release"] for s in made["steps"]] == [
        {"type": "immediately", "days": None, "hours": None},
        {"type": "days_after_enrolment", "days": 7, "hours": None},
    ]
    enrolled = therapist.call("GET", f"/pathways/{made['pathway_id']}/enrolments")["enrolments"]
    assert [(e["client_id"], e["status"]) for e in enrolled] == [("client-ada", "active")]  # paused, then resumed
    [tuesday] = [g for g in therapist.call("GET", "/groups")["groups"] if g["name"] == group]
    assert tuesday["members"] == ["client-ada", cy["account_id"]]
    for client_id, expected in (("client-ada", 2), (cy["account_id"], 1)):  # Ada: the pathway's first step too
        listed = therapist.call("GET", f"/clients/{client_id}/assignments?limit=100")["assignments"]
        assert len([a for a in listed if a["activity_id"] == activity_id]) == expected, listed
    assert len(list(artefacts.glob("*.png"))) == 3
