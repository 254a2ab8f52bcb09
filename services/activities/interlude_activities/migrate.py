"""The activities store's schema: the event store's tables and the relay's position table."""

from collections.abc import Mapping

from interlude_contracts.runtime.outbox import RelayTracking
from interlude_contracts.runtime.storage import Database, database_url

from .application import SERVICE, create_application


def migrate(environ: Mapping[str, str]) -> None:
    """Create the database and every table the service and its relay use (idempotent)."""
    create_application(environ).close()
    database = Database(database_url(SERVICE, environ))
    try:
        RelayTracking(database, relay_name=SERVICE)
    finally:
        database.close()
