"""Test support of the SQL services (identity, notifications, reporting).

The mocking policy of their service tests: nameko's ``worker_factory`` builds
the service with a real ``Database`` (from ``sql_store``) injected as its store;
only ``metrics`` (timing, nothing to assert) is left as nameko's MagicMock.
There is no broker and no container: ``on_event`` gets an ``Event`` as the
consumer entrypoint would hand it over after ``load_event``, and an RPC
returns its body.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from interlude_runtime.storage import Database


@contextmanager
def sql_store(url: str, create_tables: Callable[[Database], None]) -> Iterator[Database]:
    """The service's database at ``url`` with its tables, as the SqlDatabase provider prepares it at setup."""
    database = Database(url)
    create_tables(database)
    try:
        yield database
    finally:
        database.close()
