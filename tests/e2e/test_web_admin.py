"""The clinic admin's and the analyst's screens end to end in a real Chromium, against the whole stack.

Arranged over the API: a client (to be erased) invited by the therapist, an analyst invited by the
admin. The browser part (browser/admin_in_chromium.py) has the admin invite a therapist, set the
clinic's reminder defaults, filter the audit trail and erase the client after the confirmation; the
analyst opens the data dictionary and downloads a CSV export. Afterwards the outcomes are checked
over the API. Screenshots go to test-artefacts/web-admin/.
"""

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import ROOT, Stack, running_stack
from test_web_app import Api

pytestmark = [pytest.mark.e2e, pytest.mark.rabbitmq]

SECRET = "e2e-secret-" + "a" * 24
ARTEFACTS = ROOT / "test-artefacts" / "web-admin"
PASSWORD = "a-long-enough-pass"


@pytest.fixture(scope="module")
def stack(tmp_path_factory, rabbit_vhost) -> Iterator[Stack]:
    assert (ROOT / "web" / "dist" / "index.html").is_file(), "the web app is not built: make install"
    with running_stack(tmp_path_factory.mktemp("web-admin"), rabbit_vhost(), {}, {"GATEWAY_TOKEN_SECRET": SECRET}) as s:
        yield s


def invited(inviter: Api, base: str, role: str, display_name: str) -> dict[str, str]:
    username = f"{role}-{uuid.uuid4().hex[:8]}@demo.clinic"
    body = {"username": username, "role": role, "display_name": display_name}
    invitation = inviter.call("POST", "/invitations", body, 201)
    redeemed = requests.post(
        f"{base}/invitations/redeem", json={"code": invitation["code"], "password": PASSWORD}, timeout=30
    )
    assert redeemed.status_code == 200, redeemed.text
    return {"username": username, "account_id": str(invitation["account"]["account_id"])}


def test_an_admin_runs_the_clinic_and_an_analyst_exports_in_chromium(stack: Stack) -> None:
    admin = Api(stack.url, "admin@demo.clinic", "admin-demo-pass")
    therapist = Api(stack.url, "therapist@demo.clinic", "therapist-demo-pass")
    leaving = invited(therapist, stack.url, "client", "Leaving Client")
    analyst = invited(admin, stack.url, "analyst", "Ana Lyst")
    staff_username = f"new-therapist-{uuid.uuid4().hex[:8]}@demo.clinic"

    browser = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).parent / "browser" / "admin_in_chromium.py"),
            stack.url,
            str(ARTEFACTS),
            json.dumps(
                {
                    "staff": staff_username,
                    "client": "Leaving Client",
                    "analyst": analyst["username"],
                    "password": PASSWORD,
                }
            ),
        ],
        capture_output=True,
        text=True,
        timeout=420,
    )
    assert browser.returncode == 0, browser.stdout + browser.stderr

    # The reminder defaults the admin saved, the client erased, the invited therapist waiting to redeem.
    assert admin.call("GET", "/clinic/reminder-defaults")["reminders"] == [
        {"anchor": "release", "offset_minutes": 1440},
        {"anchor": "due", "offset_minutes": -180},
    ]
    clients = admin.call("GET", "/clients?limit=100")["clients"]
    assert leaving["account_id"] not in {client["account_id"] for client in clients}
    trail = admin.call("GET", f"/audit?client_id={leaving['account_id']}")["entries"]
    assert "erase" in {entry["action"] for entry in trail}
    assert len(list(ARTEFACTS.glob("*.png"))) >= 6
