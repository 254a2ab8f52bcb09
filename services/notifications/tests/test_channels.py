"""The real channels: email to a real SMTP server (aiosmtpd, started here), a signed webhook to a real HTTP server."""

import hashlib
import hmac
import json
import mailbox
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from interlude_notifications.channels import EmailChannel, WebhookChannel
from interlude_notifications.planning import plan_assignment, plan_follow_up
from interlude_notifications.preferences import Preferences, save_preferences
from interlude_notifications.scheduler import Scheduler, deliveries_for_client
from interlude_notifications.schema import create_tables
from interlude_runtime.storage import Database
from interlude_testing import CLINIC, EventFactory

from .schedule_support import Clock
from .test_scheduler import T0, assigned_event

SECRET = "webhook-test-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """A real SMTP server (aiosmtpd) in its own process, storing what it receives in a Maildir."""
    port, maildir = free_port(), tmp_path / "maildir"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(maildir),
        ]
    )
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "the SMTP server did not start"
            time.sleep(0.1)
    yield port, maildir
    process.terminate()
    process.wait(timeout=10)


class WebhookReceiver(BaseHTTPRequestHandler):
    """Answers 503 to the first ``fail_first`` calls, then 204; keeps every call."""

    calls: list[dict[str, Any]] = []
    fail_first = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).calls.append({"headers": dict(self.headers), "body": body})
        failing = len(type(self).calls) <= type(self).fail_first
        self.send_response(503 if failing else 204)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, type[WebhookReceiver]]]:
    receiver = type("Receiver", (WebhookReceiver,), {"calls": [], "fail_first": 1})
    server = HTTPServer(("127.0.0.1", 0), receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/push", receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'notifications.sqlite'}")
    create_tables(database)
    yield database
    database.close()


def test_an_email_reaches_a_real_smtp_server(store: Database, smtp_server: tuple[int, Path]) -> None:
    port, maildir = smtp_server
    save_preferences(store, CLINIC, "client-1", Preferences(name="Ada", email="ada@example.org", channels=("email",)))
    plan_assignment(store, assigned_event(EventFactory(), due_at=T0 + timedelta(days=2), reminders=[]))
    scheduler = Scheduler(store, {"email": EmailChannel("127.0.0.1", port, "Interlude <no-reply@test>")}, Clock(T0))

    assert scheduler.tick() == 1

    [message] = mailbox.Maildir(maildir).values()
    assert message["To"] == "ada@example.org"
    assert message["Subject"] == "New activity"
    body = message.get_payload(decode=True).decode()
    assert "Hi Ada, your therapist has sent you a new activity: Mood check-in." in body
    assert "Wednesday 04 March 2026" in body


def test_smtp_down_is_a_failed_attempt_retried_later(store: Database) -> None:
    save_preferences(store, CLINIC, "client-1", Preferences(email="ada@example.org", channels=("email",)))
    plan_follow_up(store, CLINIC, "therapist-1", "client-1", "See you Thursday.", T0, "corr-1")
    scheduler = Scheduler(store, {"email": EmailChannel("127.0.0.1", free_port(), "x@test", timeout=2)}, Clock(T0))

    scheduler.tick()

    failed = [row for row in deliveries_for_client(store, CLINIC, "client-1") if row["outcome"] == "failed"]
    assert [(row["channel"], row["attempt"]) for row in failed] == [("email", 1)]
    assert failed[0]["error"].startswith("SMTP:")


def test_a_signed_webhook_is_retried_then_succeeds(store: Database, webhook) -> None:
    url, receiver = webhook
    save_preferences(
        store, CLINIC, "client-1", Preferences(name="Ada", push_address="device-42", channels=("webhook",))
    )
    entry = plan_follow_up(store, CLINIC, "therapist-1", "client-1", "How did the week go?", T0, "corr-1")
    clock = Clock(T0)
    scheduler = Scheduler(store, {"webhook": WebhookChannel(url, SECRET)}, clock, backoff_seconds=30)

    scheduler.tick()
    clock.advance(seconds=30)
    scheduler.tick()

    assert len(receiver.calls) == 2
    call = receiver.calls[-1]
    headers, body = call["headers"], call["body"]
    expected = hmac.new(SECRET.encode(), headers["X-Interlude-Timestamp"].encode() + b"." + body, hashlib.sha256)
    assert headers["X-Interlude-Signature"] == f"sha256={expected.hexdigest()}"
    assert headers["X-Interlude-Delivery"] == entry.entry_id
    sent = json.loads(body)
    assert (sent["address"], sent["kind"], sent["text"]) == ("device-42", "follow_up", "Hi Ada, how did the week go?")
    outcomes = sorted(
        (row["attempt"], row["outcome"])
        for row in deliveries_for_client(store, CLINIC, "client-1")
        if row["channel"] == "webhook"
    )
    assert outcomes == [(1, "failed"), (2, "sent")]
