"""The assignments service's schedule entrypoints: opened, recurrences, pathways and the scheduler's triggers.

A mixin of ``AssignmentsService`` (which provides ``app``).
"""

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from interlude_contracts.errors import ValidationFailed, parse_uuid, validated
from interlude_contracts.events import ASSIGNMENT_EXPIRY_DUE, RELEASE_DUE, RESPONSE_SUBMITTED, Event
from interlude_contracts.runtime.consuming import event_consumer
from interlude_contracts.runtime.rpc import rpc
from interlude_contracts.runtime.shredding import ClientDataErased
from interlude_contracts.schedules import (
    EnrolRequest,
    GroupAssignRequest,
    GroupPathwayRequest,
    GroupRecurrenceRequest,
    GroupRequest,
    MemberRequest,
    PathwayRequest,
    RecurrenceRequest,
)

from .recurrences import InvalidRule, parse_rule
from .schedules import expiry_of
from .snapshot import Personalisation
from .translation import assignment_body, enrolment_body, group_body, pathway_body, recurrence_body

log = logging.getLogger(__name__)


def check_release(body: dict[str, Any]) -> None:
    """A release time, when given, must come before the due time."""
    release_at, due_at = body.get("release_at"), body.get("due_at")
    if release_at is not None and due_at is not None and release_at >= due_at:
        raise ValidationFailed("release_at is not before due_at.", {"release_at": ["Must be before due_at."]})


def schedule_of(body: dict[str, Any]) -> dict[str, Any]:
    """The application's schedule keywords from a validated AssignRequest."""
    grace = body.get("grace_hours")
    return {
        "release_at": body.get("release_at"),
        "expires_at": expiry_of(body.get("due_at"), None if grace is None else timedelta(hours=grace)),
        "reminders": body.get("reminders"),
    }


