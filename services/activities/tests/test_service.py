"""ActivitiesService's RPC interface, called directly on a worker from nameko's worker_factory.

Mocking policy: only other services' RPC proxies may be mocked, and the
activities service calls none, so nothing here is a mock. The application and
its event store are real (eventsourcing's in-memory store); the metrics
dependency gets its real value, None.
"""

import json
from copy import deepcopy
from typing import Any
from uuid import uuid4

import pytest
from nameko.testing.services import worker_factory

from interlude_activities.application import ActivitiesApplication
from interlude_activities.service import ActivitiesService
from interlude_contracts.activity import ActivitySchema, ActivityVersionSchema
from interlude_contracts.errors import Conflict, NotFound, ValidationFailed
from interlude_contracts.events import ACTIVITY_PUBLISHED, load_event


@pytest.fixture
def service(memory_app: ActivitiesApplication) -> ActivitiesService:
    return worker_factory(ActivitiesService, app=memory_app, metrics=None)


def as_json(body: Any) -> Any:
    """The body as a caller receives it over RPC: through JSON and back."""
    return json.loads(json.dumps(body))


def create(service: ActivitiesService, draft: dict[str, Any], clinic_id: str = "clinic-a") -> dict[str, Any]:
    return service.create_activity(clinic_id, "therapist-1", deepcopy(draft), "corr-create")


def stored_notifications(app: ActivitiesApplication) -> int:
    return app.recorder.max_notification_id() or 0


def test_health(service: ActivitiesService) -> None:
    assert service.health() == {"service": "activities", "status": "ok"}


def test_create_activity_returns_a_contract_body(service: ActivitiesService, raw_draft: dict[str, Any]) -> None:
    body = create(service, raw_draft)

    assert as_json(body) == body
    loaded = ActivitySchema().load(body)
    assert (loaded["clinic_id"], loaded["created_by"]) == ("clinic-a", "therapist-1")
    assert body["draft"]["title"] == raw_draft["title"]
    # The contract's defaults are filled in before the draft is stored.
    assert body["draft"]["items"][2]["max_length"] == 5000
    assert body["draft"]["items"][0]["required"] is True
    assert (body["versions"], body["latest_version"]) == ([], None)


BAD_DRAFTS: list[Any] = [
    pytest.param(lambda d: d.pop("title"), "title", id="no-title"),
    pytest.param(lambda d: d.update(title=""), "title", id="empty-title"),
    pytest.param(lambda d: d.update(items=[]), "items", id="no-items"),
    pytest.param(lambda d: d["items"][0].update(type="essay"), "items", id="unknown-item-type"),
    pytest.param(lambda d: d["items"][1]["options"].pop(), "items", id="one-option"),
    pytest.param(lambda d: d["items"][1].update(id="mood"), "items", id="duplicate-item-id"),
    pytest.param(lambda d: d.update(colour="red"), "colour", id="unknown-field"),
]


@pytest.mark.parametrize(("spoil", "field"), BAD_DRAFTS)
def test_a_bad_draft_names_the_field_and_stores_nothing(
    service: ActivitiesService, memory_app: ActivitiesApplication, raw_draft: dict[str, Any], spoil: Any, field: str
) -> None:
    spoil(raw_draft)

    with pytest.raises(ValidationFailed) as got:
        create(service, raw_draft)

    assert field in got.value.fields
    assert as_json(got.value.fields)
    assert stored_notifications(memory_app) == 0
    assert service.list_activities("clinic-a") == []


def test_a_bad_edit_leaves_the_draft_as_it_was(
    service: ActivitiesService, memory_app: ActivitiesApplication, raw_draft: dict[str, Any]
) -> None:
    created = create(service, raw_draft)
    stored_before = stored_notifications(memory_app)

    with pytest.raises(ValidationFailed) as got:
        service.edit_draft("clinic-a", created["activity_id"], {"title": "No items"}, "therapist-1", "corr-edit")

    assert "items" in got.value.fields
    assert stored_notifications(memory_app) == stored_before
    assert service.get_activity("clinic-a", created["activity_id"])["draft"] == created["draft"]


def test_edit_draft_returns_the_new_draft(service: ActivitiesService, raw_draft: dict[str, Any]) -> None:
    created = create(service, raw_draft)

    body = service.edit_draft(
        "clinic-a", created["activity_id"], {**raw_draft, "title": "Renamed"}, "therapist-1", "corr-edit"
    )

    assert as_json(body) == body
    assert body["draft"]["title"] == "Renamed"
    assert service.get_activity("clinic-a", created["activity_id"])["draft"]["title"] == "Renamed"


