"""AssignmentsService's RPC interface, called directly on a worker from nameko's worker_factory.

Mocking policy: only other services' RPC proxies are mocked: here the
``activities`` proxy, whose get_version returns a version body that satisfies
the activities contract. The application and its event store are real
(eventsourcing's in-memory store); the metrics dependency gets its real
value, None.
"""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import MagicMock
from uuid import uuid4

import pytest
from nameko.testing.services import worker_factory

from interlude_assignments.application import AssignmentsApplication
from interlude_assignments.service import AssignmentsService
from interlude_assignments.snapshot import SNAPSHOT_KEYS
from interlude_contracts.api import AssignmentSchema
from interlude_contracts.errors import Conflict, NotFound, ValidationFailed
from interlude_contracts.events import ACTIVITY_ASSIGNED, RESPONSE_SUBMITTED, load_event


@pytest.fixture
def activities(version_body: dict[str, Any]) -> MagicMock:
    """The activities service's RPC proxy."""
    proxy = MagicMock()
    proxy.get_version.return_value = version_body
    return proxy


@pytest.fixture
def service(memory_app: AssignmentsApplication, activities: MagicMock) -> AssignmentsService:
    return worker_factory(AssignmentsService, app=memory_app, activities=activities, metrics=None)


def as_json(body: Any) -> Any:
    """The body as a caller receives it over RPC: through JSON and back."""
    return json.loads(json.dumps(body))


