"""The gateway's providers: token signing, from configuration."""

from typing import Any

from nameko.extensions import DependencyProvider

from interlude_runtime.secrets import required_secret

from .auth import DEVELOPMENT_TOKEN_SECRETS, TokenSigner


class Tokens(DependencyProvider):
    """The token signer; the gateway refuses to start without a secret of its own (outside development mode)."""

    def setup(self) -> None:
        config = self.container.config
        secret = required_secret("GATEWAY_TOKEN_SECRET", config.get("TOKEN_SECRET"), DEVELOPMENT_TOKEN_SECRETS)
        previous = tuple(
            key.strip() for key in str(config.get("TOKEN_PREVIOUS_SECRETS") or "").split(",") if key.strip()
        )
        self.signer = TokenSigner(secret, int(config.get("TOKEN_TTL_SECONDS", 900)), previous)

    def get_dependency(self, worker_ctx: Any) -> TokenSigner:
        return self.signer
