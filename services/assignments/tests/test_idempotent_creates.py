"""Every create is safe to repeat: the same key (or correlation id and request) finds what the first run made.

A repeat is a client's retry or an RPC redelivered after the service committed and died; either way
one aggregate exists and the caller gets it back. The key reused for another request is a conflict
naming ``Idempotency-Key``.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from interlude_assignments.application import AssignmentsApplication
from interlude_assignments.domain import Assignment
from interlude_assignments.groups import Group
from interlude_assignments.handlers import (
    Assign,
    AssignToGroup,
    CreateGroup,
    CreatePathway,
    CreateRecurrence,
    Enrol,
    get_group,
    handle,
    list_groups,
    list_pathways,
)
from interlude_assignments.idempotency import Idempotency
from interlude_assignments.pathways import Enrolment, Pathway
from interlude_assignments.recurrences import Recurrence
from interlude_contracts.errors import Conflict
from interlude_testing import SCHEDULE_START

REQUEST = {"client_id": "client-1", "activity_id": "a-1"}


def keyed(kind: str, request: dict[str, Any] = REQUEST, key: str | None = "key-1") -> Idempotency:
    return Idempotency.of(kind, "clinic-a", "therapist-1", request, "corr-1", key)


def count(app: AssignmentsApplication, kind: type) -> int:
    notifications = app.recorder.select_notifications(start=1, limit=1000)
    return len({n.originator_id for n in notifications if n.topic.endswith(f"{kind.__name__}.{created(kind)}")})


def created(kind: type) -> str:
    return {Assignment: "Assigned", Enrolment: "Enrolled"}.get(kind, "Created")


def assign(snapshot: dict[str, Any], idempotency: Idempotency | None) -> Assign:
    due = datetime.now(UTC) + timedelta(days=7)
    return Assign("clinic-a", "therapist-1", "client-1", snapshot, due, "corr-1", idempotency=idempotency)


def test_assign_repeated_with_its_key_is_one_assignment(app: AssignmentsApplication, snapshot: dict[str, Any]) -> None:
    first = handle(app, assign(snapshot, keyed("assign")))
    again = [handle(app, assign(snapshot, keyed("assign"))) for _ in range(3)]

    assert {a.id for a in again} == {first.id}
    assert [a.id for a in app.for_client("clinic-a", "client-1")] == [first.id]
    assert count(app, Assignment) == 1


def test_assign_key_reused_for_another_request_is_a_conflict(
    app: AssignmentsApplication, snapshot: dict[str, Any]
) -> None:
    handle(app, assign(snapshot, keyed("assign")))

    with pytest.raises(Conflict) as raised:
        handle(app, assign(snapshot, keyed("assign", {**REQUEST, "client_id": "client-2"})))

    assert "Idempotency-Key" in raised.value.fields
    assert len(app.for_client("clinic-a", "client-1")) == 1


def test_without_a_key_the_same_correlation_id_and_request_is_one_assignment(
    app: AssignmentsApplication, snapshot: dict[str, Any]
) -> None:
    redelivered = [handle(app, assign(snapshot, keyed("assign", key=None))) for _ in range(2)]
    other_request = handle(app, assign(snapshot, keyed("assign", {**REQUEST, "due": "later"}, key=None)))

    assert redelivered[0].id == redelivered[1].id != other_request.id
    assert len(app.for_client("clinic-a", "client-1")) == 2


def recurrence(snapshot: dict[str, Any], idempotency: Idempotency) -> CreateRecurrence:
    starts = datetime(2030, 6, 4, 7, 0)
    return CreateRecurrence(
        "clinic-a", "therapist-1", "client-1", snapshot, "FREQ=DAILY", starts, "Europe/London", "corr-1",
        idempotency=idempotency,
    )  # fmt: skip


def test_create_recurrence_repeated_is_one_recurrence(app: AssignmentsApplication, snapshot: dict[str, Any]) -> None:
    first = handle(app, recurrence(snapshot, keyed("recurrence")))
    again = handle(app, recurrence(snapshot, keyed("recurrence")))

    assert again.id == first.id and count(app, Recurrence) == 1
    with pytest.raises(Conflict):
        handle(app, recurrence(snapshot, keyed("recurrence", {"other": True})))


def pathway(snapshot: dict[str, Any], idempotency: Idempotency) -> CreatePathway:
    step = {"activity": snapshot, "release": {"type": "immediately"}, "due_after_hours": None}
    return CreatePathway("clinic-a", "therapist-1", "Sleep", [step], idempotency=idempotency)


def test_create_pathway_repeated_is_one_pathway(app: AssignmentsApplication, snapshot: dict[str, Any]) -> None:
    first = handle(app, pathway(snapshot, keyed("pathway")))
    again = handle(app, pathway(snapshot, keyed("pathway")))

    assert again.id == first.id and count(app, Pathway) == 1
    assert [p.id for p in list_pathways(app, "clinic-a", "therapist-1")] == [first.id]  # listed once
    with pytest.raises(Conflict):
        handle(app, pathway(snapshot, keyed("pathway", {"other": True})))


def test_a_repeat_finds_the_first_even_after_its_activity_was_archived(
    app: AssignmentsApplication, snapshot: dict[str, Any]
) -> None:
    """The version is fetched again for the repeat; archived since, it would be refused for a new create."""
    archived = {**snapshot, "archived": True}
    first_recurrence = handle(app, recurrence(snapshot, keyed("recurrence")))
    first_pathway = handle(app, pathway(snapshot, keyed("pathway")))

    assert handle(app, recurrence(archived, keyed("recurrence"))).id == first_recurrence.id
    assert handle(app, pathway(archived, keyed("pathway"))).id == first_pathway.id


def test_enrol_repeated_is_one_enrolment_and_one_first_step(
    app: AssignmentsApplication, snapshot: dict[str, Any]
) -> None:
    created_pathway = handle(app, pathway(snapshot, keyed("pathway")))

    def enrol(idempotency: Idempotency) -> Enrol:
        return Enrol("clinic-a", "therapist-1", created_pathway.id, "client-1", "corr-1", idempotency=idempotency)

    first = handle(app, enrol(keyed("enrolment")))
    again = handle(app, enrol(keyed("enrolment")))

    assert again.id == first.id and count(app, Enrolment) == 1
    assert len(app.for_client("clinic-a", "client-1")) == 1  # the immediate step released once
    with pytest.raises(Conflict):
        handle(app, enrol(keyed("enrolment", {"other": True})))


def test_create_group_repeated_is_one_group(app: AssignmentsApplication) -> None:
    def group(idempotency: Idempotency) -> CreateGroup:
        return CreateGroup("clinic-a", "therapist-1", "Tuesday", ["client-1"], idempotency=idempotency)

    first = handle(app, group(keyed("group")))
    again = handle(app, group(keyed("group")))

    assert again.id == first.id and count(app, Group) == 1
    assert [g.id for g in list_groups(app, "clinic-a", "therapist-1")] == [first.id]  # listed once
    with pytest.raises(Conflict):
        handle(app, group(keyed("group", {"other": True})))


def test_assign_to_group_repeated_is_one_programme_and_one_assignment_each(
    app: AssignmentsApplication, snapshot: dict[str, Any]
) -> None:
    group = handle(app, CreateGroup("clinic-a", "therapist-1", "Tuesday", ["client-1", "client-2"]))
    spec = {
        "activity": snapshot,
        "due_at": SCHEDULE_START + timedelta(days=2),
        "release_at": None,
        "expires_at": None,
        "reminders": None,
    }

    def send(idempotency: Idempotency) -> AssignToGroup:
        return AssignToGroup("clinic-a", "therapist-1", group.id, "activity", spec, "corr-1", idempotency)

    handle(app, send(keyed("programme")))
    handle(app, send(keyed("programme")))

    assert len(get_group(app, "clinic-a", group.id).programmes) == 1
    assert [len(app.for_client("clinic-a", c)) for c in ("client-1", "client-2")] == [1, 1]
    with pytest.raises(Conflict):
        handle(app, send(keyed("programme", {"other": True})))
