"""Fixtures of the notifications tests."""

from collections.abc import Iterator

import pytest

from interlude_contracts.runtime.storage import Database
from interlude_notifications.store import create_tables


@pytest.fixture
def store(database_url: str) -> Iterator[Database]:
    """The notifications table in the ``database_url`` database (SQLite, then PostgreSQL)."""
    database = Database(database_url)
    create_tables(database)
    yield database
    database.close()
