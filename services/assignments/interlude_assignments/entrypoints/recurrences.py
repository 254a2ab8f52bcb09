"""Entrypoints of recurrences: create, read, cancel."""

from datetime import timedelta
from typing import Any

from interlude_contracts.errors import parse_uuid, validated
from interlude_contracts.schedules import RecurrenceRequest
from interlude_runtime.rpc import rpc

from ..handlers import CancelRecurrence, CreateRecurrence, get_recurrence, handle
from ..idempotency import Idempotency
from ..snapshot import Personalisation
from ..translation import recurrence_body
from .base import Entrypoints, check_rule


class RecurrenceEntrypoints(Entrypoints):
    @rpc
    def create_recurrence(
        self,
        clinic_id: str,
        therapist_id: str,
        request: dict[str, Any],
        correlation_id: str,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Assign an activity on an RFC 5545 rule in the client's zone; the first occurrence is scheduled."""
        body = validated(RecurrenceRequest(), request)
        check_rule(body)
        command = CreateRecurrence(
            clinic_id,
            therapist_id,
            body["client_id"],
            self._version(clinic_id, body),
            body["rule"],
            body["starts_at"],
            body["time_zone"],
            correlation_id,
            due_after=timedelta(hours=body["due_after_hours"]) if body["due_after_hours"] else None,
            grace=timedelta(hours=body["grace_hours"]) if body["grace_hours"] is not None else None,
            reminders=body["reminders"],
            personalisation=Personalisation.of(body),
            idempotency=Idempotency.of("recurrence", clinic_id, therapist_id, request, correlation_id, idempotency_key),
        )
        return recurrence_body(handle(self.app, command))

    @rpc
    def get_recurrence(self, clinic_id: str, recurrence_id: str, therapist_id: str | None = None) -> dict[str, Any]:
        """With ``therapist_id``, only a recurrence that therapist made (else NotFound)."""
        identifier = parse_uuid(recurrence_id, "recurrence_id")
        return recurrence_body(get_recurrence(self.app, clinic_id, identifier, therapist_id))

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
