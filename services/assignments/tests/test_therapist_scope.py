"""A therapist reaches only the recurrences, pathways, enrolments and groups they made (issue 15, finding 1).

Through the RPC interface, as the gateway calls it: ``therapist-1`` made everything; ``therapist-2`` works
in the same clinic. A colleague's object is NotFound, exactly like one that does not exist, and a refused
change changes nothing. Without ``therapist_id`` (a clinic-wide reader) the clinic's objects are reachable.
"""

from collections.abc import Callable
from typing import Any
from unittest.mock import MagicMock
from uuid import UUID

import pytest
from nameko.testing.services import worker_factory

from interlude_assignments.application import AssignmentsApplication
from interlude_assignments.handlers import get_pathway
from interlude_assignments.pathways import Enrolment, PathwayEnrolments
from interlude_assignments.service import AssignmentsService
from interlude_contracts.errors import NotFound

OWNER, COLLEAGUE = "therapist-1", "therapist-2"


@pytest.fixture
def service(memory_app: AssignmentsApplication, version_body: dict[str, Any]) -> AssignmentsService:
    activities = MagicMock()
    activities.get_version.return_value = version_body
    return worker_factory(AssignmentsService, app=memory_app, activities=activities, metrics=None)


def recurrence_request(version_body: dict[str, Any], client_id: str = "client-1") -> dict[str, Any]:
    return {
        "client_id": client_id,
        "activity_id": version_body["activity_id"],
        "rule": "FREQ=WEEKLY;COUNT=4",
        "starts_at": "2030-01-07T09:00:00",
        "time_zone": "Europe/London",
    }


def pathway_request(version_body: dict[str, Any]) -> dict[str, Any]:
    step = {"activity_id": version_body["activity_id"], "release": {"type": "days_after_enrolment", "days": 30}}
    return {"name": "Sleep programme", "steps": [step]}


def pathway_of(service: AssignmentsService, version_body: dict[str, Any], therapist_id: str) -> str:
    pathway = service.create_pathway("clinic-a", therapist_id, pathway_request(version_body), "corr")
    return str(pathway["pathway_id"])


def refused(call: Callable[[], Any]) -> str:
    with pytest.raises(NotFound) as error:
        call()
    return str(error.value)


def test_a_colleagues_recurrence_is_absent_and_stays_active(
    service: AssignmentsService, version_body: dict[str, Any]
) -> None:
    recurrence_id = service.create_recurrence("clinic-a", OWNER, recurrence_request(version_body), "corr")[
        "recurrence_id"
    ]

    refused(lambda: service.get_recurrence("clinic-a", recurrence_id, therapist_id=COLLEAGUE))
    refused(lambda: service.cancel_recurrence("clinic-a", COLLEAGUE, recurrence_id, "corr", therapist_id=COLLEAGUE))

    assert service.get_recurrence("clinic-a", recurrence_id, therapist_id=OWNER)["status"] == "active"
    assert service.get_recurrence("clinic-a", recurrence_id)["client_id"] == "client-1"  # clinic-wide
    cancelled = service.cancel_recurrence("clinic-a", OWNER, recurrence_id, "corr", therapist_id=OWNER)
    assert cancelled["status"] == "cancelled"


def test_a_colleagues_pathway_is_absent_and_cannot_be_enrolled_on(
    service: AssignmentsService, version_body: dict[str, Any]
) -> None:
    pathway_id = pathway_of(service, version_body, OWNER)

    refused(lambda: service.get_pathway("clinic-a", pathway_id, therapist_id=COLLEAGUE))
    refused(lambda: service.list_enrolments("clinic-a", pathway_id, therapist_id=COLLEAGUE))
    refused(lambda: service.enrol("clinic-a", COLLEAGUE, pathway_id, {"client_id": "client-9"}, "corr"))

    assert service.list_enrolments("clinic-a", pathway_id) == []
    assert service.get_pathway("clinic-a", pathway_id, therapist_id=OWNER)["name"] == "Sleep programme"
    enrolled = service.enrol("clinic-a", OWNER, pathway_id, {"client_id": "client-1"}, "corr")
    assert [e["enrolment_id"] for e in service.list_enrolments("clinic-a", pathway_id, therapist_id=OWNER)] == [
        enrolled["enrolment_id"]
    ]


def test_a_pathways_list_shows_only_the_enrolments_the_therapist_made(
    service: AssignmentsService, memory_app: AssignmentsApplication, version_body: dict[str, Any]
) -> None:
    """An enrolment a colleague made on the pathway (possible before pathways were private) is not listed."""
    pathway_id = pathway_of(service, version_body, OWNER)
    mine = service.enrol("clinic-a", OWNER, pathway_id, {"client_id": "client-1"}, "corr")
    pathway = get_pathway(memory_app, "clinic-a", UUID(pathway_id))
    theirs = Enrolment(
        clinic_id="clinic-a",
        client_id="client-9",
        therapist_id=COLLEAGUE,
        pathway_id=pathway.id,
        pathway_name=pathway.name,
        steps=pathway.steps,
        enrolled_at=memory_app.clock(),
        correlation_id="corr",
    )
    index = memory_app.repository.get(PathwayEnrolments.create_id(pathway.id))
    index.add(theirs.id, "clinic-a", "client-9")
    memory_app.save(theirs, index)

    listed = service.list_enrolments("clinic-a", pathway_id, therapist_id=OWNER)

    assert [e["enrolment_id"] for e in listed] == [mine["enrolment_id"]]
    assert len(service.list_enrolments("clinic-a", pathway_id)) == 2  # clinic-wide


