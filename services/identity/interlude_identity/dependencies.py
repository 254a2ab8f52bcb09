"""The identity service's providers: its SQL store (seeded from config) and its settings."""

from dataclasses import dataclass
from typing import Any

from nameko.extensions import DependencyProvider

from interlude_runtime.providers import SqlDatabase
from interlude_runtime.secrets import development_mode, refuse_to_start
from interlude_runtime.storage import Database

from . import store
from .passwords import verify_password

SERVICE = "identity"
# Printed in README.md and config.yaml: an account seeded with one of them is anyone's, the operator too.
PUBLISHED_DEMO_PASSWORDS = ("operator-demo-pass", "admin-demo-pass", "therapist-demo-pass", "client-demo-pass")


class IdentityDatabase(SqlDatabase):
    """The store; on start, the configured seed accounts are created when ``SEED_DEMO`` is on.

    Outside development mode the service refuses to start rather than seed an account whose password
    is a published demo one.
    """

    def setup(self) -> None:
        super().setup()
        config = self.container.config
        if str(config.get("SEED_DEMO", "false")).lower() in ("true", "1", "yes") and self.database is not None:
            seed = config.get("SEED") or {}
            if not development_mode():
                refuse_published_passwords(seed)
            store.seed(self.database, seed)


def refuse_published_passwords(seed: dict[str, Any]) -> None:
    for entry in seed.get("accounts") or []:
        if any(verify_password(password, entry.get("password_hash")) for password in PUBLISHED_DEMO_PASSWORDS):
            refuse_to_start(
                f"IDENTITY_SEED_DEMO would seed {entry.get('username')} with a published demo password",
                "set IDENTITY_SEED_DEMO=false, or seed accounts with passwords of your own",
            )


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
