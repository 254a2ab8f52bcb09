"""The web app end to end: the gateway serves the built bundle; a client answers in a real Chromium.

The browser part runs in its own process (browser/answer_in_chromium.py); this test makes the
activity and the assignment over the API as the therapist, and afterwards checks over the API
that the response was stored exactly once. Screenshots go to test-artefacts/web/.
"""

import gzip
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from support import ROOT, Stack, running_stack, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.rabbitmq]

SECRET = "e2e-secret-" + "w" * 24
ARTEFACTS = ROOT / "test-artefacts" / "web"
TITLE = "Evening check-in"
BRANCHING_CHECK_IN: dict[str, Any] = {
    "title": TITLE,
    "instructions": "A minute to look back on the day.",
    "items": [
        {"id": "intro", "type": "heading", "prompt": "Today"},
        {"id": "mood", "type": "linear_scale", "prompt": "Mood today?", "min": 0, "max": 10},
        {"id": "slept", "type": "yes_no", "prompt": "Did you sleep well?"},
        {
            "id": "why",
            "type": "single_choice",
            "prompt": "What kept you up?",
            "options": [{"value": "noise", "label": "Noise"}, {"value": "worry", "label": "Worry"}],
        },
        {"id": "cups", "type": "number", "prompt": "Cups of coffee", "min": 0, "max": 10},
        {"id": "note", "type": "long_text", "prompt": "Anything else?", "required": False},
    ],
    "pages": [
        {"id": "start", "item_ids": ["intro", "mood", "slept"]},
        {
            "id": "sleep",
            "item_ids": ["why"],
            "show_if": {"all": [{"item_id": "slept", "operator": "equals", "value": False}]},
        },
        {"id": "end", "item_ids": ["cups", "note"]},
    ],
}


QUICK_CHECK: dict[str, Any] = {
    "title": "Quick check",
    "instructions": "",
    "items": [{"id": "ok", "type": "yes_no", "prompt": "Feeling OK?"}],
}


class Api:
    def __init__(self, base: str, username: str, password: str) -> None:
        self.base = base
        self.session = requests.Session()
        token = self.call("POST", "/auth/token", {"username": username, "password": password}, 200)
        self.session.headers["Authorization"] = f"Bearer {token['access_token']}"

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        response = self.session.request(method, self.base + path, json=body, timeout=30)
        assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None


@pytest.fixture(scope="module")
def stack(tmp_path_factory, rabbit_vhost, bus_users) -> Iterator[Stack]:
    assert (ROOT / "web" / "dist" / "index.html").is_file(), "the web app is not built: make install"
    with running_stack(
        tmp_path_factory.mktemp("web-stack"), rabbit_vhost(), {}, {"GATEWAY_TOKEN_SECRET": SECRET}, bus_users=bus_users
    ) as s:
        yield s


def test_the_app_loads_under_200_kb_of_compressed_javascript() -> None:
    scripts = list((ROOT / "web" / "dist" / "assets").glob("*.js"))
    compressed = sum(len(gzip.compress(script.read_bytes())) for script in scripts)

    assert scripts and compressed < 200_000, f"{compressed} bytes of gzipped JavaScript"


def test_the_app_pages_are_served_with_a_strict_policy(stack: Stack) -> None:
    page = requests.get(f"{stack.url}/app/assignments/anything", timeout=30)

    assert page.status_code == 200 and '<div id="root">' in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_a_client_answers_with_branching_in_chromium_and_it_is_stored_once(stack: Stack) -> None:
    therapist = Api(stack.url, "therapist@demo.clinic", "therapist-demo-pass")
    activity = therapist.call("POST", "/activities", BRANCHING_CHECK_IN, 201)
    therapist.call("POST", f"/activities/{activity['activity_id']}/publish", expect=201)
    due = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    assignment = therapist.call(
        "POST", "/assignments", {"client_id": "client-ada", "activity_id": activity["activity_id"], "due_at": due}, 201
    )
    assignment_id = assignment["assignment_id"]
    quick = therapist.call("POST", "/activities", QUICK_CHECK, 201)
    therapist.call("POST", f"/activities/{quick['activity_id']}/publish", expect=201)
    offline = therapist.call(
        "POST", "/assignments", {"client_id": "client-ada", "activity_id": quick["activity_id"]}, 201
    )
    invitation = therapist.call(
        "POST", "/invitations", {"username": f"new-{uuid.uuid4().hex[:8]}@demo.client", "role": "client"}, 201
    )

    browser = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).parent / "browser" / "answer_in_chromium.py"),
            stack.url,
            TITLE,
            ARTEFACTS,
            QUICK_CHECK["title"],
            invitation["code"],
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert browser.returncode == 0, browser.stdout + browser.stderr

    stored = therapist.call("GET", f"/assignments/{assignment_id}")
    assert stored["status"] == "submitted"
    assert stored["answers"] == {"mood": 7, "slept": False, "why": "worry", "cups": 3, "note": "A long day."}
    assert stored["opened_at"] is not None

    def submitted_steps() -> list[str]:
        timeline = therapist.call("GET", f"/assignments/{assignment_id}/timeline")["timeline"]
        return [step["status"] for step in timeline if step["status"] == "submitted"]

    assert wait_until(submitted_steps, what="the submission in the timeline") == ["submitted"]
    assert len(list(ARTEFACTS.glob("*.png"))) >= 12

    # The answer given offline and sent on reconnection is stored exactly once.
    assert therapist.call("GET", f"/assignments/{offline['assignment_id']}")["answers"] == {"ok": True}

    def offline_submissions() -> list[str]:
        timeline = therapist.call("GET", f"/assignments/{offline['assignment_id']}/timeline")["timeline"]
        return [step["status"] for step in timeline if step["status"] == "submitted"]

    assert wait_until(offline_submissions, what="the offline submission in the timeline") == ["submitted"]
