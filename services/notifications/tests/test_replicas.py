"""Two scheduler replicas on one real PostgreSQL database never send the same notification twice.

Each replica has its own connection pool and runs in its own thread, ticking
as fast as it can over the same due entries; the channel yields on every send
so the replicas interleave.
"""

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from interlude_notifications.channels import Message
from interlude_notifications.preferences import Preferences, save_preferences
from interlude_notifications.schedule import Entry, entries_for_client, schedule_entry
from interlude_notifications.scheduler import Scheduler
from interlude_notifications.schema import create_tables
from interlude_runtime.storage import Database
from interlude_testing import CLINIC

from .schedule_support import Clock, RecordingChannel

ENTRIES = 300
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class YieldingChannel(RecordingChannel):
    def send(self, message: Message, preferences: Preferences) -> None:
        time.sleep(0)  # let the other replica run mid-batch
        super().send(message, preferences)


def follow_ups(database: Database, count: int) -> None:
    with database.transaction() as cursor:
        for number in range(count):
            schedule_entry(
                cursor,
                Entry(
                    entry_id=f"00000000-0000-4000-8000-{number:012d}",
                    clinic_id=CLINIC,
                    client_id="client-1",
                    assignment_id=None,
                    kind="follow_up",
                    due_at=T0 - timedelta(seconds=number % 7),
                    attempts=0,
                    payload={"text": f"Message {number}", "therapist_id": "therapist-1"},
                    correlation_id=f"corr-{number}",
                ),
            )


def test_two_replicas_send_each_notification_once(postgres_database: Callable[[str], str]) -> None:
    url = postgres_database("replicas")
    setup = Database(url)
    create_tables(setup)
    save_preferences(setup, CLINIC, "client-1", Preferences(name="Ada", email="ada@example.org"))
    follow_ups(setup, ENTRIES)
    channel = YieldingChannel()
    replicas = [Database(url), Database(url)]
    schedulers = [Scheduler(db, {"email": channel}, Clock(T0), batch_size=20) for db in replicas]
    claimed = Counter()

    def run(index: int) -> None:
        while (count := schedulers[index].tick()) > 0:
            claimed[index] += count

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    sends = Counter(message.entry_id for message in channel.sent)
    assert len(sends) == ENTRIES
    assert set(sends.values()) == {1}
    assert claimed[0] > 0 and claimed[1] > 0  # both replicas really worked
    assert claimed[0] + claimed[1] == ENTRIES
    assert {row["state"] for row in entries_for_client(setup, CLINIC, "client-1")} == {"done"}
    for database in [setup, *replicas]:
        database.close()
