"""Creating tables when several processes start at once on a fresh PostgreSQL database.

``CREATE TABLE IF NOT EXISTS`` is not safe against itself in PostgreSQL: two sessions creating the same
table at the same moment can both pass the check, and the loser fails with a unique violation on
``pg_type_typname_nsp_index`` (or ``pg_class_relname_nsp_index``). A service and its relay, or two
replicas, starting together on a new database hit this (the fault harness did). The table exists
by then, so trying again succeeds. The same goes for two CREATE DATABASE at once (pg_database_datname_index).
"""

import logging
import time
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

CATALOG_INDEXES = (
    "pg_type_typname_nsp_index",
    "pg_class_relname_nsp_index",
    "pg_namespace_nspname_index",
    "pg_database_datname_index",
)
# Two sessions creating eventsourcing's tables and functions at once can also collide on a catalogue row.
CONCURRENT_CATALOGUE_UPDATE = "tuple concurrently updated"
# The loser of a race on a composite type (every table has one) may also see the object itself reported.
DUPLICATE_OBJECT_CODES = ("42710", "42P07")  # duplicate_object, duplicate_table


def is_creation_race(error: BaseException) -> bool:
    """The error, or the database error it wraps (eventsourcing raises its own ProgrammingError from psycopg's)."""
    cause: BaseException | None = error
    while cause is not None:
        if getattr(cause, "sqlstate", None) in DUPLICATE_OBJECT_CODES:
            return True
        text = str(cause)
        if CONCURRENT_CATALOGUE_UPDATE in text or any(index in text for index in CATALOG_INDEXES):
            return True
        cause = cause.__cause__
    return False


def created_despite_races(create: Callable[[], T], attempts: int = 5, pause: float = 0.2) -> T:
    """``create()``, tried again when it lost a concurrent table creation."""
    for attempt in range(1, attempts + 1):
        try:
            return create()
        except Exception as error:
            if attempt == attempts or not is_creation_race(error):
                raise
            log.info("lost a concurrent table creation; trying again (%s)", error)
            time.sleep(pause * attempt)
    raise AssertionError("unreachable")
