"""The reporting service's entrypoints, called as nameko would call them.

Mocking policy: the SQL services' (``interlude_testing.sql_services``), on a
temporary SQLite file.
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from nameko.testing.services import worker_factory

from interlude_contracts.api import ClientReportSchema
from interlude_reporting.projection import create_tables, dump_tables
from interlude_reporting.service import ReportingService
from interlude_runtime.storage import Database
from interlude_testing import CLINIC, EventFactory
from interlude_testing.sql_services import sql_store


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with sql_store(f"sqlite:///{tmp_path / 'reporting.sqlite'}", create_tables) as database:
        yield database


@pytest.fixture
def service(database: Database) -> ReportingService:
    return worker_factory(ReportingService, database=database)


def test_the_store_is_the_injected_database(service: ReportingService, database: Database) -> None:
    assert service.database is database


def test_on_event_applies_the_event(service: ReportingService, database: Database) -> None:
    factory = EventFactory()
    assigned = factory.activity_assigned(factory.activity_published("Mood check-in"), "client-1")

    service.on_event(assigned)

    rows = dump_tables(database)["assignments"]
    assert [(row["assignment_id"], row["status"]) for row in rows] == [
        (str(assigned.payload["assignment_id"]), "assigned")
    ]
    assert [row["event_id"] for row in dump_tables(database)["tracking"]] == [str(assigned.event_id)]


def test_client_report_returns_the_contract_body(service: ReportingService) -> None:
    factory = EventFactory()
    mood = factory.activity_published("Mood check-in")
    assigned = factory.activity_assigned(mood, "client-1", due_at=datetime(2025, 3, 10, 18, 30, tzinfo=UTC))
    submitted = factory.response_submitted(assigned)
    for event in (mood, assigned, submitted, submitted):  # the last one redelivered
        service.on_event(event)

    body = service.client_report(CLINIC, "client-1")

    assert body == {
        "clinic_id": CLINIC,
        "client_id": "client-1",
        "assignments": [
            {
                "assignment_id": str(assigned.payload["assignment_id"]),
                "activity_id": str(mood.payload["activity_id"]),
                "activity_version": 1,
                "activity_title": "Mood check-in",
                "status": "submitted",
                "assigned_at": assigned.occurred_at.astimezone(UTC).isoformat(),
                "due_at": "2025-03-10T18:30:00+00:00",
                "submitted_at": submitted.occurred_at.astimezone(UTC).isoformat(),
                "cancelled_at": None,
            }
        ],
        "assigned": 1,
        "completed": 1,
        "cancelled": 0,
        "completion_rate": 1.0,
    }
    assert ClientReportSchema().validate(json.loads(json.dumps(body))) == {}


def test_client_report_of_a_client_without_assignments(service: ReportingService) -> None:
    body = service.client_report(CLINIC, "client-1")

    assert body["assignments"] == []
    assert body["completion_rate"] is None
    assert json.loads(json.dumps(body)) == body
