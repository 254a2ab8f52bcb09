"""Every way an assignment comes to exist keeps the same snapshot of the version, personalised for its client.

The end-to-end matrix (tests/e2e/test_scored_everywhere.py) checks the scores
over HTTP; these check the snapshot itself, the names and the archived check,
through the application the service calls.
"""

from datetime import datetime, timedelta
from typing import Any

import pytest

from interlude_assignments.application import AssignmentsApplication
from interlude_assignments.domain import Assignment
from interlude_assignments.groups import FROM_START, FROM_TODAY
from interlude_assignments.handlers import (
    AddGroupMember,
    Assign,
    AssignToGroup,
    CreateGroup,
    CreatePathway,
    CreateRecurrence,
    Enrol,
    ReleaseOccurrence,
    get_group,
    get_recurrence,
    handle,
)
from interlude_assignments.snapshot import SNAPSHOT_KEYS, Personalisation, assignment_snapshot
from interlude_contracts.errors import Conflict
from interlude_testing import SCHEDULE_START

T0 = SCHEDULE_START
NAMES = Personalisation(client_first_name="Ada", therapist_name="Dr Lee", clinic_name="Harbour Clinic")
GROUP_NAMES = {"client_first_name": None, "therapist_name": "Dr Lee", "clinic_name": "Harbour Clinic"}


@pytest.fixture
def version(version_body: dict[str, Any]) -> dict[str, Any]:
    """A scored version with tokens, as the activities service returns it."""
    return {
        **version_body,
        "title": "Hello {{client.first_name}}",
        "instructions": "From {{therapist.name}} at {{clinic.name}}.",
        "measure": "MOOD",
        "scoring": {"total": {"items": ["mood"], "method": "sum", "cutoff": 5}},
    }


def recurrence_spec(version: dict[str, Any]) -> dict[str, Any]:
    return {
        "activity": version,
        "personalisation": GROUP_NAMES,
        "rule": "FREQ=DAILY",
        "starts_at": datetime(2030, 6, 4, 7, 0),
        "time_zone": "Europe/London",
        "due_after_minutes": None,
        "grace_minutes": None,
        "reminders": None,
    }


def released(app: AssignmentsApplication, recurrence_id: Any) -> Assignment:
    recurrence = get_recurrence(app, "clinic-a", recurrence_id)
    assignment = handle(app, ReleaseOccurrence(recurrence.id, recurrence.next_release_at, "corr-release"))
    assert assignment is not None
    return assignment


def only(app: AssignmentsApplication, client_id: str) -> Assignment:
    [assignment] = app.for_client("clinic-a", client_id)
    return assignment


def by_way(app: AssignmentsApplication, version: dict[str, Any]) -> dict[str, Assignment]:
    """One assignment made each way; every client but the group's members is Ada."""
    made = {
        "one-off": handle(app, Assign("clinic-a", "therapist-1", "client-1", version, None, "c", personalisation=NAMES))
    }
    recurrence = handle(
        app,
        CreateRecurrence(
            "clinic-a", "therapist-1", "client-2", version, "FREQ=DAILY", datetime(2030, 6, 4, 7), "UTC", "c",
            personalisation=NAMES,
        ),
    )  # fmt: skip
    made["recurrence"] = released(app, recurrence.id)
    pathway = handle(
        app, CreatePathway("clinic-a", "therapist-1", "P", [{"activity": version, "release": {"type": "immediately"}}])
    )
    handle(app, Enrol("clinic-a", "therapist-1", pathway.id, "client-3", "c", personalisation=NAMES))
    made["pathway step"] = only(app, "client-3")
    group = handle(app, CreateGroup("clinic-a", "therapist-1", "G", ["client-4"]))
    spec = {"activity": version, "due_at": T0 + timedelta(days=2), "release_at": None, "expires_at": None}
    spec |= {"reminders": None, "personalisation": GROUP_NAMES}
    handle(app, AssignToGroup("clinic-a", "therapist-1", group.id, "activity", spec, "c"))
    made["group assignment"] = only(app, "client-4")
    handle(app, AddGroupMember("clinic-a", group.id, "client-5", FROM_START, "c"))
    made["late joiner from the start"] = only(app, "client-5")
    handle(app, AssignToGroup("clinic-a", "therapist-1", group.id, "recurrence", recurrence_spec(version), "c"))
    [*_, programme] = get_group(app, "clinic-a", group.id).programmes
    [delivery, *_] = programme["deliveries"]
    made["group recurrence"] = released(app, delivery["target_id"])
    handle(app, AddGroupMember("clinic-a", group.id, "client-6", FROM_TODAY, "c"))
    [*_, programme] = get_group(app, "clinic-a", group.id).programmes
    [joiner] = [d for d in programme["deliveries"] if d["client_id"] == "client-6"]
    made["late joiner from today"] = released(app, joiner["target_id"])
    return made


