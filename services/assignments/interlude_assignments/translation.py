"""From domain objects to contracts: envelopes for the bus, bodies for RPC."""

from collections.abc import Callable
from typing import Any

from eventsourcing.domain import DomainEventProtocol
from marshmallow import Schema

from interlude_contracts.activity import pages_of
from interlude_contracts.api import AssignmentSchema
from interlude_contracts.envelope import envelope_of
from interlude_contracts.events import (
    ACTIVITY_ASSIGNED,
    ASSIGNMENT_CANCELLED,
    ASSIGNMENT_EXPIRED,
    ASSIGNMENT_OPENED,
    DUE_DATE_EXTENDED,
    RELEASE_SCHEDULED,
    RESPONSE_SCORED,
    RESPONSE_SUBMITTED,
    RISK_FLAG_ACKNOWLEDGED,
    RISK_FLAG_RAISED,
    ActivityAssignedV1,
    AssignmentCancelledV1,
    AssignmentExpiredV1,
    AssignmentOpenedV1,
    DueDateExtendedV1,
    ReleaseScheduledV1,
    ResponseScoredV1,
    ResponseSubmittedV1,
    RiskFlagAcknowledgedV1,
    RiskFlagRaisedV1,
)
from interlude_contracts.schemas import shared
from interlude_runtime.eventstore import decorated_event

from .domain import Assignment
from .groups import Group
from .pathways import Enrolment, Pathway
from .recurrences import Recurrence

SOURCE = "assignments"


SCHEDULE_FIELDS = ("release_at", "expires_at", "reminders")


def _assigned(event: Any) -> dict[str, Any]:
    payload = shared(ActivityAssignedV1).dump(
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


def _same_names(
    schema: type[Schema], id_field: str = "assignment_id", when_absent: dict[str, Any] | None = None, **fixed: Any
) -> Callable[[Any], dict[str, Any]]:
    """A payload whose fields are the event's attributes of the same names, the aggregate's id as ``id_field``.

    ``when_absent`` fills fields that events stored by older releases lack (or hold as None).
    """

    def payload_of(event: Any) -> dict[str, Any]:
        contract = shared(schema)
        values = {name: getattr(event, name) for name in contract.fields if hasattr(event, name)}
        for name, default in (when_absent or {}).items():
            if values.get(name) is None:
                values[name] = default
        return contract.dump({**values, id_field: event.originator_id, **fixed})

    return payload_of


# Events stored before scoring existed have no measure, scores or risk flags.
_submitted = _same_names(ResponseSubmittedV1, when_absent={"measure": None, "scores": {}, "risk_flags": []})


PUBLISHED_EVENTS: dict[type, tuple[str, Callable[[Any], dict[str, Any]]]] = {
    decorated_event(Assignment, "Assigned"): (ACTIVITY_ASSIGNED, _assigned),
    decorated_event(Assignment, "ResponseSubmitted"): (RESPONSE_SUBMITTED, _submitted),
    decorated_event(Assignment, "ResponseScored"): (RESPONSE_SCORED, _same_names(ResponseScoredV1)),
    decorated_event(Assignment, "Cancelled"): (ASSIGNMENT_CANCELLED, _same_names(AssignmentCancelledV1)),
    decorated_event(Assignment, "DueDateExtended"): (DUE_DATE_EXTENDED, _same_names(DueDateExtendedV1)),
    decorated_event(Assignment, "RiskFlagRaised"): (RISK_FLAG_RAISED, _same_names(RiskFlagRaisedV1)),
    decorated_event(Assignment, "RiskFlagAcknowledged"): (RISK_FLAG_ACKNOWLEDGED, _same_names(RiskFlagAcknowledgedV1)),
    decorated_event(Assignment, "Opened"): (ASSIGNMENT_OPENED, _same_names(AssignmentOpenedV1)),
    decorated_event(Assignment, "Expired"): (ASSIGNMENT_EXPIRED, _same_names(AssignmentExpiredV1)),
    decorated_event(Recurrence, "OccurrenceScheduled"): (
        RELEASE_SCHEDULED,
        _same_names(ReleaseScheduledV1, "schedule_id", schedule_kind="recurrence"),
    ),
    decorated_event(Enrolment, "StepScheduled"): (
        RELEASE_SCHEDULED,
        _same_names(ReleaseScheduledV1, "schedule_id", schedule_kind="pathway"),
    ),
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


def completed_summary(assignment: Assignment) -> dict[str, Any]:
    """A completed assignment in its client's history (``CompletedAssignmentSchema``): titles and dates."""
    return {
        "assignment_id": assignment.id,
        "title": assignment.activity["title"],
        "assigned_at": assignment.created_on,
        "due_at": assignment.due_at,
        "submitted_at": assignment.submitted_at,
    }


class _AssignmentWithoutItemsSchema(AssignmentSchema):
    class Meta:
        exclude = ("items", "pages")


def assignment_fields(assignment: Assignment) -> dict[str, Any]:
    """An assignment's fields as ``AssignmentSchema`` names them, not yet serialised."""
    activity = assignment.activity
    return {
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


def assignment_body(assignment: Assignment) -> dict[str, Any]:
    """``AssignmentSchema``'s dump of the assignment. The items and pages are given as the snapshot holds
    them: it was made from a version the activities service dumped with the same item and page schemas,
    so dumping them again, field by field, on every read (a third of a to-do list's cost) changed nothing."""
    fields = assignment_fields(assignment)
    body: dict[str, Any] = shared(_AssignmentWithoutItemsSchema).dump(fields)
    return {**body, "items": fields["items"], "pages": fields["pages"]}


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
