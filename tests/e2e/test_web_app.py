"""The web app end to end: the gateway serves the built bundle; a client answers in a real Chromium.

The browser part runs in its own process (browser/answer_in_chromium.py); this test makes the
activities (every item type, with media uploaded over the API) and the assignments over the API as
the therapist, and afterwards checks over the API that each response was stored exactly once.
Screenshots go to test-artefacts/web/.
"""

import gzip
import io
import json
import math
import re
import struct
import subprocess
import sys
import uuid
import wave
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
# The media items' files, uploaded before the activity is made (their URLs go into it).
IMAGE, AUDIO, VIDEO = "image", "audio", "video"


def branching_check_in(media: dict[str, str]) -> dict[str, Any]:
    """Every item type, over four pages; the second shown only when they slept badly."""
    return {
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
            {
                "id": "about",
                "type": "display_text",
                "prompt": "## Before you go on\nBreathe **slowly** for a moment.\n\n"
                "- notice your feet\n- notice your breath",
            },
            {
                "id": "photo",
                "type": "media",
                "prompt": "A calm place",
                "media": {"kind": "image", "url": media[IMAGE], "alt": "A calm place"},
            },
            {
                "id": "rain",
                "type": "media",
                "prompt": "Rain",
                "media": {"kind": "audio", "url": media[AUDIO], "title": "Rain sounds"},
            },
            {
                "id": "film",
                "type": "media",
                "prompt": "A short film",
                "media": {"kind": "video", "url": media[VIDEO], "title": "A short film"},
            },
            {
                "id": "breathe",
                "type": "timed_practice",
                "prompt": "Breathing space",
                "duration_seconds": 3,
                "media": {"kind": "audio", "url": media[AUDIO], "title": "Guided breathing"},
            },
            {"id": "word", "type": "free_text", "prompt": "One word for today"},
            {
                "id": "felt",
                "type": "multiple_choice",
                "prompt": "Which did you feel?",
                "options": [
                    {"value": "calm", "label": "Calm"},
                    {"value": "tired", "label": "Tired"},
                    {"value": "hopeful", "label": "Hopeful"},
                ],
            },
            {
                "id": "tension",
                "type": "visual_analogue_scale",
                "prompt": "How tense are you?",
                "min_label": "Not at all",
                "max_label": "Very",
            },
            {"id": "slept_well", "type": "date", "prompt": "When did you last sleep well?"},
            {"id": "bed", "type": "time", "prompt": "Bedtime last night"},
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
            {
                "id": "practice",
                "title": "A pause",
                "item_ids": [
                    "about",
                    "photo",
                    "rain",
                    "film",
                    "breathe",
                    "word",
                    "felt",
                    "tension",
                    "slept_well",
                    "bed",
                ],
            },
            {"id": "end", "item_ids": ["cups", "note"]},
        ],
    }


ANSWERS = {
    "mood": 7,
    "slept": False,
    "why": "worry",
    "breathe": 3,
    "word": "tired",
    "felt": ["calm", "hopeful"],
    "tension": 9.7,
    "slept_well": "2026-11-01",
    "bed": "22:30",
    "cups": 3,
    "note": "A long day.",
}


QUICK_CHECK: dict[str, Any] = {
    "title": "Quick check",
    "instructions": "",
    "items": [{"id": "ok", "type": "yes_no", "prompt": "Feeling OK?"}],
}
# Answered offline with the keyboard alone: a choice, a slider and a text.
KEYBOARD_CHECK: dict[str, Any] = {
    "title": "Keyboard check",
    "instructions": "",
    "items": [
        {"id": "ok", "type": "yes_no", "prompt": "Feeling OK?"},
        {"id": "calm", "type": "visual_analogue_scale", "prompt": "How calm are you?"},
        {"id": "word", "type": "free_text", "prompt": "In a word?", "required": False},
    ],
}
# Left open: the to-do list the service worker keeps shows it after a reload offline.
LEFT_OPEN: dict[str, Any] = {
    "title": "Sleep diary",
    "instructions": "",
    "items": [{"id": "hours", "type": "number", "prompt": "Hours slept"}],
}


def wav_bytes(seconds: int = 5) -> bytes:
    """A quiet tone: audio any browser plays."""
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        samples = (int(2000 * math.sin(2 * math.pi * 440 * n / 8000)) for n in range(8000 * seconds))
        audio.writeframes(b"".join(struct.pack("<h", sample) for sample in samples))
    return out.getvalue()


# The EBML header a WebM file begins with (a video element shows it, with its controls; no frames needed).
WEBM = bytes.fromhex("1a45dfa3") + b"\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm"


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

    def upload(self, content: bytes, content_type: str) -> str:
        response = self.session.post(
            self.base + "/media", data=content, headers={"Content-Type": content_type}, timeout=30
        )
        assert response.status_code == 201, response.text
        return str(response.json()["url"])


@pytest.fixture(scope="module")
def stack(tmp_path_factory, rabbit_vhost, bus_users) -> Iterator[Stack]:
    assert (ROOT / "web" / "dist" / "index.html").is_file(), "the web app is not built: make install"
    with running_stack(
        tmp_path_factory.mktemp("web-stack"), rabbit_vhost(), {}, {"GATEWAY_TOKEN_SECRET": SECRET}, bus_users=bus_users
    ) as s:
        yield s


