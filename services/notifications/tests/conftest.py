"""Fixtures of the notifications tests.

The folder goes on ``sys.path`` so the tests can import ``notifications_events``
(pytest runs with ``--import-mode=importlib``, which does not add it).
"""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from interlude_contracts.runtime.storage import Database
from interlude_notifications.store import create_tables

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def store(database_url: str) -> Iterator[Database]:
    """The notifications table in the ``database_url`` database (SQLite, then PostgreSQL)."""
    database = Database(database_url)
    create_tables(database)
    yield database
    database.close()
