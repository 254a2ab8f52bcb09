"""Creating tables when several processes start at once on a fresh PostgreSQL database.

``CREATE TABLE IF NOT EXISTS`` is not safe against itself in PostgreSQL: two sessions creating the same
table at the same moment can both pass the check, and the loser fails with a unique violation on
``pg_type_typname_nsp_index`` (or ``pg_class_relname_nsp_index``). A service and its relay, or two
replicas, starting together on a new database hit this (the fault harness did). The table exists
by then, so trying again succeeds. The same goes for two CREATE DATABASE at once (pg_database_datname_index).

A process may also start while its database restarts (crash recovery refuses connections for a few
seconds): it waits for the database, up to ``DATABASE_WAIT_SECONDS``, as it waits for the broker, rather
than exiting during setup and staying down where nothing restarts it (the fault harness found a service
restarted just before a PostgreSQL crash gone for good).
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
# A server that is down, or up but not accepting connections yet (crash recovery, start-up, shut-down); not a
# refused login or a missing database, which waiting does not mend.
NOT_ACCEPTING_CONNECTIONS = ("57P01", "57P02", "57P03")
UNREACHABLE = (
    "Connection refused",
    "the database system is starting up",
    "the database system is not yet accepting connections",
    "the database system is in recovery mode",
    "the database system is shutting down",
    "server closed the connection unexpectedly",
    "timeout expired",
)
DATABASE_WAIT_SECONDS = 60.0
DATABASE_RETRY_SECONDS = 1.0
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


def is_database_unreachable(error: BaseException) -> bool:
    """The database could not be reached or refused the connection (restarting), not a failure of the work."""
    from psycopg import OperationalError
    from psycopg_pool import PoolTimeout

    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, PoolTimeout):
            return True
        if isinstance(cause, OperationalError) and (
            getattr(cause, "sqlstate", None) in NOT_ACCEPTING_CONNECTIONS
            or any(text in str(cause) for text in UNREACHABLE)
        ):
            return True
        cause = cause.__cause__
    return False


def created_despite_races(
    create: Callable[[], T],
    attempts: int = 5,
    pause: float = 0.2,
    wait_seconds: float = DATABASE_WAIT_SECONDS,
    retry_seconds: float | None = None,
) -> T:
    """``create()``, tried again when it lost a concurrent table creation (``attempts`` in all), and while
    the database cannot be reached yet (for up to ``wait_seconds``)."""
    deadline = time.monotonic() + wait_seconds
    retry_seconds = DATABASE_RETRY_SECONDS if retry_seconds is None else retry_seconds
    races = 0
    while True:
        try:
            return create()
        except Exception as error:
            if is_creation_race(error) and races + 1 < attempts:
                races += 1
                log.info("lost a concurrent table creation; trying again (%s)", error)
                time.sleep(pause * races)
            elif is_database_unreachable(error) and time.monotonic() < deadline:
                log.warning("database not reachable yet; trying again in %ss (%s)", retry_seconds, error)
                time.sleep(retry_seconds)
            else:
                raise
