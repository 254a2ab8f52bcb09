"""From domain objects to contracts: envelopes for the bus, bodies for RPC."""

from collections.abc import Callable
from typing import Any

from eventsourcing.domain import DomainEventProtocol

from interlude_contracts.activity import pages_of
from interlude_contracts.api import AssignmentSchema
from interlude_contracts.envelope import envelope_of
from interlude_contracts.events import (
    ACTIVITY_ASSIGNED,
    ASSIGNMENT_CANCELLED,
    RESPONSE_SUBMITTED,
    RISK_FLAG_ACKNOWLEDGED,
    RISK_FLAG_RAISED,
    ActivityAssignedV1,
    AssignmentCancelledV1,
    ResponseSubmittedV1,
    RiskFlagAcknowledgedV1,
    RiskFlagRaisedV1,
)

from .domain import Assignment

SOURCE = "assignments"


def _assigned(event: Any) -> dict[str, Any]:
    return ActivityAssignedV1().dump(
        {
            "assignment_id": event.originator_id,
            "activity_id": event.activity["activity_id"],
            "activity_version": event.activity["version"],
            "activity_title": event.activity["title"],
            "client_id": event.client_id,
            "therapist_id": event.therapist_id,
            "due_at": event.due_at,
        }
    )


def _submitted(event: Any) -> dict[str, Any]:
    return ResponseSubmittedV1().dump(
        {
            "assignment_id": event.originator_id,
            "activity_id": event.activity_id,
            "activity_version": event.activity_version,
            "client_id": event.client_id,
            "answers": event.answers,
            # Events stored before scoring existed have none of these attributes.
            "measure": getattr(event, "measure", None),
            "scores": getattr(event, "scores", None) or {},
            "risk_flags": getattr(event, "risk_flags", None) or [],
        }
    )


def _risk_flag(event: Any) -> dict[str, Any]:
    return RiskFlagRaisedV1().dump(
        {
            "flag_id": event.flag_id,
            "assignment_id": event.originator_id,
            "activity_id": event.activity_id,
            "activity_version": event.activity_version,
            "client_id": event.client_id,
            "therapist_id": event.therapist_id,
            "measure": event.measure,
            "rule_id": event.rule_id,
            "item_id": event.item_id,
            "message": event.message,
        }
    )


def _cancelled(event: Any) -> dict[str, Any]:
    return AssignmentCancelledV1().dump(
        {
            "assignment_id": event.originator_id,
            "client_id": event.client_id,
            "cancelled_by": event.cancelled_by,
            "reason": event.reason,
        }
    )


def _flag_acknowledged(event: Any) -> dict[str, Any]:
    return RiskFlagAcknowledgedV1().dump(
        {
            "flag_id": event.flag_id,
            "assignment_id": event.originator_id,
            "client_id": event.client_id,
            "acknowledged_by": event.acknowledged_by,
            "note": event.note,
        }
    )


PUBLISHED_EVENTS: dict[type, tuple[str, Callable[[Any], dict[str, Any]]]] = {
    Assignment.Assigned: (ACTIVITY_ASSIGNED, _assigned),
    Assignment.ResponseSubmitted: (RESPONSE_SUBMITTED, _submitted),
    Assignment.Cancelled: (ASSIGNMENT_CANCELLED, _cancelled),
    Assignment.RiskFlagRaised: (RISK_FLAG_RAISED, _risk_flag),
    Assignment.RiskFlagAcknowledged: (RISK_FLAG_ACKNOWLEDGED, _flag_acknowledged),
}


def to_envelope(domain_event: DomainEventProtocol, position: int) -> dict[str, Any] | None:
    """The bus envelope of a stored event, or None for events kept private (the index)."""
    published = PUBLISHED_EVENTS.get(type(domain_event))
    if published is None:
        return None
    event_type, payload_of = published
    return envelope_of(
        domain_event, source=SOURCE, event_type=event_type, position=position, payload=payload_of(domain_event)
    )


def assignment_body(assignment: Assignment) -> dict[str, Any]:
    activity = assignment.activity
    return AssignmentSchema().dump(
        {
            "assignment_id": assignment.id,
            "clinic_id": assignment.clinic_id,
            "client_id": assignment.client_id,
            "therapist_id": assignment.therapist_id,
            "activity_id": activity["activity_id"],
            "activity_version": activity["version"],
            "title": activity["title"],
            "instructions": activity["instructions"],
            "items": activity["items"],
            "pages": pages_of(activity),
            "measure": activity.get("measure"),
            "status": assignment.status,
            "assigned_at": assignment.created_on,
            "due_at": assignment.due_at,
            "submitted_at": assignment.submitted_at,
            "cancelled_at": assignment.cancelled_at,
            "answers": assignment.answers,
            "scores": getattr(assignment, "scores", {}),
            "risk_flags": getattr(assignment, "risk_flags", []),
        }
    )


def client_view(body: dict[str, Any]) -> dict[str, Any]:
    """An assignment as its client sees it: without scores and risk flags, which are the therapist's to discuss."""
    return {key: value for key, value in body.items() if key not in ("scores", "risk_flags")}


def acknowledgement_body(assignment: Assignment, flag_id: str) -> dict[str, Any]:
    acknowledged = assignment.acknowledged_flags[str(flag_id)]
    return {
        "flag_id": str(flag_id),
        "assignment_id": str(assignment.id),
        "client_id": assignment.client_id,
        "acknowledged_by": acknowledged["acknowledged_by"],
        "acknowledged_at": acknowledged["acknowledged_at"].isoformat(),
        "note": acknowledged["note"],
    }
