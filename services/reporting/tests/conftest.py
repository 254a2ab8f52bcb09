"""Fixtures of the reporting tests: projection databases on the engine ``database_url`` selects.

The folder goes on ``sys.path`` so the tests can import ``reporting_events``
(pytest runs with ``--import-mode=importlib``, which does not add it).
"""

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from interlude_reporting.projection import create_tables
from interlude_runtime.storage import Database, is_postgres

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def make_database(
    database_url: str, tmp_path: Path, postgres_database: Callable[[str], str]
) -> Iterator[Callable[[str], Database]]:
    """More empty databases (no tables) on the same engine as ``database_url``; closed afterwards."""
    opened: list[Database] = []

    def make(label: str) -> Database:
        url = postgres_database(label) if is_postgres(database_url) else f"sqlite:///{tmp_path / f'{label}.sqlite'}"
        database = Database(url)
        opened.append(database)
        return database

    yield make
    for database in opened:
        database.close()


@pytest.fixture
def projection(database_url: str) -> Iterator[Database]:
    """The projection's tables in the ``database_url`` database."""
    database = Database(database_url)
    create_tables(database)
    yield database
    database.close()
