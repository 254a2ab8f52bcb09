"""Fixtures of the assignments tests: a published activity version and an in-memory application.

New fixtures only; the stores (``database_url``, ``postgres_database``) come from the root conftest.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from interlude_assignments.application import AssignmentsApplication
from interlude_assignments.snapshot import pinned_version
from interlude_contracts.activity import ActivityVersionSchema
from interlude_testing import SCHEDULE_START, Clock

MEMORY_ENV = {"PERSISTENCE_MODULE": "eventsourcing.popo"}

ACTIVITY_ID = "0b7d3c1e-9a5e-4a53-8f5b-5a1f3f2a9c11"

VERSION_BODY: dict[str, Any] = {
    "activity_id": ACTIVITY_ID,
    "clinic_id": "clinic-a",
    "version": 3,
    "title": "Mood check-in",
    "instructions": "A minute to notice how you are.",
    "items": [
        {"id": "mood", "type": "linear_scale", "prompt": "Mood today?", "required": True, "min": 0, "max": 10},
        {
            "id": "sleep",
            "type": "single_choice",
            "prompt": "How did you sleep?",
            "required": True,
            "options": [{"value": "good", "label": "Well"}, {"value": "poor", "label": "Badly"}],
        },
        {"id": "note", "type": "free_text", "prompt": "Anything else?", "required": False, "max_length": 50},
    ],
    "published_at": datetime(2026, 1, 5, 9, 30, tzinfo=UTC).isoformat(),
    "published_by": "therapist-1",
}


@pytest.fixture
def version_body() -> dict[str, Any]:
    """A published version as the activities service's get_version returns it (checked against the contract)."""
    body = ActivityVersionSchema().dump(ActivityVersionSchema().load(VERSION_BODY))
    assert body == VERSION_BODY
    return body


@pytest.fixture
def snapshot(version_body: dict[str, Any]) -> dict[str, Any]:
    """What an assignment keeps of the version it points to."""
    return pinned_version(version_body)


@pytest.fixture
def valid_answers() -> dict[str, Any]:
    return {"mood": 7, "sleep": "good", "note": "Slept early."}


@pytest.fixture
def memory_app() -> Iterator[AssignmentsApplication]:
    app = AssignmentsApplication(env=MEMORY_ENV)
    yield app
    app.close()


@pytest.fixture
def clock() -> Clock:
    return Clock(SCHEDULE_START)


@pytest.fixture
def app(memory_app: AssignmentsApplication, clock: Clock) -> AssignmentsApplication:
    """The in-memory application on a clock the test moves (modules may define their own ``app``)."""
    memory_app.clock = clock
    return memory_app