def scripts_of_the_start_page() -> list[Path]:
    """The JavaScript the app's page loads before any lazy chunk: its module script and what it preloads."""
    dist = ROOT / "web" / "dist"
    page = (dist / "index.html").read_text()
    sources = re.findall(r'<script type="module"[^>]* src="/app/([^"]+)"', page)
    sources += re.findall(r'<link rel="modulepreload"[^>]* href="/app/([^"]+)"', page)
    return [dist / source for source in sources]


def test_the_to_do_and_answer_screens_load_under_200_kb_of_compressed_javascript() -> None:
    # The client's screens are all in the start page's scripts (the browser test checks that a client's
    # browser loads no other); other roles' screens are lazy chunks a client's phone never downloads.
    scripts = scripts_of_the_start_page()
    compressed = sum(len(gzip.compress(script.read_bytes())) for script in scripts)

    assert scripts and compressed < 200_000, f"{compressed} bytes of gzipped JavaScript"


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and header[12:16] == b"IHDR", path
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_the_manifest_offers_png_icons_of_192_and_512_pixels() -> None:
    dist = ROOT / "web" / "dist"
    manifest = json.loads((dist / "manifest.webmanifest").read_text())
    pngs = [icon for icon in manifest["icons"] if icon["type"] == "image/png"]

    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in pngs}
    for icon in pngs:
        width, height = png_size(dist / icon["src"].removeprefix("/app/"))
        assert f"{width}x{height}" == icon["sizes"]
    assert any(icon.get("purpose") == "maskable" for icon in pngs)


def test_the_app_pages_are_served_with_a_strict_policy(stack: Stack) -> None:
    page = requests.get(f"{stack.url}/app/assignments/anything", timeout=30)

    assert page.status_code == 200 and '<div id="root">' in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_a_client_answers_with_branching_in_chromium_and_it_is_stored_once(stack: Stack) -> None:
    therapist = Api(stack.url, "therapist@demo.clinic", "therapist-demo-pass")
    media = {
        IMAGE: therapist.upload((ROOT / "web" / "dist" / "icon-192.png").read_bytes(), "image/png"),
        AUDIO: therapist.upload(wav_bytes(), "audio/wav"),
        VIDEO: therapist.upload(WEBM, "video/webm"),
    }
    activity = therapist.call("POST", "/activities", branching_check_in(media), 201)
    therapist.call("POST", f"/activities/{activity['activity_id']}/publish", expect=201)
    due = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    assignment = therapist.call(
        "POST", "/assignments", {"client_id": "client-ada", "activity_id": activity["activity_id"], "due_at": due}, 201
    )
    assignment_id = assignment["assignment_id"]
    keyboard = therapist.call("POST", "/activities", KEYBOARD_CHECK, 201)
    therapist.call("POST", f"/activities/{keyboard['activity_id']}/publish", expect=201)
    offline = therapist.call(
        "POST", "/assignments", {"client_id": "client-ada", "activity_id": keyboard["activity_id"]}, 201
    )
    left_open = therapist.call("POST", "/activities", LEFT_OPEN, 201)
    therapist.call("POST", f"/activities/{left_open['activity_id']}/publish", expect=201)
    therapist.call("POST", "/assignments", {"client_id": "client-ada", "activity_id": left_open["activity_id"]}, 201)
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
            KEYBOARD_CHECK["title"],
            invitation["code"],
            LEFT_OPEN["title"],
        ],
        capture_output=True,
        text=True,
        timeout=420,
    )
    assert browser.returncode == 0, browser.stdout + browser.stderr
    loaded = json.loads(browser.stdout.strip().splitlines()[-1])["scripts"]
    assert set(loaded) == {f"/app/{path.relative_to(ROOT / 'web' / 'dist')}" for path in scripts_of_the_start_page()}

    stored = therapist.call("GET", f"/assignments/{assignment_id}")
    assert stored["status"] == "submitted"
    assert stored["answers"] == ANSWERS
    assert stored["opened_at"] is not None

    def submitted_steps() -> list[str]:
        timeline = therapist.call("GET", f"/assignments/{assignment_id}/timeline")["timeline"]
        return [step["status"] for step in timeline if step["status"] == "submitted"]

    assert wait_until(submitted_steps, what="the submission in the timeline") == ["submitted"]
    assert len(list(ARTEFACTS.glob("*.png"))) >= 14

    # The answer given offline and sent on reconnection is stored exactly once.
    assert therapist.call("GET", f"/assignments/{offline['assignment_id']}")["answers"] == {
        "ok": True,
        "calm": 10,
        "word": "fine",
    }

    def offline_submissions() -> list[str]:
        timeline = therapist.call("GET", f"/assignments/{offline['assignment_id']}/timeline")["timeline"]
        return [step["status"] for step in timeline if step["status"] == "submitted"]

    assert wait_until(offline_submissions, what="the offline submission in the timeline") == ["submitted"]
