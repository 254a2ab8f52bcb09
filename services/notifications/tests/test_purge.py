"""Erasure purges a client's notifications, leaving no copy in the SQLite files."""

from pathlib import Path

from interlude_notifications.schema import create_tables
from interlude_notifications.store import for_client, purge_client, record_new_activity
from interlude_runtime.storage import Database
from interlude_testing import CLINIC, EventFactory


def test_purging_a_client_removes_their_notifications_and_only_theirs(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'notifications.sqlite'}")
    create_tables(database)
    factory = EventFactory()
    activity = factory.activity_published("Mood check-in")
    record_new_activity(database, factory.activity_assigned(activity, "client-gone-5e2a"))
    record_new_activity(database, factory.activity_assigned(activity, "client-kept"))

    purge_client(database, CLINIC, "client-gone-5e2a")

    assert for_client(database, CLINIC, "client-gone-5e2a") == []
    assert len(for_client(database, CLINIC, "client-kept")) == 1
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("notifications.sqlite*"))
    assert b"client-gone-5e2a" not in raw
    database.close()
