"""Fixtures of the notifications tests."""

from collections.abc import Iterator

import pytest

from interlude_notifications.preferences import save_preferences
from interlude_notifications.scheduler import Scheduler
from interlude_notifications.schema import create_tables
from interlude_runtime.storage import Database
from interlude_testing import CLINIC
from interlude_testing.sql_services import sql_store

from .schedule_support import ADA, T0, Clock, RecordingChannel


@pytest.fixture
def store(database_url: str) -> Iterator[Database]:
    """The notifications table in the ``database_url`` database (SQLite, then PostgreSQL)."""
    with sql_store(database_url, create_tables) as database:
        yield database


@pytest.fixture
def clock() -> Clock:
    """The scheduler tests' clock, at T0 until the test moves it."""
    return Clock(T0)


@pytest.fixture
def email() -> RecordingChannel:
    return RecordingChannel()


@pytest.fixture
def scheduler(store: Database, clock: Clock, email: RecordingChannel) -> Scheduler:
    """A scheduler on the store and the clock, sending to ``email`` for client-1 (Ada)."""
    save_preferences(store, CLINIC, "client-1", ADA)
    return Scheduler(store, {"email": email}, clock, backoff_seconds=60)
