"""Fixtures of the activities tests: drafts as therapists write them, and an in-memory application.

New fixtures only; the stores (``database_url``, ``postgres_database``) come from the root conftest.
"""

from collections.abc import Iterator
from copy import deepcopy
from typing import Any

import pytest

from interlude_activities.application import ActivitiesApplication
from interlude_activity_model.draft import CheckedDraftSchema

MEMORY_ENV = {"PERSISTENCE_MODULE": "eventsourcing.popo"}

RAW_DRAFT: dict[str, Any] = {
    "title": "Mood check-in",
    "instructions": "A minute to notice how you are.",
    "items": [
        {"id": "mood", "type": "linear_scale", "prompt": "Mood today?", "min": 0, "max": 10},
        {
            "id": "sleep",
            "type": "single_choice",
            "prompt": "How did you sleep?",
            "options": [{"value": "good", "label": "Well"}, {"value": "poor", "label": "Badly"}],
        },
        {"id": "note", "type": "free_text", "prompt": "Anything else?", "required": False},
    ],
}


@pytest.fixture
def raw_draft() -> dict[str, Any]:
    """A draft as it arrives over RPC (before the contract fills in defaults)."""
    return deepcopy(RAW_DRAFT)


@pytest.fixture
def draft(raw_draft: dict[str, Any]) -> dict[str, Any]:
    """A draft as the application receives it: loaded through the contract."""
    return CheckedDraftSchema().load(raw_draft)


@pytest.fixture
def memory_app() -> Iterator[ActivitiesApplication]:
    app = ActivitiesApplication(env=MEMORY_ENV)
    yield app
    app.close()
