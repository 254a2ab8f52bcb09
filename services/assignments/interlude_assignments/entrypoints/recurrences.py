"""Entrypoints of recurrences: create, read, cancel."""

from typing import Any

from interlude_contracts.errors import parse_uuid
from interlude_contracts.schedules import RecurrenceRequest
from interlude_runtime.rpc import rpc

from ..handlers import CancelRecurrence, CreateRecurrence, get_recurrence, handle
from ..translation import recurrence_body
from .base import Creation, Entrypoints, creates, scoped_read


class RecurrenceEntrypoints(Entrypoints):
    @creates("recurrence", RecurrenceRequest)
    def create_recurrence(self, creation: Creation) -> dict[str, Any]:
        """Assign an activity on an RFC 5545 rule in the client's zone; the first occurrence is scheduled."""
        spec = self._recurrence_spec(creation.clinic_id, creation.body)
        command = CreateRecurrence.of_spec(spec, creation.addressee(creation.body["client_id"]), creation.idempotency)
        return recurrence_body(handle(self.app, command))

    get_recurrence = scoped_read(get_recurrence, recurrence_body, "recurrence_id")

    @rpc
    def cancel_recurrence(
        self,
        clinic_id: str,
        cancelled_by: str,
        recurrence_id: str,
        correlation_id: str,
        therapist_id: str | None = None,
    ) -> dict[str, Any]:
        """With ``therapist_id``, only a recurrence that therapist made (else NotFound)."""
        identifier = parse_uuid(recurrence_id, "recurrence_id")
        command = CancelRecurrence(clinic_id, identifier, cancelled_by, correlation_id, therapist_id=therapist_id)
        return recurrence_body(handle(self.app, command))
