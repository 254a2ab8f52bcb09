"""Groups: one programme sent to every member, each with their own; late joiners from the start or from today."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from interlude_assignments.application import AssignmentsApplication
from interlude_assignments.groups import FROM_START, FROM_TODAY
from interlude_assignments.handlers import (
    AddGroupMember,
    AssignToGroup,
    CreateGroup,
    CreatePathway,
    RemoveGroupMember,
    get_enrolment,
    get_group,
    get_recurrence,
    handle,
)
from interlude_assignments.pathways import RELEASED, SCHEDULED
from interlude_contracts.errors import Conflict, NotFound
from interlude_testing import SCHEDULE_START, Clock

T0 = SCHEDULE_START


def activity_spec(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {
        "activity": snapshot,
        "due_at": T0 + timedelta(days=2),
        "release_at": None,
        "expires_at": None,
        "reminders": None,
    }


def titles(app: AssignmentsApplication, client_id: str) -> list[str]:
    return [a.activity["title"] for a in app.for_client("clinic-a", client_id)]


def test_each_member_gets_their_own_assignment(app: AssignmentsApplication, snapshot: dict[str, Any]) -> None:
    group = handle(app, CreateGroup("clinic-a", "therapist-1", "Tuesday group", ["client-1", "client-2", "client-1"]))

    handle(app, AssignToGroup("clinic-a", "therapist-1", group.id, "activity", activity_spec(snapshot), "corr"))

    [one], [two] = app.for_client("clinic-a", "client-1"), app.for_client("clinic-a", "client-2")
    assert one.id != two.id and (one.client_id, two.client_id) == ("client-1", "client-2")
    deliveries = get_group(app, "clinic-a", group.id).programmes[0]["deliveries"]
    assert {d["client_id"]: d["target_id"] for d in deliveries} == {"client-1": one.id, "client-2": two.id}


def test_a_recurrence_for_the_group_is_one_recurrence_per_member(
    app: AssignmentsApplication, snapshot: dict[str, Any]
) -> None:
    group = handle(app, CreateGroup("clinic-a", "therapist-1", "G", ["client-1", "client-2"]))
    spec = {
        "activity": snapshot,
        "rule": "FREQ=DAILY",
        "starts_at": datetime(2030, 6, 4, 7, 0),
        "time_zone": "Europe/London",
        "due_after_minutes": None,
        "grace_minutes": None,
        "reminders": None,
    }

    handle(app, AssignToGroup("clinic-a", "therapist-1", group.id, "recurrence", spec, "corr"))

    targets = [d["target_id"] for d in get_group(app, "clinic-a", group.id).programmes[0]["deliveries"]]
    recurrences = [get_recurrence(app, "clinic-a", target) for target in targets]
    assert [r.client_id for r in recurrences] == ["client-1", "client-2"]
    assert {r.next_release_at for r in recurrences} == {datetime(2030, 6, 4, 6, 0, tzinfo=UTC)}  # 07:00 BST


@pytest.fixture
def pathway(app: AssignmentsApplication, snapshot: dict[str, Any]) -> Any:
    steps = [
        {"activity": {**snapshot, "title": "Week 1"}, "release": {"type": "immediately"}, "due_after_hours": None},
        {
            "activity": {**snapshot, "title": "Week 2"},
            "release": {"type": "days_after_enrolment", "days": 7},
            "due_after_hours": None,
        },
    ]
    return handle(app, CreatePathway("clinic-a", "therapist-1", "Course", steps))


def test_a_late_joiner_from_the_start_catches_up(
    app: AssignmentsApplication, snapshot: dict[str, Any], pathway: Any, clock: Clock
) -> None:
    group = handle(app, CreateGroup("clinic-a", "therapist-1", "G", ["client-1"]))
    handle(app, AssignToGroup("clinic-a", "therapist-1", group.id, "activity", activity_spec(snapshot), "corr"))
    handle(app, AssignToGroup("clinic-a", "therapist-1", group.id, "pathway", {"pathway_id": str(pathway.id)}, "corr"))

    clock.now = T0 + timedelta(days=8)
    handle(app, AddGroupMember("clinic-a", group.id, "client-2", FROM_START, "corr"))

    assert titles(app, "client-2") == ["Mood check-in", "Week 1", "Week 2"]  # week 2 was due on day 7


def test_a_late_joiner_from_today_starts_fresh(
    app: AssignmentsApplication, snapshot: dict[str, Any], pathway: Any, clock: Clock
) -> None:
    group = handle(app, CreateGroup("clinic-a", "therapist-1", "G", ["client-1"]))
    handle(app, AssignToGroup("clinic-a", "therapist-1", group.id, "activity", activity_spec(snapshot), "corr"))
    handle(app, AssignToGroup("clinic-a", "therapist-1", group.id, "pathway", {"pathway_id": str(pathway.id)}, "corr"))

    clock.now = T0 + timedelta(days=8)
    handle(app, AddGroupMember("clinic-a", group.id, "client-3", FROM_TODAY, "corr"))

    assert titles(app, "client-3") == ["Week 1"]  # no past one-off activity; the pathway starts today
    [delivery] = [
        d for d in get_group(app, "clinic-a", group.id).programmes[1]["deliveries"] if d["client_id"] == "client-3"
    ]
    steps = get_enrolment(app, "clinic-a", delivery["target_id"]).steps
    assert [(s["status"], s["release_at"]) for s in steps] == [
        (RELEASED, clock.now),
        (SCHEDULED, clock.now + timedelta(days=7)),
    ]


def test_membership_rules_and_scoping(app: AssignmentsApplication) -> None:
    group = handle(app, CreateGroup("clinic-a", "therapist-1", "G", ["client-1"]))

    with pytest.raises(Conflict):
        handle(app, AddGroupMember("clinic-a", group.id, "client-1", FROM_TODAY, "corr"))
    handle(app, RemoveGroupMember("clinic-a", group.id, "client-1"))
    assert get_group(app, "clinic-a", group.id).members == []
    with pytest.raises(NotFound):
        get_group(app, "clinic-b", group.id)


def test_the_service_sends_a_group_assignment_and_refuses_bad_kinds(
    memory_app: AssignmentsApplication, version_body: dict[str, Any]
) -> None:
    from unittest.mock import MagicMock

    from nameko.testing.services import worker_factory

    from interlude_assignments.service import AssignmentsService
    from interlude_contracts.errors import ValidationFailed

    activities = MagicMock()
    activities.get_version.return_value = version_body
    service = worker_factory(AssignmentsService, app=memory_app, activities=activities, metrics=None)
    group = service.create_group("clinic-a", "therapist-1", {"name": "G", "members": ["client-1", "client-2"]}, "c")

    body = service.assign_to_group(
        "clinic-a", "therapist-1", group["group_id"], "activity", {"activity_id": version_body["activity_id"]}, "c"
    )

    assert [d["client_id"] for d in body["programmes"][0]["deliveries"]] == ["client-1", "client-2"]
    assert len(service.list_for_client("clinic-a", "client-2")) == 1
    with pytest.raises(ValidationFailed) as refused:
        service.assign_to_group("clinic-a", "therapist-1", group["group_id"], "party", {}, "c")
    assert "kind" in refused.value.fields
    with pytest.raises(NotFound):
        service.assign_to_group(
            "clinic-a", "therapist-1", group["group_id"], "pathway", {"pathway_id": group["group_id"]}, "c"
        )
