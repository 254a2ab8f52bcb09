"""The notifications store's schema."""

from collections.abc import Mapping

from interlude_contracts.runtime.storage import Database, database_url

from .dependencies import SERVICE
from .store import create_tables


def migrate(environ: Mapping[str, str]) -> None:
    """Create the database and the service's tables (idempotent)."""
    database = Database(database_url(SERVICE, environ))
    try:
        create_tables(database)
    finally:
        database.close()
