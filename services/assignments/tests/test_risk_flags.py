"""Acknowledging a risk flag: the domain rule, the stored and published event, the RPC.

Mocking policy as in test_service: only the activities proxy is a mock; the
application and its in-memory event store are real.
"""

import json
from typing import Any
from unittest.mock import MagicMock
from uuid import UUID, uuid4

import pytest
from nameko.testing.services import worker_factory

from interlude_assignments.application import AssignmentsApplication
from interlude_assignments.domain import Assignment, FlagAlreadyAcknowledged, UnknownRiskFlag
from interlude_assignments.handlers import AcknowledgeRiskFlag, Assign, handle
from interlude_assignments.service import AssignmentsService
from interlude_assignments.translation import to_envelope
from interlude_contracts.analytics import AcknowledgementSchema
from interlude_contracts.errors import Conflict, NotFound, ValidationFailed
from interlude_contracts.events import RISK_FLAG_ACKNOWLEDGED, load_event
from interlude_runtime.outbox import log_page


@pytest.fixture
def service(memory_app: AssignmentsApplication, version_body: dict[str, Any]) -> AssignmentsService:
    activities = MagicMock()
    activities.get_version.return_value = version_body
    return worker_factory(AssignmentsService, app=memory_app, activities=activities, metrics=None)


def new_assignment(snapshot: dict[str, Any]) -> Assignment:
    return Assignment(
        clinic_id="clinic-a",
        client_id="client-1",
        therapist_id="therapist-1",
        activity=snapshot,
        due_at=None,
        correlation_id="corr-assign",
    )


def raise_flag(assignment: Assignment) -> UUID:
    """Record a raised flag as scoring does for a critical answer (see test_domain for the real trigger)."""
    flag_id = uuid4()
    assignment._risk_flag_raised(
        flag_id=flag_id,
        clinic_id=assignment.clinic_id,
        client_id=assignment.client_id,
        therapist_id=assignment.therapist_id,
        activity_id=assignment.activity["activity_id"],
        activity_version=assignment.activity["version"],
        measure="PHQ-9",
        rule_id="phq9-item9",
        item_id="q9",
        message="Review the client's safety.",
        correlation_id="corr-raise",
    )
    return flag_id


def test_acknowledging_records_who_when_and_the_note_once(snapshot: dict[str, Any]) -> None:
    assignment = new_assignment(snapshot)
    flag_id = raise_flag(assignment)

    assignment.acknowledge_risk_flag(flag_id, "therapist-2", "Called the client.", "corr-ack")

    acknowledged = assignment.acknowledged_flags[str(flag_id)]
    assert (acknowledged["acknowledged_by"], acknowledged["note"]) == ("therapist-2", "Called the client.")
    assert acknowledged["acknowledged_at"].tzinfo is not None
    with pytest.raises(FlagAlreadyAcknowledged):
        assignment.acknowledge_risk_flag(flag_id, "therapist-1", None, "corr-ack-2")
    stored = assignment.collect_events()[-1]
    assert isinstance(stored, Assignment.RiskFlagAcknowledged) and stored.correlation_id == "corr-ack"


def test_only_a_raised_flag_can_be_acknowledged(snapshot: dict[str, Any]) -> None:
    assignment = new_assignment(snapshot)
    raised = raise_flag(assignment)

    with pytest.raises(UnknownRiskFlag):
        assignment.acknowledge_risk_flag(uuid4(), "therapist-1", None, "corr")
    assignment.acknowledge_risk_flag(raised, "therapist-1", None, "corr")
    assert str(raised) in assignment.acknowledged_flags


def test_the_acknowledgement_is_published_as_a_valid_event(snapshot: dict[str, Any]) -> None:
    assignment = new_assignment(snapshot)
    flag_id = raise_flag(assignment)
    assignment.acknowledge_risk_flag(flag_id, "therapist-1", None, "corr-ack")
    stored = assignment.collect_events()[-1]

    event = load_event(json.loads(json.dumps(to_envelope(stored, 7))))

    assert (event.event_type, event.position, event.correlation_id) == (RISK_FLAG_ACKNOWLEDGED, 7, "corr-ack")
    assert event.payload == {
        "flag_id": flag_id,
        "assignment_id": assignment.id,
        "client_id": "client-1",
        "acknowledged_by": "therapist-1",
        "note": None,
    }
    assert event.occurred_at == stored.timestamp


def test_acknowledge_over_rpc_stores_publishes_and_refuses_twice(
    service: AssignmentsService, memory_app: AssignmentsApplication, version_body: dict[str, Any]
) -> None:
    assigned = service.assign(
        "clinic-a", "therapist-1", {"client_id": "client-1", "activity_id": version_body["activity_id"]}, "c"
    )
    stored = memory_app.repository.get(UUID(assigned["assignment_id"]))
    flag_id = str(raise_flag(stored))
    memory_app.save(stored)

    body = service.acknowledge_risk_flag(
        "clinic-a", "therapist-1", assigned["assignment_id"], flag_id, {"note": "Seen."}, "corr-ack"
    )

    assert json.loads(json.dumps(body)) == body
    assert AcknowledgementSchema().validate(body) == {}
    assert (body["flag_id"], body["acknowledged_by"], body["note"]) == (flag_id, "therapist-1", "Seen.")
    envelopes, _ = log_page(memory_app, to_envelope, 0, 100)
    assert [e["event_type"] for e in envelopes][-1] == RISK_FLAG_ACKNOWLEDGED
    with pytest.raises(Conflict):
        service.acknowledge_risk_flag("clinic-a", "therapist-1", assigned["assignment_id"], flag_id, {}, "c2")
    with pytest.raises(NotFound):  # another clinic's assignment
        service.acknowledge_risk_flag("clinic-b", "therapist-9", assigned["assignment_id"], str(uuid4()), {}, "c3")
    with pytest.raises(ValidationFailed) as refused:
        service.acknowledge_risk_flag("clinic-a", "therapist-1", assigned["assignment_id"], "not-a-uuid", {}, "c4")
    assert "flag_id" in refused.value.fields
    with pytest.raises(ValidationFailed) as too_long:
        service.acknowledge_risk_flag(
            "clinic-a", "therapist-1", assigned["assignment_id"], str(uuid4()), {"note": "x" * 2001}, "c5"
        )
    assert "note" in too_long.value.fields


def test_acknowledgements_survive_reloading_the_store(application_opener, snapshot: dict[str, Any]) -> None:
    from interlude_assignments.application import create_application

    open_app = application_opener(create_application)
    app = open_app()
    assignment = handle(app, Assign("clinic-a", "therapist-1", "client-1", snapshot, None, "corr"))
    flag_id = raise_flag(assignment)
    app.save(assignment)
    handle(app, AcknowledgeRiskFlag("clinic-a", assignment.id, flag_id, "therapist-1", "ok", "corr-ack"))

    reloaded = open_app().get("clinic-a", assignment.id)

    assert reloaded.acknowledged_flags[str(flag_id)]["note"] == "ok"
    with pytest.raises(Conflict):
        handle(open_app(), AcknowledgeRiskFlag("clinic-a", assignment.id, flag_id, "therapist-1", None, "again"))
