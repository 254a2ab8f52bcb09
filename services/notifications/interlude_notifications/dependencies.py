"""The notifications service's providers."""

from interlude_contracts.runtime.providers import SqlDatabase
from interlude_contracts.runtime.storage import Database

from .alerts import create_alert_tables
from .store import create_tables

SERVICE = "notifications"


def prepare(database: Database) -> None:
    create_tables(database)
    create_alert_tables(database)


def notifications_database() -> SqlDatabase:
    return SqlDatabase(SERVICE, prepare)
