"""The notifications service's providers."""

from interlude_contracts.runtime.providers import SqlDatabase

from .store import create_tables

SERVICE = "notifications"


def notifications_database() -> SqlDatabase:
    return SqlDatabase(SERVICE, create_tables)
