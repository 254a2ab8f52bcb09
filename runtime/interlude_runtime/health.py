"""The health RPC every service answers, for the gateway's readiness check."""

from typing import Any

from .rpc import rpc


class HealthRpc:
    """Mixed into a service class: ``<service>.health()`` answers while the service consumes RPC.

    The answer is ``ok`` only while the service's own store answers too (the ``metrics`` dependency's value
    is its readiness; None in worker_factory tests): a service that takes RPC but cannot reach its database
    is not healthy, and the gateway's ``/health/ready`` says so.
    """

    name: str
    metrics: Any

    @rpc
    def health(self) -> dict[str, Any]:
        store: dict[str, str] = self.metrics.status() if self.metrics is not None else {}
        if any(result != "ok" for result in store.values()):
            return {"service": self.name, "status": "degraded", "checks": store}
        return {"service": self.name, "status": "ok"}
