"""The reporting service's providers."""

from interlude_runtime.providers import SqlDatabase

from .projection import create_tables

SERVICE = "reporting"


def projection_database() -> SqlDatabase:
    return SqlDatabase(SERVICE, create_tables)
