"""The notifications service's providers."""

from interlude_runtime.providers import SqlDatabase

from .schema import create_tables

SERVICE = "notifications"


def notifications_database() -> SqlDatabase:
    return SqlDatabase(SERVICE, create_tables)