@pytest.mark.parametrize("action", ["pause", "resume", "cancel"])
def test_a_colleagues_enrolment_is_absent_and_unchanged(
    service: AssignmentsService, version_body: dict[str, Any], action: str
) -> None:
    pathway_id = pathway_of(service, version_body, OWNER)
    enrolment_id = service.enrol("clinic-a", OWNER, pathway_id, {"client_id": "client-1"}, "corr")["enrolment_id"]
    if action == "resume":
        service.change_enrolment("clinic-a", OWNER, enrolment_id, "pause", "corr", therapist_id=OWNER)
    before = service.get_enrolment("clinic-a", enrolment_id)["status"]

    refused(lambda: service.get_enrolment("clinic-a", enrolment_id, therapist_id=COLLEAGUE))
    refused(
        lambda: service.change_enrolment("clinic-a", COLLEAGUE, enrolment_id, action, "corr", therapist_id=COLLEAGUE)
    )

    assert service.get_enrolment("clinic-a", enrolment_id, therapist_id=OWNER)["status"] == before
    changed = service.change_enrolment("clinic-a", OWNER, enrolment_id, action, "corr", therapist_id=OWNER)
    assert changed["status"] != before


def test_a_colleagues_group_is_absent_and_its_members_unchanged(
    service: AssignmentsService, version_body: dict[str, Any]
) -> None:
    group_id = service.create_group("clinic-a", OWNER, {"name": "Tuesday", "members": ["client-1"]}, "corr")["group_id"]
    activity = {"activity_id": version_body["activity_id"]}

    refused(lambda: service.get_group("clinic-a", group_id, therapist_id=COLLEAGUE))
    refused(
        lambda: service.add_group_member(
            "clinic-a", group_id, {"client_id": "client-9"}, "corr", therapist_id=COLLEAGUE
        )
    )
    refused(lambda: service.remove_group_member("clinic-a", group_id, "client-1", therapist_id=COLLEAGUE))
    refused(lambda: service.assign_to_group("clinic-a", COLLEAGUE, group_id, "activity", activity, "corr"))

    group = service.get_group("clinic-a", group_id, therapist_id=OWNER)
    assert (group["members"], group["programmes"]) == (["client-1"], [])
    assert service.get_group("clinic-a", group_id)["created_by"] == OWNER  # clinic-wide
    service.add_group_member("clinic-a", group_id, {"client_id": "client-2"}, "corr", therapist_id=OWNER)
    assert service.remove_group_member("clinic-a", group_id, "client-1", therapist_id=OWNER)["members"] == ["client-2"]


def test_a_colleagues_pathway_cannot_be_sent_to_ones_own_group(
    service: AssignmentsService, version_body: dict[str, Any]
) -> None:
    pathway_id = pathway_of(service, version_body, OWNER)
    group_id = service.create_group("clinic-a", COLLEAGUE, {"name": "Theirs", "members": ["client-9"]}, "corr")[
        "group_id"
    ]

    refused(
        lambda: service.assign_to_group("clinic-a", COLLEAGUE, group_id, "pathway", {"pathway_id": pathway_id}, "corr")
    )

    assert service.get_group("clinic-a", group_id, therapist_id=COLLEAGUE)["programmes"] == []
    assert service.list_enrolments("clinic-a", pathway_id) == []
    own = pathway_of(service, version_body, COLLEAGUE)
    sent = service.assign_to_group("clinic-a", COLLEAGUE, group_id, "pathway", {"pathway_id": own}, "corr")
    assert [p["pathway_id"] for p in sent["programmes"]] == [own]


def test_each_therapist_lists_only_the_pathways_and_groups_they_made_in_that_clinic(
    service: AssignmentsService, version_body: dict[str, Any]
) -> None:
    mine = pathway_of(service, version_body, OWNER)
    theirs = pathway_of(service, version_body, COLLEAGUE)
    group = service.create_group("clinic-a", OWNER, {"name": "Tuesday group", "members": ["client-1"]}, "corr")

    assert [p["pathway_id"] for p in service.list_pathways("clinic-a", OWNER)] == [mine]
    assert [p["pathway_id"] for p in service.list_pathways("clinic-a", COLLEAGUE)] == [theirs]
    assert [(g["group_id"], g["members"]) for g in service.list_groups("clinic-a", OWNER)] == [
        (group["group_id"], ["client-1"])
    ]
    assert service.list_groups("clinic-a", COLLEAGUE) == []
    assert service.list_pathways("clinic-b", OWNER) == [] and service.list_groups("clinic-b", OWNER) == []
