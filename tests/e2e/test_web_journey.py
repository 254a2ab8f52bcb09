"""The whole journey end to end in a real Chromium, against the whole stack, with nothing arranged over the API.

The browser part (browser/journey_in_chromium.py) has the operator open a clinic, its first admin invite a
therapist, the therapist invite two clients and build, preview, publish and assign an activity (once and
weekly), one client answer on a phone with the risk rule's answer, and the therapist find the flag first
on the caseload, acknowledge it and read the score with its band. The API is only used afterwards, to
check the outcomes. Screenshots go to test-artefacts/web-journey/.
"""

import json
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import ROOT, Stack, running_stack
from test_web_app import Api

pytestmark = [pytest.mark.e2e, pytest.mark.rabbitmq]

SECRET = "e2e-secret-" + "j" * 24
ARTEFACTS = ROOT / "test-artefacts" / "web-journey"
PASSWORD = "a-long-enough-pass"
MEASURE = "WEEK-LOW"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def stack(tmp_path_factory, rabbit_vhost, bus_users) -> Iterator[Stack]:
    assert (ROOT / "web" / "dist" / "index.html").is_file(), "the web app is not built: make install"
    with running_stack(
        tmp_path_factory.mktemp("web-journey"),
        rabbit_vhost(),
        {},
        {"GATEWAY_TOKEN_SECRET": SECRET},
        bus_users=bus_users,
    ) as s:
        yield s


def test_from_a_new_clinic_to_an_acknowledged_risk_flag_in_chromium(stack: Stack) -> None:
    suffix = uuid.uuid4().hex[:8]
    # The browser's local time: Chromium runs in this machine's time zone.
    due = (datetime.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    first_on = (datetime.now() + timedelta(days=7)).replace(hour=9, minute=0, second=0, microsecond=0)
    settings = {
        "clinic": f"Harbour Clinic {suffix}",
        "admin": f"admin-{suffix}@harbour.example",
        "therapist": f"sam-{suffix}@harbour.example",
        "kim": f"kim-{suffix}@example.org",
        "lee": f"lee-{suffix}@example.org",
        "password": PASSWORD,
        "title": "Weekly low mood check",
        "measure": MEASURE,
        "due": due.strftime("%Y-%m-%dT%H:%M"),
        "first_on": first_on.strftime("%Y-%m-%dT%H:%M"),
        "weekday": first_on.strftime("%A"),
        "sleep": "5",
    }

    browser = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).parent / "browser" / "journey_in_chromium.py"),
            stack.url,
            str(ARTEFACTS),
            json.dumps(settings),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert browser.returncode == 0, browser.stdout + browser.stderr
    outcome = json.loads(browser.stdout.strip().splitlines()[-1])

    therapist = Api(stack.url, settings["therapist"], PASSWORD)
    clients = {client["display_name"]: client for client in therapist.call("GET", "/clients?limit=100")["clients"]}
    assert set(clients) == {"Kim", "Lee"}
    kim = clients["Kim"]["account_id"]
    admin = Api(stack.url, settings["admin"], PASSWORD)
    assert kim not in {
        c["account_id"]
        for c in Api(stack.url, "therapist@demo.clinic", "therapist-demo-pass").call("GET", "/clients?limit=100")[
            "clients"
        ]
    }, "the new clinic's client is not the demo clinic's"
    assert {c["account_id"] for c in admin.call("GET", "/clients?limit=100")["clients"]} == {
        kim,
        clients["Lee"]["account_id"],
    }

    flags = therapist.call("GET", f"/clients/{kim}/risk-flags")["risk_flags"]
    assert [(flag["message"], flag["note"], bool(flag["acknowledged_at"])) for flag in flags] == [
        ("Very low this week: check in today.", "Phoned Kim; we went through the safety plan.", True)
    ]
    assignments = therapist.call("GET", f"/clients/{kim}/assignments?limit=100")["assignments"]
    assert [a["status"] for a in assignments] == ["submitted"]
    recurrence = therapist.call("GET", f"/recurrences/{outcome['recurrence']}")
    assert recurrence["client_id"] == kim and "FREQ=WEEKLY" in recurrence["rule"], recurrence
    progress = therapist.call("GET", f"/clients/{kim}/progress")["measures"]
    assert [(m["measure"], [(p["value"], p["band"], p["above_cutoff"]) for p in m["series"]]) for m in progress] == [
        (MEASURE, [(8, "severe", True)])
    ]
    # The chart the client's page shows: the score, on the bands and cutoff of the activity that gave it.
    chart = therapist.session.get(f"{stack.url}/clients/{kim}/measures/{MEASURE}/chart.svg", timeout=30)
    assert chart.status_code == 200, chart.text
    drawn = list(ElementTree.fromstring(chart.text))
    assert [e.get("data-band") for e in drawn if e.get("class") == "band"] == ["mild", "severe"]
    assert [e.get("class") for e in drawn].count("cutoff") == 1
    [score] = [e.findtext(f"{SVG}title") for e in drawn if e.get("class") == "score"]
    assert str(score).endswith("(severe)")
    assert len(list(ARTEFACTS.glob("*.png"))) >= 15
