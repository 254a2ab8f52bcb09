"""The identity service's providers: its SQL store (seeded from config) and its settings."""

from dataclasses import dataclass
from typing import Any

from nameko.extensions import DependencyProvider

from interlude_contracts.runtime.providers import SqlDatabase
from interlude_contracts.runtime.storage import Database

from . import store

SERVICE = "identity"


class IdentityDatabase(SqlDatabase):
    """The store; on start, the configured seed accounts are created when ``SEED_DEMO`` is on."""

    def setup(self) -> None:
        super().setup()
        config = self.container.config
        if str(config.get("SEED_DEMO", "false")).lower() in ("true", "1", "yes") and self.database is not None:
            store.seed(self.database, config.get("SEED") or {})


def _prepare(database: Database) -> None:
    store.create_tables(database)


def identity_database() -> IdentityDatabase:
    return IdentityDatabase(SERVICE, _prepare)


@dataclass(frozen=True)
class Settings:
    invitation_ttl: int
    refresh_ttl: int


class IdentitySettings(DependencyProvider):
    def setup(self) -> None:
        config = self.container.config
        self.settings = Settings(
            invitation_ttl=int(config.get("INVITATION_TTL_SECONDS", 7 * 24 * 3600)),
            refresh_ttl=int(config.get("REFRESH_TTL_SECONDS", 14 * 24 * 3600)),
        )

    def get_dependency(self, worker_ctx: Any) -> Settings:
        return self.settings
