"""A client's data: export (JSON) and erasure (crypto-shredding plus purging the projections)."""

from datetime import UTC, datetime
from typing import Any

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from ..auth import CLIENT, CLINIC_ADMIN, THERAPIST, Caller
from ..scoping import audit, require_client
from ..web import endpoint, json_response


class PrivacyRoutes:
    @http("GET", "/clients/<client_id>/export")
    @endpoint(THERAPIST, CLINIC_ADMIN)
    def export_client(
        self, request: Request, caller: Caller, correlation_id: str, client_id: str, **_: Any
    ) -> Response:
        """Everything held about the client, as JSON (the clinic's copy: all their assignments)."""
        require_client(self, caller, client_id)
        export = self._export(caller, client_id)
        audit(self, caller, request, correlation_id, "export", client_id)
        return json_response(export, headers={"Content-Disposition": f'attachment; filename="{client_id}.json"'})

    @http("GET", "/me/export")
    @endpoint(CLIENT)
    def export_mine(self, request: Request, caller: Caller, correlation_id: str, **_: Any) -> Response:
        export = self._export(caller, caller.subject)
        audit(self, caller, request, correlation_id, "export", caller.subject)
        return json_response(export, headers={"Content-Disposition": 'attachment; filename="interlude.json"'})

    @http("DELETE", "/clients/<client_id>")
    @endpoint(CLINIC_ADMIN)
    def erase_client(self, request: Request, caller: Caller, correlation_id: str, client_id: str, **_: Any) -> Response:
        """Erase the client: their key is destroyed (the logs keep only unreadable ciphertext), the
        projections and their account are purged. Each step is idempotent, so a failed erasure is retried whole."""
        require_client(self, caller, client_id)
        audit(self, caller, request, correlation_id, "erase", client_id)
        self.assignments.erase_client(caller.clinic_id, client_id)
        self.reporting.purge_client(caller.clinic_id, client_id)
        self.notifications.purge_client(caller.clinic_id, client_id)
        self.identity.erase_client(caller.as_dict(), client_id)
        return Response(status=204)

    def _export(self, caller: Caller, client_id: str) -> dict[str, Any]:
        return {
            "exported_at": datetime.now(UTC).isoformat(),
            "account": self.identity.get_client(caller.as_dict(), client_id),
            "assignments": self.assignments.list_for_client(caller.clinic_id, client_id),
            "notifications": self.notifications.list_for_client(caller.clinic_id, client_id),
            "report": self.reporting.client_report(caller.clinic_id, client_id),
        }