def test_every_way_keeps_every_key_of_the_version(app: AssignmentsApplication, version: dict[str, Any]) -> None:
    made = by_way(app, version)

    assert len(made) == 7
    for way, assignment in made.items():
        assert set(assignment.activity) == set(SNAPSHOT_KEYS), way
        unpersonalised = {k: v for k, v in assignment.activity.items() if k not in ("title", "instructions")}
        assert unpersonalised == {k: version.get(k) for k in unpersonalised}, way
        assert assignment.activity["scoring"] == version["scoring"], way


def test_every_way_personalises_with_the_names_it_was_given(app: AssignmentsApplication, version) -> None:
    made = by_way(app, version)

    for way, assignment in made.items():
        assert assignment.activity["instructions"] == "From Dr Lee at Harbour Clinic.", way
        expected = "Hello there" if "group" in way or "joiner" in way else "Hello Ada"
        assert assignment.activity["title"] == expected, way
        assert assignment.activity == assignment_snapshot(version, Personalisation.of(_names_of(way))), way


def _names_of(way: str) -> dict[str, Any]:
    return GROUP_NAMES if "group" in way or "joiner" in way else NAMES.as_dict()


def test_every_schedule_refuses_an_archived_activity(app: AssignmentsApplication, version: dict[str, Any]) -> None:
    archived = {**version, "archived": True}
    group = handle(app, CreateGroup("clinic-a", "therapist-1", "G", ["client-1"]))
    attempts = {
        "one-off": lambda: handle(app, Assign("clinic-a", "therapist-1", "client-1", archived, None, "c")),
        "recurrence": lambda: handle(
            app,
            CreateRecurrence(
                "clinic-a", "therapist-1", "client-1", archived, "FREQ=DAILY", datetime(2030, 6, 4, 7), "UTC", "c"
            ),
        ),
        "pathway": lambda: handle(
            app,
            CreatePathway("clinic-a", "therapist-1", "P", [{"activity": archived, "release": {"type": "immediately"}}]),
        ),
        "group recurrence": lambda: handle(
            app, AssignToGroup("clinic-a", "therapist-1", group.id, "recurrence", recurrence_spec(archived), "c")
        ),
    }
    for way, attempt in attempts.items():
        with pytest.raises(Conflict):
            attempt()
        assert app.for_client("clinic-a", "client-1") == [], way
    assert get_group(app, "clinic-a", group.id).programmes == []


def test_the_snapshot_shares_nothing_with_the_version(version: dict[str, Any]) -> None:
    """The snapshot is copied once, by personalising: a later change to the version (a schedule's pinned copy,
    a cached response) reaches no assignment's snapshot, not even through the data keys left unpersonalised."""
    version = {**version, "pages": [{"title": "All", "item_ids": [item["id"] for item in version["items"]]}]}
    snapshot = assignment_snapshot(version, NAMES)
    before = repr(snapshot)

    def scramble(content: Any) -> None:
        if isinstance(content, dict):
            for value in content.values():
                scramble(value)
            content["scrambled"] = True
        elif isinstance(content, list):
            for value in content:
                scramble(value)
            content.append("scrambled")

    scramble(version)
    assert repr(snapshot) == before