def in_days(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def assign_request(version_body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {"client_id": "client-1", "activity_id": version_body["activity_id"], "due_at": in_days(3), **changes}


def assign(service: AssignmentsService, version_body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return service.assign("clinic-a", "therapist-1", assign_request(version_body, **changes), "corr-assign")


def stored_notifications(app: AssignmentsApplication) -> int:
    return app.recorder.max_notification_id() or 0


def test_health(service: AssignmentsService) -> None:
    assert service.health() == {"service": "assignments", "status": "ok"}


def test_assign_asks_activities_for_the_named_version(
    service: AssignmentsService, activities: MagicMock, version_body: dict[str, Any]
) -> None:
    body = assign(service, version_body, activity_version=3)

    activities.get_version.assert_called_once_with("clinic-a", version_body["activity_id"], 3)
    assert as_json(body) == body
    AssignmentSchema().load(body)
    assert (body["clinic_id"], body["client_id"], body["therapist_id"]) == ("clinic-a", "client-1", "therapist-1")
    assert (body["activity_id"], body["activity_version"]) == (version_body["activity_id"], 3)
    assert (body["title"], body["items"]) == (version_body["title"], version_body["items"])
    assert (body["status"], body["answers"]) == ("assigned", None)


def test_assign_without_a_version_asks_for_the_latest(
    service: AssignmentsService, activities: MagicMock, version_body: dict[str, Any]
) -> None:
    body = assign(service, version_body, due_at=None)

    activities.get_version.assert_called_once_with("clinic-a", version_body["activity_id"], None)
    assert (body["activity_version"], body["due_at"]) == (version_body["version"], None)


def test_assign_keeps_only_the_versions_content(
    service: AssignmentsService, memory_app: AssignmentsApplication, version_body: dict[str, Any]
) -> None:
    body = assign(service, version_body)

    stored = memory_app.get("clinic-a", memory_app.for_client("clinic-a", "client-1")[0].id)
    assert str(stored.id) == body["assignment_id"]
    assert set(stored.activity) == set(SNAPSHOT_KEYS)  # not clinic_id, published_at, published_by, archived


INVALID_REQUESTS: list[Any] = [
    pytest.param({"due_at": in_days(-1)}, "due_at", id="due-in-the-past"),
    pytest.param({"due_at": "2030-06-01T09:00:00"}, "due_at", id="due-without-time-zone"),
    pytest.param({"due_at": "next tuesday"}, "due_at", id="due-not-a-date"),
    pytest.param({"activity_id": "not-a-uuid"}, "activity_id", id="bad-activity-id"),
    pytest.param({"activity_version": 0}, "activity_version", id="version-zero"),
    pytest.param({"client_id": ""}, "client_id", id="empty-client"),
]


@pytest.mark.parametrize(("changes", "field"), INVALID_REQUESTS)
def test_an_invalid_assign_request_names_the_field_and_stores_nothing(
    service: AssignmentsService,
    memory_app: AssignmentsApplication,
    activities: MagicMock,
    version_body: dict[str, Any],
    changes: dict[str, Any],
    field: str,
) -> None:
    with pytest.raises(ValidationFailed) as got:
        assign(service, version_body, **changes)

    assert field in got.value.fields
    activities.get_version.assert_not_called()
    assert stored_notifications(memory_app) == 0
    assert service.list_for_client("clinic-a", "client-1") == []


def test_a_missing_version_is_reported_and_nothing_stored(
    service: AssignmentsService,
    memory_app: AssignmentsApplication,
    activities: MagicMock,
    version_body: dict[str, Any],
) -> None:
    activities.get_version.side_effect = NotFound("No such published version.", {"activity_version": ["none"]})

    with pytest.raises(NotFound):
        assign(service, version_body, activity_version=9)

    assert stored_notifications(memory_app) == 0


def test_submit_response_records_valid_answers(
    service: AssignmentsService, version_body: dict[str, Any], valid_answers: dict[str, Any]
) -> None:
    assignment_id = assign(service, version_body)["assignment_id"]

    body = service.submit_response("clinic-a", "client-1", assignment_id, {"answers": valid_answers}, "corr-submit")

    assert as_json(body) == body
    AssignmentSchema().load(body)
    assert (body["status"], body["answers"]) == ("submitted", valid_answers)
    assert body["submitted_at"] is not None
    assert service.todo("clinic-a", "client-1") == []


@pytest.mark.parametrize(
    ("answers", "bad_items"),
    [
        pytest.param({"mood": 11, "sleep": "good"}, {"mood"}, id="out-of-range"),
        pytest.param({"mood": 5}, {"sleep"}, id="required-missing"),
        pytest.param({"mood": 5, "sleep": "good", "bonus": 1}, {"bonus"}, id="unknown-item"),
    ],
)
def test_submit_response_rejects_answers_that_do_not_fit_the_version(
    service: AssignmentsService,
    memory_app: AssignmentsApplication,
    version_body: dict[str, Any],
    answers: dict[str, Any],
    bad_items: set[str],
) -> None:
    assignment_id = assign(service, version_body)["assignment_id"]
    stored_before = stored_notifications(memory_app)

    with pytest.raises(ValidationFailed) as got:
        service.submit_response("clinic-a", "client-1", assignment_id, {"answers": answers}, "corr-submit")

    assert set(got.value.fields["answers"]) == bad_items
    assert as_json(got.value.fields) == got.value.fields
    assert stored_notifications(memory_app) == stored_before
    assert service.get_assignment("clinic-a", assignment_id)["status"] == "assigned"


@pytest.mark.parametrize("request_body", [{}, {"answers": "mood=5"}, None], ids=["no-answers", "not-a-map", "none"])
def test_submit_response_needs_an_answers_map(
    service: AssignmentsService, version_body: dict[str, Any], request_body: Any
) -> None:
    assignment_id = assign(service, version_body)["assignment_id"]

    with pytest.raises(ValidationFailed) as got:
        service.submit_response("clinic-a", "client-1", assignment_id, request_body, "corr-submit")

    assert "answers" in got.value.fields


def test_submit_response_is_scoped_to_the_client_and_clinic(
    service: AssignmentsService, version_body: dict[str, Any], valid_answers: dict[str, Any]
) -> None:
    assignment_id = assign(service, version_body)["assignment_id"]

    with pytest.raises(NotFound):
        service.submit_response("clinic-a", "client-2", assignment_id, {"answers": valid_answers}, "corr-1")
    with pytest.raises(NotFound):
        service.submit_response("clinic-b", "client-1", assignment_id, {"answers": valid_answers}, "corr-2")
    with pytest.raises(ValidationFailed) as got:
        service.submit_response("clinic-a", "client-1", "not-a-uuid", {"answers": valid_answers}, "corr-3")
    assert "assignment_id" in got.value.fields


def test_a_second_response_is_a_conflict(
    service: AssignmentsService, version_body: dict[str, Any], valid_answers: dict[str, Any]
) -> None:
    assignment_id = assign(service, version_body)["assignment_id"]
    service.submit_response("clinic-a", "client-1", assignment_id, {"answers": valid_answers}, "corr-1")

    with pytest.raises(Conflict):
        service.submit_response("clinic-a", "client-1", assignment_id, {"answers": valid_answers}, "corr-2")


def test_cancel_and_the_lists(service: AssignmentsService, version_body: dict[str, Any]) -> None:
    kept = assign(service, version_body, due_at=in_days(5))["assignment_id"]
    cancelled = assign(service, version_body, due_at=in_days(1))["assignment_id"]

    body = service.cancel("clinic-a", "therapist-1", cancelled, {"reason": "Holiday"}, "corr-cancel")

    assert as_json(body) == body
    assert (body["status"], body["cancelled_at"] is not None) == ("cancelled", True)
    todo = service.todo("clinic-a", "client-1")
    assert as_json(todo) == todo
    assert [item["assignment_id"] for item in todo] == [kept]
    listed = service.list_for_client("clinic-a", "client-1")
    assert [item["assignment_id"] for item in listed] == [kept, cancelled]
    with pytest.raises(NotFound):
        service.get_assignment("clinic-a", cancelled, client_id="client-2")
    with pytest.raises(NotFound):
        service.get_assignment("clinic-a", str(uuid4()))


def test_read_log_returns_envelopes(
    service: AssignmentsService,
    memory_app: AssignmentsApplication,
    version_body: dict[str, Any],
    valid_answers: dict[str, Any],
) -> None:
    assignment_id = assign(service, version_body)["assignment_id"]
    service.submit_response("clinic-a", "client-1", assignment_id, {"answers": valid_answers}, "corr-submit")

    page = service.read_log(0)

    assert as_json(page) == page
    assert page["last_position"] == stored_notifications(memory_app)
    events = [load_event(envelope) for envelope in page["events"]]
    assert [(event.event_type, event.correlation_id) for event in events] == [
        (ACTIVITY_ASSIGNED, "corr-assign"),
        (RESPONSE_SUBMITTED, "corr-submit"),
    ]
    assert all(str(event.payload["assignment_id"]) == assignment_id for event in events)
    newest = page["last_position"]
    assert page["newest_position"] == newest
    assert service.read_log(newest) == {"events": [], "last_position": newest, "newest_position": newest}
    assert service.read_log(0, limit=1) == {
        "events": [page["events"][0]],
        "last_position": 1,
        "newest_position": newest,
    }


def test_a_clients_list_is_paged_in_their_index_and_loads_only_the_page(
    service: AssignmentsService, memory_app: AssignmentsApplication, version_body: dict[str, Any], monkeypatch
) -> None:
    made = [assign(service, version_body)["assignment_id"] for _ in range(5)]
    theirs = service.assign("clinic-a", "therapist-2", assign_request(version_body), "corr-2")["assignment_id"]
    loaded: list[int] = []
    get_many = memory_app.get_many
    monkeypatch.setattr(memory_app, "get_many", lambda ids, kind: (loaded.append(len(ids)), get_many(ids, kind))[1])

    page = service.page_for_client("clinic-a", "client-1", None, 1, 2)
    mine = service.page_for_client("clinic-a", "client-1", "therapist-1", 4, 10)
    others = service.page_for_client("clinic-a", "client-1", "therapist-2", 0, 10)

    assert as_json(page) == page
    assert ([a["assignment_id"] for a in page["assignments"]], page["total"]) == (made[1:3], 6)
    assert ([a["assignment_id"] for a in mine["assignments"]], mine["total"]) == (made[4:], 5)
    assert ([a["assignment_id"] for a in others["assignments"]], others["total"]) == ([theirs], 1)
    assert loaded == [2, 0, 1, 0, 1]  # each page, and none loaded to find whose they are


def test_a_clients_history_is_what_they_completed_newest_first_titles_and_dates_only(
    service: AssignmentsService, version_body: dict[str, Any], valid_answers: dict[str, Any]
) -> None:
    first, _still_open, second = (assign(service, version_body)["assignment_id"] for _ in range(3))
    for done in (first, second):
        service.submit_response("clinic-a", "client-1", done, {"answers": valid_answers}, f"corr-{done}")

    history = service.completed("clinic-a", "client-1")

    assert as_json(history) == history
    assert [entry["assignment_id"] for entry in history] == [second, first]
    assert set(history[0]) == {"assignment_id", "title", "assigned_at", "due_at", "submitted_at"}
    assert service.completed("clinic-a", "client-2") == []


def test_an_index_entry_from_before_it_kept_the_therapist_is_loaded_to_find_out(
    service: AssignmentsService, memory_app: AssignmentsApplication, version_body: dict[str, Any]
) -> None:
    made = assign(service, version_body, client_id="client-9")["assignment_id"]
    index = memory_app.client_index("clinic-a", "client-9")
    index.add(index.assignment_ids[0])  # as the previous release stored it: no therapist
    memory_app.save(index)

    mine = service.page_for_client("clinic-a", "client-9", "therapist-1", 0, 10)
    others = service.page_for_client("clinic-a", "client-9", "therapist-2", 0, 10)

    assert [a["assignment_id"] for a in mine["assignments"]] == [made, made] and mine["total"] == 2
    assert others == {"assignments": [], "total": 0}
