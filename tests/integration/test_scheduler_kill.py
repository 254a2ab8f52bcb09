"""A scheduler process killed with SIGKILL in the middle of a batch loses nothing.

The doomed scheduler runs as its own process on a real PostgreSQL database and
sends to a real (slow) webhook receiver; it is killed once a few calls have
arrived, holding a claimed batch. A second scheduler takes the batch over when
the lease runs out. Every entry ends ``done`` with exactly one ``sent``
delivery record per channel; at most the one call in flight at the kill is
repeated (the receiver deduplicates by ``X-Interlude-Delivery``).
"""

import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from interlude_notifications.channels import WebhookChannel
from interlude_notifications.preferences import Preferences, save_preferences
from interlude_notifications.schedule import Entry, entries_for_client, schedule_entry
from interlude_notifications.scheduler import Scheduler
from interlude_notifications.schema import create_tables
from interlude_runtime.storage import Database

ENTRIES = 40
LEASE_SECONDS = 2

DOOMED = """
import sys, time
from interlude_runtime.storage import Database
from interlude_notifications.channels import WebhookChannel
from interlude_notifications.scheduler import Scheduler
scheduler = Scheduler(Database(sys.argv[1]), {"webhook": WebhookChannel(sys.argv[2], "s")},
                      lease_seconds=float(sys.argv[3]), batch_size=100)
while True:
    scheduler.tick()
    time.sleep(0.1)
"""


class SlowReceiver(BaseHTTPRequestHandler):
    calls: list[str] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(0.05)
        type(self).calls.append(self.headers["X-Interlude-Delivery"])
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[SlowReceiver]]]:
    handler = type("Receiver", (SlowReceiver,), {"calls": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/push", handler
    server.shutdown()
    server.server_close()


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_a_scheduler_killed_mid_batch_loses_nothing(postgres_database: Callable[[str], str], receiver) -> None:
    url, handler = receiver
    database_url = postgres_database("scheduler_kill")
    database = Database(database_url)
    create_tables(database)
    save_preferences(database, "clinic-a", "client-1", Preferences(push_address="device-1", channels=("webhook",)))
    due = datetime.now(UTC) - timedelta(seconds=1)
    with database.transaction() as cursor:
        for number in range(ENTRIES):
            schedule_entry(
                cursor,
                Entry(
                    entry_id=f"00000000-0000-4000-8000-{number:012d}",
                    clinic_id="clinic-a",
                    client_id="client-1",
                    assignment_id=None,
                    kind="follow_up",
                    due_at=due,
                    attempts=0,
                    payload={"text": f"Message {number}", "therapist_id": "therapist-1"},
                    correlation_id="corr",
                ),
            )
    doomed = subprocess.Popen([sys.executable, "-c", DOOMED, database_url, url, str(LEASE_SECONDS)])
    try:
        wait_for(lambda: len(handler.calls) >= 10, timeout=60, what="the doomed scheduler to start sending")
    finally:
        doomed.kill()
        doomed.wait()
    calls_at_kill = len(handler.calls)
    assert calls_at_kill < ENTRIES, "the scheduler finished before it was killed"

    survivor = Scheduler(database, {"webhook": WebhookChannel(url, "s")}, lease_seconds=LEASE_SECONDS)
    assert survivor.tick() == 0  # the dead process's claim still holds
    time.sleep(LEASE_SECONDS + 0.2)
    while survivor.tick():
        pass

    assert {entry["state"] for entry in entries_for_client(database, "clinic-a", "client-1")} == {"done"}
    calls = Counter(handler.calls)
    assert len(calls) == ENTRIES
    assert sum(count - 1 for count in calls.values()) <= 1  # at most the call in flight at the kill
    with database.transaction() as cursor:
        cursor.execute(
            """SELECT entry_id, channel, COUNT(*) AS sent FROM deliveries WHERE outcome = 'sent'
            GROUP BY entry_id, channel"""
        )
        records = cursor.fetchall()
    assert len(records) == 2 * ENTRIES  # in_app and webhook for every entry
    assert {row["sent"] for row in records} == {1}
    database.close()
