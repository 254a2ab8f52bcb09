"""The notifications service's entrypoints, called as nameko would call them.

Mocking policy: the SQL services' (``interlude_testing.sql_services``), on a
temporary SQLite file.
"""

import json
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from nameko.testing.services import worker_factory

from interlude_contracts.api import NotificationSchema
from interlude_contracts.events import Event
from interlude_notifications.schema import create_tables
from interlude_notifications.service import NotificationsService
from interlude_runtime.storage import Database
from interlude_testing import CLINIC, EventFactory
from interlude_testing.sql_services import sql_store


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with sql_store(f"sqlite:///{tmp_path / 'notifications.sqlite'}", create_tables) as database:
        yield database


@pytest.fixture
def service(database: Database) -> NotificationsService:
    return worker_factory(NotificationsService, database=database)


def stored_kinds(database: Database) -> list[str]:
    with database.transaction() as cursor:
        cursor.execute("SELECT kind FROM notifications")
        return [row["kind"] for row in cursor.fetchall()]


@pytest.fixture
def history() -> dict[str, Event]:
    factory = EventFactory()
    published = factory.activity_published("Mood check-in")
    assigned = factory.activity_assigned(published, "client-1")
    second = factory.activity_assigned(published, "client-1")
    return {
        "published": published,
        "assigned": assigned,
        "submitted": factory.response_submitted(assigned),
        "cancelled": factory.assignment_cancelled(second),
    }


@pytest.mark.parametrize("name", ["published", "submitted", "cancelled"])
def test_on_event_ignores_other_event_types(
    service: NotificationsService, database: Database, history: dict[str, Event], name: str
) -> None:
    service.on_event(history[name])

    assert stored_kinds(database) == []
    assert service.list_for_client(CLINIC, "client-1") == []


def test_on_event_records_an_activity_assigned(
    service: NotificationsService, database: Database, history: dict[str, Event]
) -> None:
    service.on_event(history["assigned"])
    service.on_event(history["assigned"])  # redelivered

    assert stored_kinds(database) == ["new_activity"]


def test_list_for_client_returns_contract_bodies(service: NotificationsService, history: dict[str, Event]) -> None:
    for event in history.values():
        service.on_event(event)
    assigned = history["assigned"]

    bodies = service.list_for_client(CLINIC, "client-1")

    assert len(bodies) == 1
    [body] = bodies
    assert body["kind"] == "new_activity"
    assert body["clinic_id"] == CLINIC
    assert body["client_id"] == "client-1"
    assert body["assignment_id"] == str(assigned.payload["assignment_id"])
    assert body["title"] == "New activity"
    assert "Mood check-in" in body["body"]
    assert body["created_at"] == assigned.occurred_at.astimezone(UTC).isoformat()
    assert isinstance(body["notification_id"], str)
    assert NotificationSchema(many=True).validate(json.loads(json.dumps(bodies))) == {}
    assert service.list_for_client(CLINIC, "client-2") == []
