"""Nameko dependency providers shared by the services."""

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from eventsourcing.application import Application
from nameko.extensions import DependencyProvider

from .schema import created_despite_races
from .storage import Database, database_url

AppT = TypeVar("AppT", bound=Application)


class EventSourcedApplication(DependencyProvider, Generic[AppT]):
    """One eventsourcing Application per service container, configured by environment."""

    def __init__(self, factory: Callable[[], AppT]) -> None:
        self.factory = factory
        self.app: AppT | None = None

    def setup(self) -> None:
        self.app = created_despite_races(self.factory)

    def stop(self) -> None:
        if self.app is not None:
            self.app.close()

    def get_dependency(self, worker_ctx: Any) -> AppT:
        assert self.app is not None
        return self.app


class SqlDatabase(DependencyProvider):
    """The service's SQL store (``DATABASE_URL`` or the SQLite default)."""

    def __init__(self, service: str, prepare: Callable[[Database], None]) -> None:
        self.service = service
        self.prepare = prepare
        self.database: Database | None = None

    def setup(self) -> None:
        database = self.database = Database(database_url(self.service))
        created_despite_races(lambda: self.prepare(database))

    def stop(self) -> None:
        if self.database is not None:
            self.database.close()

    def get_dependency(self, worker_ctx: Any) -> Database:
        assert self.database is not None
        return self.database