class ScheduleEntrypoints:
    @rpc
    def open_assignment(
        self, clinic_id: str, client_id: str, assignment_id: str, correlation_id: str
    ) -> dict[str, Any]:
        """The client opens their assignment (recorded the first time)."""
        assignment = self.app.open(clinic_id, parse_uuid(assignment_id, "assignment_id"), client_id, correlation_id)
        return assignment_body(assignment)

    @event_consumer("assignments.events")
    def on_schedule_trigger(self, event: Event) -> None:
        """The notifications scheduler says an expiry time has come; idempotent (expire checks state)."""
        try:
            self._apply_trigger(event)
        except ClientDataErased:
            # The client was erased since the trigger was scheduled: nothing is left to release or expire.
            log.info("ignored %s for an erased client", event.event_type)

    def _apply_trigger(self, event: Event) -> None:
        if event.event_type == ASSIGNMENT_EXPIRY_DUE:
            self.app.expire(event.clinic_id, event.payload["assignment_id"], event.correlation_id)
        elif event.event_type == RELEASE_DUE and event.payload["schedule_kind"] == "recurrence":
            self.app.release_occurrence(event.payload["schedule_id"], event.payload["release_at"], event.correlation_id)
        elif event.event_type == RELEASE_DUE and event.payload["schedule_kind"] == "pathway":
            self.app.release_pathway_steps(
                event.payload["schedule_id"], event.payload["release_at"], event.correlation_id
            )
        elif event.event_type == RESPONSE_SUBMITTED:
            self.app.pathway_step_completed(event.payload["assignment_id"], event.occurred_at, event.correlation_id)

    # -- recurrences -------------------------------------------------------------

    @rpc
    def create_recurrence(
        self, clinic_id: str, therapist_id: str, request: dict[str, Any], correlation_id: str
    ) -> dict[str, Any]:
        """Assign an activity on an RFC 5545 rule in the client's zone; the first occurrence is scheduled."""
        body = validated(RecurrenceRequest(), request)
        try:
            parse_rule(body["rule"], body["starts_at"])
        except InvalidRule as error:
            raise ValidationFailed(str(error), {"rule": [str(error)]}) from None
        recurrence = self.app.create_recurrence(
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
        )
        return recurrence_body(recurrence)

    @rpc
    def get_recurrence(self, clinic_id: str, recurrence_id: str) -> dict[str, Any]:
        return recurrence_body(self.app.get_recurrence(clinic_id, parse_uuid(recurrence_id, "recurrence_id")))

    @rpc
    def cancel_recurrence(
        self, clinic_id: str, cancelled_by: str, recurrence_id: str, correlation_id: str
    ) -> dict[str, Any]:
        recurrence_uuid = parse_uuid(recurrence_id, "recurrence_id")
        return recurrence_body(self.app.cancel_recurrence(clinic_id, recurrence_uuid, cancelled_by, correlation_id))

    # -- pathways ----------------------------------------------------------------

    @rpc
    def create_pathway(
        self, clinic_id: str, therapist_id: str, request: dict[str, Any], correlation_id: str
    ) -> dict[str, Any]:
        """A named sequence of steps; each step's activity version is fixed now (the latest unless named)."""
        body = validated(PathwayRequest(), request)
        steps = []
        for step in body["steps"]:
            steps.append(
                {
                    "activity": self._version(clinic_id, step),
                    "release": step["release"],
                    "due_after_hours": step["due_after_hours"],
                }
            )
        return pathway_body(self.app.create_pathway(clinic_id, therapist_id, body["name"], steps))

    @rpc
    def get_pathway(self, clinic_id: str, pathway_id: str) -> dict[str, Any]:
        return pathway_body(self.app.get_pathway(clinic_id, parse_uuid(pathway_id, "pathway_id")))

    @rpc
    def enrol(
        self, clinic_id: str, therapist_id: str, pathway_id: str, request: dict[str, Any], correlation_id: str
    ) -> dict[str, Any]:
        body = validated(EnrolRequest(), request)
        enrolment = self.app.enrol(
            clinic_id,
            therapist_id,
            parse_uuid(pathway_id, "pathway_id"),
            body["client_id"],
            correlation_id,
            personalisation=Personalisation.of(body),
        )
        return enrolment_body(enrolment)

    @rpc
    def list_enrolments(self, clinic_id: str, pathway_id: str) -> list[dict[str, Any]]:
        return [enrolment_body(e) for e in self.app.enrolments(clinic_id, parse_uuid(pathway_id, "pathway_id"))]

    @rpc
    def get_enrolment(self, clinic_id: str, enrolment_id: str) -> dict[str, Any]:
        return enrolment_body(self.app.get_enrolment(clinic_id, parse_uuid(enrolment_id, "enrolment_id")))

    @rpc
    def change_enrolment(
        self, clinic_id: str, changed_by: str, enrolment_id: str, action: str, correlation_id: str
    ) -> dict[str, Any]:
        """``pause``, ``resume`` or ``cancel``."""
        identifier = parse_uuid(enrolment_id, "enrolment_id")
        commands = {
            "pause": lambda: self.app.pause_enrolment(clinic_id, identifier, correlation_id),
            "resume": lambda: self.app.resume_enrolment(clinic_id, identifier, correlation_id),
            "cancel": lambda: self.app.cancel_enrolment(clinic_id, identifier, changed_by, correlation_id),
        }
        if action not in commands:
            raise ValidationFailed("Unknown action.", {"action": ["Use pause, resume or cancel."]})
        return enrolment_body(commands[action]())

    # -- groups ------------------------------------------------------------------

    @rpc
    def create_group(
        self, clinic_id: str, therapist_id: str, request: dict[str, Any], correlation_id: str
    ) -> dict[str, Any]:
        body = validated(GroupRequest(), request)
        return group_body(self.app.create_group(clinic_id, therapist_id, body["name"], body["members"]))

    @rpc
    def get_group(self, clinic_id: str, group_id: str) -> dict[str, Any]:
        return group_body(self.app.get_group(clinic_id, parse_uuid(group_id, "group_id")))

    @rpc
    def add_group_member(
        self, clinic_id: str, group_id: str, request: dict[str, Any], correlation_id: str
    ) -> dict[str, Any]:
        body = validated(MemberRequest(), request)
        group = self.app.add_group_member(
            clinic_id, parse_uuid(group_id, "group_id"), body["client_id"], body["joining"], correlation_id
        )
        return group_body(group)

    @rpc
    def remove_group_member(self, clinic_id: str, group_id: str, client_id: str) -> dict[str, Any]:
        return group_body(self.app.remove_group_member(clinic_id, parse_uuid(group_id, "group_id"), client_id))

    @rpc
    def assign_to_group(
        self, clinic_id: str, therapist_id: str, group_id: str, kind: str, request: dict[str, Any], correlation_id: str
    ) -> dict[str, Any]:
        """Send an ``activity``, a ``recurrence`` or a ``pathway`` to every member of the group."""
        group_uuid = parse_uuid(group_id, "group_id")
        spec = self._group_spec(clinic_id, kind, request)
        return group_body(self.app.assign_to_group(clinic_id, therapist_id, group_uuid, kind, spec, correlation_id))

    def _group_spec(self, clinic_id: str, kind: str, request: dict[str, Any]) -> dict[str, Any]:
        if kind == "activity":
            body = validated(GroupAssignRequest(), request)
            if body["due_at"] is not None and body["due_at"] <= datetime.now(UTC):
                raise ValidationFailed("due_at is in the past.", {"due_at": ["Must be in the future."]})
            check_release(body)
            schedule = schedule_of(body)
            return {
                "activity": self._version(clinic_id, body),
                "due_at": body["due_at"],
                **schedule,
                "personalisation": Personalisation.of(body).as_dict(),
            }
        if kind == "recurrence":
            body = validated(GroupRecurrenceRequest(), request)
            try:
                parse_rule(body["rule"], body["starts_at"])
            except InvalidRule as error:
                raise ValidationFailed(str(error), {"rule": [str(error)]}) from None
            return {
                "activity": self._version(clinic_id, body),
                "personalisation": Personalisation.of(body).as_dict(),
                "rule": body["rule"],
                "starts_at": body["starts_at"],
                "time_zone": body["time_zone"],
                "due_after_minutes": body["due_after_hours"] * 60 if body["due_after_hours"] else None,
                "grace_minutes": body["grace_hours"] * 60 if body["grace_hours"] is not None else None,
                "reminders": body["reminders"],
            }
        if kind == "pathway":
            body = validated(GroupPathwayRequest(), request)
            self.app.get_pathway(clinic_id, body["pathway_id"])  # NotFound before anything is sent
            return {"pathway_id": str(body["pathway_id"]), "personalisation": Personalisation.of(body).as_dict()}
        raise ValidationFailed("Unknown kind.", {"kind": ["Use activity, recurrence or pathway."]})

    def _version(self, clinic_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """The published version a request names (the latest unless one is named); the application pins it."""
        return self.activities.get_version(clinic_id, str(body["activity_id"]), body["activity_version"])
