"""The Activity and ClinicActivities aggregates on their own: no application, no store."""

from copy import deepcopy
from datetime import datetime
from typing import Any

import pytest

from interlude_activities.domain import Activity, ClinicActivities, NothingToPublish


def new_activity(draft: dict[str, Any], clinic_id: str = "clinic-a") -> Activity:
    return Activity(clinic_id=clinic_id, created_by="therapist-1", draft=deepcopy(draft), correlation_id="corr-create")


def changed(draft: dict[str, Any], title: str) -> dict[str, Any]:
    """A copy of ``draft`` with another title and a reworded first prompt."""
    edited = deepcopy(draft)
    edited["title"] = title
    edited["items"][0]["prompt"] = f"{title}: how is your mood?"
    return edited


def pending_names(activity: Activity) -> list[str]:
    return [type(event).__name__ for event in activity.pending_events]


def content_of(version: dict[str, Any]) -> dict[str, Any]:
    return {key: version[key] for key in ("title", "instructions", "items")}


def test_create_holds_the_draft_and_no_versions(draft: dict[str, Any]) -> None:
    activity = new_activity(draft)

    assert activity.clinic_id == "clinic-a"
    assert activity.created_by == "therapist-1"
    assert activity.draft == draft
    assert activity.versions == []
    assert activity.latest_version is None
    assert pending_names(activity) == ["Created"]


def test_edit_draft_replaces_the_draft_only(draft: dict[str, Any]) -> None:
    activity = new_activity(draft)
    edited = changed(draft, "Evening check-in")

    activity.edit_draft(draft=edited, edited_by="therapist-2", correlation_id="corr-edit")

    assert activity.draft == edited
    assert activity.versions == []
    assert activity.latest_version is None
    assert pending_names(activity) == ["Created", "DraftEdited"]


def test_publish_freezes_the_draft_as_version_1(draft: dict[str, Any]) -> None:
    activity = new_activity(draft)
    activity.collect_events()

    number = activity.publish(published_by="therapist-2", correlation_id="corr-publish")

    assert number == 1
    assert activity.latest_version == 1
    version = activity.published_version(1)
    assert version is not None
    assert content_of(version) == draft
    assert version["version"] == 1
    assert version["published_by"] == "therapist-2"
    assert isinstance(version["published_at"], datetime)
    assert version["published_at"].tzinfo is not None
    [published] = activity.collect_events()
    assert isinstance(published, Activity.Published)
    assert (published.version, published.clinic_id, published.correlation_id) == (1, "clinic-a", "corr-publish")


def test_publishing_v2_leaves_v1_exactly_as_published(draft: dict[str, Any]) -> None:
    activity = new_activity(draft)
    activity.publish(published_by="therapist-1", correlation_id="corr-1")
    v1_as_published = deepcopy(activity.published_version(1))

    edited = changed(draft, "Evening check-in")
    activity.edit_draft(draft=edited, edited_by="therapist-1", correlation_id="corr-2")
    number = activity.publish(published_by="therapist-2", correlation_id="corr-3")

    assert number == 2
    assert activity.latest_version == 2
    assert activity.published_version(1) == v1_as_published
    v2 = activity.published_version(2)
    assert v2 is not None
    assert content_of(v2) == edited
    assert v2["published_by"] == "therapist-2"
    assert [version["version"] for version in activity.versions] == [1, 2]


def test_changing_the_draft_in_place_does_not_reach_the_published_version(draft: dict[str, Any]) -> None:
    activity = new_activity(draft)
    activity.publish(published_by="therapist-1", correlation_id="corr-1")
    v1_as_published = deepcopy(activity.published_version(1))

    activity.draft["title"] = "Scribbled over"
    activity.draft["items"][0]["prompt"] = "Scribbled over"
    activity.draft["items"].append({"id": "extra", "type": "free_text", "prompt": "More?", "max_length": 10})

    assert activity.published_version(1) == v1_as_published


def test_publishing_an_unchanged_draft_raises_and_records_nothing(draft: dict[str, Any]) -> None:
    activity = new_activity(draft)
    activity.publish(published_by="therapist-1", correlation_id="corr-1")
    activity.collect_events()
    version_before = activity.version

    with pytest.raises(NothingToPublish):
        activity.publish(published_by="therapist-1", correlation_id="corr-2")

    assert activity.pending_events == []
    assert activity.version == version_before
    assert activity.latest_version == 1


def test_an_edit_back_to_the_published_content_is_nothing_to_publish(draft: dict[str, Any]) -> None:
    activity = new_activity(draft)
    activity.publish(published_by="therapist-1", correlation_id="corr-1")
    activity.edit_draft(draft=changed(draft, "Detour"), edited_by="therapist-1", correlation_id="corr-2")
    activity.edit_draft(draft=deepcopy(draft), edited_by="therapist-1", correlation_id="corr-3")

    with pytest.raises(NothingToPublish):
        activity.publish(published_by="therapist-1", correlation_id="corr-4")
    assert activity.latest_version == 1


def test_no_version_is_published_before_the_first_publish(draft: dict[str, Any]) -> None:
    activity = new_activity(draft)

    assert activity.published_version(1) is None


@pytest.mark.parametrize("number", [-1, 0, 3, 100])
def test_published_version_outside_the_published_range_is_none(draft: dict[str, Any], number: int) -> None:
    activity = new_activity(draft)
    activity.publish(published_by="therapist-1", correlation_id="corr-1")
    activity.edit_draft(draft=changed(draft, "Second"), edited_by="therapist-1", correlation_id="corr-2")
    activity.publish(published_by="therapist-1", correlation_id="corr-3")

    assert activity.published_version(number) is None


@pytest.mark.parametrize(("number", "title"), [(1, "Mood check-in"), (2, "Second")])
def test_published_version_inside_the_range_is_that_version(draft: dict[str, Any], number: int, title: str) -> None:
    activity = new_activity(draft)
    activity.publish(published_by="therapist-1", correlation_id="corr-1")
    activity.edit_draft(draft=changed(draft, "Second"), edited_by="therapist-1", correlation_id="corr-2")
    activity.publish(published_by="therapist-1", correlation_id="corr-3")

    version = activity.published_version(number)
    assert version is not None
    assert (version["version"], version["title"]) == (number, title)


def test_clinic_index_id_is_stable_and_per_clinic() -> None:
    assert ClinicActivities.create_id("clinic-a") == ClinicActivities.create_id("clinic-a")
    assert ClinicActivities.create_id("clinic-a") != ClinicActivities.create_id("clinic-b")
    index = ClinicActivities(clinic_id="clinic-a")
    assert index.id == ClinicActivities.create_id("clinic-a")


def test_clinic_index_lists_added_activities_in_order(draft: dict[str, Any]) -> None:
    index = ClinicActivities(clinic_id="clinic-a")
    first, second = new_activity(draft), new_activity(draft)

    index.add(first.id)
    index.add(second.id)

    assert index.activity_ids == [first.id, second.id]
