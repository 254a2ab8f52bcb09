"""The gateway's providers: token signing, from configuration."""

from typing import Any

from nameko.extensions import DependencyProvider

from .auth import TokenSigner


class Tokens(DependencyProvider):
    def setup(self) -> None:
        config = self.container.config
        previous = tuple(
            key.strip() for key in str(config.get("TOKEN_PREVIOUS_SECRETS") or "").split(",") if key.strip()
        )
        self.signer = TokenSigner(str(config["TOKEN_SECRET"]), int(config.get("TOKEN_TTL_SECONDS", 900)), previous)

    def get_dependency(self, worker_ctx: Any) -> TokenSigner:
        return self.signer
