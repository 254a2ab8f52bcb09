"""The health RPC every service answers, for the gateway's readiness check."""

from typing import Any

from .rpc import rpc


class HealthRpc:
    """Mixed into a service class: ``<service>.health()`` answers while the service consumes RPC."""

    name: str

    @rpc
    def health(self) -> dict[str, Any]:
        return {"service": self.name, "status": "ok"}