def test_publish_returns_the_version_body(service: ActivitiesService, raw_draft: dict[str, Any]) -> None:
    created = create(service, raw_draft)

    version = service.publish_activity("clinic-a", created["activity_id"], "therapist-2", "corr-publish")

    assert as_json(version) == version
    ActivityVersionSchema().load(version)
    assert (version["activity_id"], version["clinic_id"]) == (created["activity_id"], "clinic-a")
    assert (version["version"], version["published_by"]) == (1, "therapist-2")
    assert version["items"] == created["draft"]["items"]
    activity = service.get_activity("clinic-a", created["activity_id"])
    assert (activity["versions"], activity["latest_version"]) == ([1], 1)


def test_publishing_twice_unchanged_is_a_conflict(service: ActivitiesService, raw_draft: dict[str, Any]) -> None:
    created = create(service, raw_draft)
    service.publish_activity("clinic-a", created["activity_id"], "therapist-1", "corr-1")

    with pytest.raises(Conflict):
        service.publish_activity("clinic-a", created["activity_id"], "therapist-1", "corr-2")


def test_get_version_picks_the_latest_or_the_named_one(service: ActivitiesService, raw_draft: dict[str, Any]) -> None:
    activity_id = create(service, raw_draft)["activity_id"]
    service.publish_activity("clinic-a", activity_id, "therapist-1", "corr-1")
    service.edit_draft("clinic-a", activity_id, {**raw_draft, "title": "Second"}, "therapist-1", "corr-2")
    service.publish_activity("clinic-a", activity_id, "therapist-1", "corr-3")

    latest = service.get_version("clinic-a", activity_id)
    first = service.get_version("clinic-a", activity_id, 1)

    assert (latest["version"], latest["title"]) == (2, "Second")
    assert (first["version"], first["title"]) == (1, raw_draft["title"])
    assert as_json(first) == first
    ActivityVersionSchema().load(first)


@pytest.mark.parametrize("version", [None, 1])
def test_get_version_of_an_unpublished_activity_is_not_found(
    service: ActivitiesService, raw_draft: dict[str, Any], version: int | None
) -> None:
    activity_id = create(service, raw_draft)["activity_id"]

    with pytest.raises(NotFound) as got:
        service.get_version("clinic-a", activity_id, version)
    assert "activity_version" in got.value.fields


def test_get_version_beyond_the_latest_is_not_found(service: ActivitiesService, raw_draft: dict[str, Any]) -> None:
    activity_id = create(service, raw_draft)["activity_id"]
    service.publish_activity("clinic-a", activity_id, "therapist-1", "corr-1")

    with pytest.raises(NotFound) as got:
        service.get_version("clinic-a", activity_id, 2)
    assert "activity_version" in got.value.fields


def test_other_clinics_see_nothing(service: ActivitiesService, raw_draft: dict[str, Any]) -> None:
    activity_id = create(service, raw_draft)["activity_id"]
    service.publish_activity("clinic-a", activity_id, "therapist-1", "corr-1")

    with pytest.raises(NotFound):
        service.get_activity("clinic-b", activity_id)
    with pytest.raises(NotFound):
        service.get_version("clinic-b", activity_id, 1)
    assert service.list_activities("clinic-b") == []


def test_unknown_and_malformed_ids(service: ActivitiesService) -> None:
    with pytest.raises(NotFound):
        service.get_activity("clinic-a", str(uuid4()))
    with pytest.raises(ValidationFailed) as got:
        service.get_activity("clinic-a", "not-a-uuid")
    assert "activity_id" in got.value.fields


def test_list_activities_returns_contract_bodies(service: ActivitiesService, raw_draft: dict[str, Any]) -> None:
    first = create(service, raw_draft)
    second = create(service, {**raw_draft, "title": "Second"})

    listed = service.list_activities("clinic-a")

    assert as_json(listed) == listed
    assert [body["activity_id"] for body in listed] == [first["activity_id"], second["activity_id"]]
    for body in listed:
        ActivitySchema().load(body)


def test_read_log_returns_published_envelopes(
    service: ActivitiesService, memory_app: ActivitiesApplication, raw_draft: dict[str, Any]
) -> None:
    activity_id = create(service, raw_draft)["activity_id"]
    service.publish_activity("clinic-a", activity_id, "therapist-1", "corr-publish")

    page = service.read_log(0)

    assert as_json(page) == page
    assert page["last_position"] == stored_notifications(memory_app)
    [event] = [load_event(envelope) for envelope in page["events"]]
    assert (event.event_type, event.correlation_id, str(event.payload["activity_id"])) == (
        ACTIVITY_PUBLISHED,
        "corr-publish",
        activity_id,
    )
    newest = page["last_position"]
    assert page["newest_position"] == newest
    assert service.read_log(newest) == {"events": [], "last_position": newest, "newest_position": newest}
