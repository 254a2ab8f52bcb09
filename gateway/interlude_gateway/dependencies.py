"""The gateway's providers: token signing and the user directory, from configuration."""

from typing import Any

from nameko.extensions import DependencyProvider

from .auth import TokenSigner, UserDirectory


class Tokens(DependencyProvider):
    def setup(self) -> None:
        config = self.container.config
        self.signer = TokenSigner(str(config["TOKEN_SECRET"]), int(config.get("TOKEN_TTL_SECONDS", 3600)))

    def get_dependency(self, worker_ctx: Any) -> TokenSigner:
        return self.signer


class Users(DependencyProvider):
    def setup(self) -> None:
        self.directory = UserDirectory(self.container.config.get("USERS") or {})

    def get_dependency(self, worker_ctx: Any) -> UserDirectory:
        return self.directory
