"""The reporting service's analytics RPCs, called as nameko would call them, checked against the contracts.

Mocking policy as in test_service: a real ``Database`` on a temporary SQLite
file; the two producers' RPC proxies (used only by the lag probe) are mocks
answering ``read_log`` like the real services.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest
from analytics_history import build_scored_history
from marshmallow import Schema
from nameko.testing.services import worker_factory

from interlude_contracts.analytics import (
    AdherenceSchema,
    CaseloadEntrySchema,
    ClientProgressSchema,
    ClinicUsageSchema,
    ExportPageSchema,
    MeasureProgressSchema,
    RiskFlagSchema,
    TimelineSchema,
)
from interlude_contracts.errors import NotFound, ValidationFailed
from interlude_contracts.events import Event
from interlude_reporting.projection import create_tables
from interlude_reporting.service import ReportingService
from interlude_runtime.storage import Database
from interlude_testing import CLINIC, THERAPIST, EventFactory


def as_json(body: Any) -> Any:
    return json.loads(json.dumps(body))


def conforms(schema: Schema, body: Any, many: bool = False) -> bool:
    return schema.validate(as_json(body), many=many) == {} and as_json(body) == body


@pytest.fixture
def factory() -> EventFactory:
    return EventFactory()


@pytest.fixture
def service(tmp_path: Path, factory: EventFactory) -> Iterator[ReportingService]:
    database = Database(f"sqlite:///{tmp_path / 'reporting.sqlite'}")
    create_tables(database)
    yield worker_factory(ReportingService, database=database)
    database.close()


@pytest.fixture
def history(service: ReportingService, factory: EventFactory) -> dict[str, Event]:
    history = build_scored_history(factory)
    for event in factory.events:
        service.on_event(event)
    return history


def test_every_report_body_fits_its_contract(service: ReportingService, history: dict[str, Event]) -> None:
    assignment_id = str(history["a1"].payload["assignment_id"])

    assert conforms(TimelineSchema(), service.assignment_timeline(CLINIC, assignment_id))
    assert conforms(AdherenceSchema(), service.client_adherence(CLINIC, "client-1"))
    assert conforms(ClientProgressSchema(), service.client_progress(CLINIC, "client-1"))
    assert conforms(MeasureProgressSchema(), service.measure_progress(CLINIC, "client-2", "PHQ-9"))
    assert conforms(RiskFlagSchema(), service.client_risk_flags(CLINIC, "client-1"), many=True)
    caseload = service.caseload(CLINIC, THERAPIST)
    assert caseload and conforms(CaseloadEntrySchema(), caseload, many=True)
    assert conforms(ClinicUsageSchema(), service.clinic_usage(CLINIC))
    assert conforms(ExportPageSchema(), service.export_page(CLINIC, "risk-flags", {}, 0, 10))


def test_unknown_assignments_and_reports_are_errors_that_cross_rpc(
    service: ReportingService, history: dict[str, Event]
) -> None:
    with pytest.raises(NotFound):
        service.assignment_timeline(CLINIC, "5d0c2f4e-1b7a-4c8e-9f60-0c9a3e7d2b55")
    with pytest.raises(NotFound):  # another clinic's assignment
        service.assignment_timeline("clinic-b", str(history["a1"].payload["assignment_id"]))
    with pytest.raises(ValidationFailed):
        service.export_page(CLINIC, "nope", {}, 0, 10)


def test_a_measure_without_norms_or_scores_has_an_empty_progress(service: ReportingService) -> None:
    assert service.measure_progress(CLINIC, "client-1", "MADE-UP") == {
        "measure": "MADE-UP",
        "norms": None,
        "series": [],
        "change": None,
    }


def test_the_lag_probe_asks_each_producer_after_the_applied_position(
    service: ReportingService, factory: EventFactory
) -> None:
    build_scored_history(factory)
    for event in factory.events[:-2]:
        service.on_event(event)
    logs = factory.envelopes

    def read_log_of(source: str) -> MagicMock:
        def read_log(after: int, limit: int) -> dict[str, Any]:
            events = [envelope for envelope in logs[source] if envelope["position"] > after][:limit]
            return {"events": events, "last_position": events[-1]["position"] if events else after}

        return MagicMock(side_effect=read_log)

    service.activities.read_log = read_log_of("activities")
    service.assignments.read_log = read_log_of("assignments")

    assert service.probe_lag() == {"activities": 0, "assignments": 2}
    assert service.assignments.read_log.call_args_list[0].args == (logs["assignments"][-3]["position"], 1000)
