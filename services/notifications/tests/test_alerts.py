"""Therapist alerts on RiskFlagRaised: recorded once, addressed to the flag's therapist, kept per clinic."""

import json
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from nameko.testing.services import worker_factory

from interlude_contracts.analytics import TherapistAlertSchema
from interlude_notifications.alerts import RISK_FLAG, for_therapist, record_risk_alert
from interlude_notifications.schema import create_tables
from interlude_notifications.service import NotificationsService
from interlude_notifications.store import for_client
from interlude_runtime.storage import Database
from interlude_testing import OTHER_CLINIC, THERAPIST, EventFactory


@pytest.fixture
def alerts(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    create_tables(database)
    yield database
    database.close()


def test_a_risk_flag_alerts_the_therapist_once(alerts: Database) -> None:
    factory = EventFactory()
    assigned = factory.activity_assigned(factory.activity_published("PHQ-9"), "client-1")
    raised = factory.risk_flag_raised(assigned, message="Item 9 answered 2.")

    assert record_risk_alert(alerts, raised)
    assert not record_risk_alert(alerts, raised)  # redelivered

    [alert] = for_therapist(alerts, factory.clinic_id, THERAPIST)
    assert alert["kind"] == RISK_FLAG
    assert (alert["client_id"], alert["assignment_id"], alert["flag_id"]) == (
        "client-1",
        str(assigned.payload["assignment_id"]),
        str(raised.payload["flag_id"]),
    )
    assert "client-1" in alert["body"] and "PHQ-9" in alert["body"] and "Item 9 answered 2." in alert["body"]
    assert alert["created_at"] == raised.occurred_at.astimezone(UTC).isoformat()
    assert for_therapist(alerts, OTHER_CLINIC, THERAPIST) == []
    assert for_therapist(alerts, factory.clinic_id, "therapist-2") == []


def test_the_service_records_the_alert_and_lists_it_over_rpc(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'notifications.sqlite'}")
    create_tables(database)
    service = worker_factory(NotificationsService, database=database)
    factory = EventFactory()
    assigned = factory.activity_assigned(factory.activity_published("PHQ-9"), "client-1")
    raised = factory.risk_flag_raised(assigned)

    service.on_event(assigned)
    service.on_event(raised)
    service.on_event(raised)

    listed = service.list_for_therapist(factory.clinic_id, THERAPIST)
    assert TherapistAlertSchema(many=True).validate(json.loads(json.dumps(listed))) == {}
    assert [alert["flag_id"] for alert in listed] == [str(raised.payload["flag_id"])]
    # The client is told about the new activity, never about the flag.
    assert [n["kind"] for n in for_client(database, factory.clinic_id, "client-1")] == ["new_activity"]
    database.close()
