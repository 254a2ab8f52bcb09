"""The two service shapes (docs/architecture.md), each configured once per service.

A service declares its shape with what differs (its name, how to open its store,
how to translate its events); the shape gives it its migration (the
``interlude.migrations`` entry point run by ``interlude-migrate``) and its relay's
source (run by ``relay.relay_main``, the body of every ``interlude-<service>-relay``).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from eventsourcing.application import Application

from .outbox import EventLogSource, RelayTracking, Translator
from .outbox_table import OutboxTableSource
from .relay import RelaySource
from .storage import Database, database_url


@dataclass(frozen=True)
class EventSourcedShape:
    """Domain, application, translation, service, relay: events live in the application's event store."""

    service: str
    create_application: Callable[[Mapping[str, str]], Application]
    translate: Translator

    def migrate(self, environ: Mapping[str, str]) -> None:
        """Create the database, the event store's tables and the relay's position table (idempotent)."""
        self.create_application(environ).close()
        database = Database(database_url(self.service, environ))
        try:
            RelayTracking(database, relay_name=self.service)
        finally:
            database.close()

    def relay_source(self, database: Database, environ: Mapping[str, str]) -> RelaySource:
        tracking = RelayTracking(database, relay_name=self.service)
        return EventLogSource(self.create_application(environ), self.translate, tracking)


@dataclass(frozen=True)
class SqlShape:
    """Store/schema, handlers, service and, when it publishes events, an outbox table and its relay."""

    service: str
    create_tables: Callable[[Database], None]

    def migrate(self, environ: Mapping[str, str]) -> None:
        """Create the database and every table of the service (idempotent)."""
        database = Database(database_url(self.service, environ))
        try:
            self.create_tables(database)
        finally:
            database.close()

    def relay_source(self, database: Database, environ: Mapping[str, str]) -> RelaySource:
        self.create_tables(database)
        return OutboxTableSource(database)
