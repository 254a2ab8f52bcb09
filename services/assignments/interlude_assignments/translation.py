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
    ASSIGNMENT_EXPIRED,
    ASSIGNMENT_OPENED,
    RELEASE_SCHEDULED,
    RESPONSE_SCORED,
    RESPONSE_SUBMITTED,
    RISK_FLAG_ACKNOWLEDGED,
    RISK_FLAG_RAISED,
    ActivityAssignedV1,
    AssignmentCancelledV1,
    AssignmentExpiredV1,
    AssignmentOpenedV1,
    ReleaseScheduledV1,
    ResponseScoredV1,
    ResponseSubmittedV1,
    RiskFlagAcknowledgedV1,
    RiskFlagRaisedV1,
)

from .domain import Assignment
from .groups import Group
from .pathways import Enrolment, Pathway
from .recurrences import Recurrence

SOURCE = "assignments"


SCHEDULE_FIELDS = ("release_at", "expires_at", "reminders")


def _assigned(event: Any) -> dict[str, Any]:
    payload = ActivityAssignedV1().dump(
        {
            "assignment_id": event.originator_id,
            "activity_id": event.activity["activity_id"],
            "activity_version": event.activity["version"],
            "activity_title": event.activity["title"],
            "client_id": event.client_id,
            "therapist_id": event.therapist_id,
            "due_at": event.due_at,
            # Events stored before schedules existed lack these attributes.
            "release_at": getattr(event, "release_at", None),
            "expires_at": getattr(event, "expires_at", None),
            "reminders": getattr(event, "reminders", None),
        }
    )
    # Unscheduled assignments keep the original payload (consumers default the fields to null).
    return {key: value for key, value in payload.items() if key not in SCHEDULE_FIELDS or value is not None}


def _opened(event: Any) -> dict[str, Any]:
    return AssignmentOpenedV1().dump(
        {"assignment_id": event.originator_id, "client_id": event.client_id, "opened_at": event.opened_at}
    )


def _expired(event: Any) -> dict[str, Any]:
    return AssignmentExpiredV1().dump(
        {
            "assignment_id": event.originator_id,
            "client_id": event.client_id,
            "due_at": event.due_at,
            "expired_at": event.expired_at,
        }
    )


def _release_scheduled(event: Any) -> dict[str, Any]:
    return ReleaseScheduledV1().dump(
        {
            "schedule_id": event.originator_id,
            "schedule_kind": "recurrence",
            "client_id": event.client_id,
            "release_at": event.release_at,
        }
    )


def _step_scheduled(event: Any) -> dict[str, Any]:
    return ReleaseScheduledV1().dump(
        {
            "schedule_id": event.originator_id,
            "schedule_kind": "pathway",
            "client_id": event.client_id,
            "release_at": event.release_at,
            "step": event.step,
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


def _scored(event: Any) -> dict[str, Any]:
    return ResponseScoredV1().dump(
        {
            "assignment_id": event.originator_id,
            "activity_id": event.activity_id,
            "activity_version": event.activity_version,
            "client_id": event.client_id,
            "submitted_at": event.submitted_at,
            "measure": event.measure,
            "scores": event.scores,
            "risk_flags": event.risk_flags,
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
    Assignment.ResponseScored: (RESPONSE_SCORED, _scored),
    Assignment.Cancelled: (ASSIGNMENT_CANCELLED, _cancelled),
    Assignment.RiskFlagRaised: (RISK_FLAG_RAISED, _risk_flag),
    Assignment.RiskFlagAcknowledged: (RISK_FLAG_ACKNOWLEDGED, _flag_acknowledged),
    Assignment.Opened: (ASSIGNMENT_OPENED, _opened),
    Assignment.Expired: (ASSIGNMENT_EXPIRED, _expired),
    Recurrence.OccurrenceScheduled: (RELEASE_SCHEDULED, _release_scheduled),
    Enrolment.StepScheduled: (RELEASE_SCHEDULED, _step_scheduled),
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
            "release_at": assignment.release_at,
            "expires_at": assignment.expires_at,
            "opened_at": assignment.opened_at,
            "expired_at": assignment.expired_at,
            "reminders": assignment.reminders,
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


def recurrence_body(recurrence: Recurrence) -> dict[str, Any]:
    return {
        "recurrence_id": str(recurrence.id),
        "clinic_id": recurrence.clinic_id,
        "client_id": recurrence.client_id,
        "therapist_id": recurrence.therapist_id,
        "activity_id": recurrence.activity["activity_id"],
        "activity_version": recurrence.activity["version"],
        "title": recurrence.activity["title"],
        "rule": recurrence.rule,
        "starts_at": recurrence.starts_at.isoformat(),
        "time_zone": recurrence.time_zone,
        "due_after_minutes": recurrence.due_after_minutes,
        "grace_minutes": recurrence.grace_minutes,
        "status": recurrence.status,
        "next_release_at": recurrence.next_release_at.isoformat() if recurrence.next_release_at else None,
        "released": [
            {"release_at": item["release_at"].isoformat(), "assignment_id": str(item["assignment_id"])}
            for item in recurrence.released
        ],
    }


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def pathway_body(pathway: Pathway) -> dict[str, Any]:
    return {
        "pathway_id": str(pathway.id),
        "clinic_id": pathway.clinic_id,
        "name": pathway.name,
        "created_by": pathway.created_by,
        "steps": [
            {
                "activity_id": step["activity"]["activity_id"],
                "activity_version": step["activity"]["version"],
                "title": step["activity"]["title"],
                "release": step["release"],
                "due_after_hours": step.get("due_after_hours"),
            }
            for step in pathway.steps
        ],
    }


def enrolment_body(enrolment: Enrolment) -> dict[str, Any]:
    """Where the client stands on the pathway, step by step."""
    return {
        "enrolment_id": str(enrolment.id),
        "pathway_id": str(enrolment.pathway_id),
        "pathway_name": enrolment.pathway_name,
        "clinic_id": enrolment.clinic_id,
        "client_id": enrolment.client_id,
        "status": enrolment.status,
        "enrolled_at": _iso(enrolment.enrolled_at),
        "steps": [
            {
                "step": index,
                "title": enrolment.definition[index]["activity"]["title"],
                "status": state["status"],
                "release_at": _iso(state["release_at"]),
                "released_at": _iso(state["released_at"]),
                "completed_at": _iso(state["completed_at"]),
                "assignment_id": str(state["assignment_id"]) if state["assignment_id"] else None,
            }
            for index, state in enumerate(enrolment.steps)
        ],
    }


def group_body(group: Group) -> dict[str, Any]:
    return {
        "group_id": str(group.id),
        "clinic_id": group.clinic_id,
        "name": group.name,
        "created_by": group.created_by,
        "members": list(group.members),
        "programmes": [
            {
                "programme_id": str(programme["programme_id"]),
                "kind": programme["kind"],
                "started_at": _iso(programme["started_at"]),
                "title": programme["spec"]["activity"]["title"] if "activity" in programme["spec"] else None,
                "pathway_id": programme["spec"].get("pathway_id"),
                "deliveries": [
                    {"client_id": item["client_id"], "target_id": str(item["target_id"])}
                    for item in programme.get("deliveries", [])
                ],
            }
            for programme in group.programmes
        ],
    }
