"""ActivitiesApplication over each store it runs on: in memory, SQLite and PostgreSQL.

Every test of the class runs three times (the root `application_opener`
fixture); "reloading" opens a second application on the same store.
"""

from collections.abc import Callable
from copy import deepcopy
from typing import Any
from uuid import UUID, uuid4

import eventlet
import pytest

from interlude_activities.application import ActivitiesApplication, create_application
from interlude_activities.domain import ClinicActivities
from interlude_contracts.errors import Conflict, NotFound

OpenApp = Callable[[], ActivitiesApplication]


@pytest.fixture
def open_app(application_opener: Callable[..., OpenApp]) -> OpenApp:
    return application_opener(create_application)


@pytest.fixture
def app(open_app: OpenApp) -> ActivitiesApplication:
    return open_app()


def changed(draft: dict[str, Any], title: str) -> dict[str, Any]:
    edited = deepcopy(draft)
    edited["title"] = title
    edited["items"][0]["prompt"] = f"{title}: how is your mood?"
    return edited


def create(app: ActivitiesApplication, draft: dict[str, Any], clinic_id: str = "clinic-a") -> UUID:
    return app.create(clinic_id, "therapist-1", deepcopy(draft), "corr-create").id


class TestActivitiesApplication:
    def test_create_then_get(self, app: ActivitiesApplication, open_app: OpenApp, draft: dict[str, Any]) -> None:
        activity_id = create(app, draft)

        activity = open_app().get("clinic-a", activity_id)
        assert activity.id == activity_id
        assert activity.clinic_id == "clinic-a"
        assert activity.created_by == "therapist-1"
        assert activity.draft == draft
        assert activity.latest_version is None

    def test_list_for_clinic_holds_its_own_activities_in_creation_order(
        self, app: ActivitiesApplication, draft: dict[str, Any]
    ) -> None:
        first = create(app, draft)
        other = create(app, changed(draft, "Other clinic's"), clinic_id="clinic-b")
        second = create(app, changed(draft, "Second"))

        assert [activity.id for activity in app.list_for_clinic("clinic-a")] == [first, second]
        assert [activity.id for activity in app.list_for_clinic("clinic-b")] == [other]
        assert app.list_for_clinic("clinic-c") == []

    def test_another_clinics_activity_is_not_found(
        self, app: ActivitiesApplication, open_app: OpenApp, draft: dict[str, Any]
    ) -> None:
        activity_id = create(app, draft)
        version_before = app.get("clinic-a", activity_id).version

        with pytest.raises(NotFound) as got:
            app.get("clinic-b", activity_id)
        assert str(activity_id) in got.value.fields["activity_id"][0]
        with pytest.raises(NotFound):
            app.edit("clinic-b", activity_id, changed(draft, "Hijacked"), "intruder", "corr-edit")
        with pytest.raises(NotFound):
            app.publish("clinic-b", activity_id, "intruder", "corr-publish")
        assert activity_id not in [activity.id for activity in app.list_for_clinic("clinic-b")]

        untouched = open_app().get("clinic-a", activity_id)
        assert untouched.version == version_before
        assert untouched.draft == draft
        assert untouched.latest_version is None

    def test_unknown_ids_are_not_found(self, app: ActivitiesApplication, draft: dict[str, Any]) -> None:
        create(app, draft)

        with pytest.raises(NotFound):
            app.get("clinic-a", uuid4())
        # The clinic's index is stored in the same repository, but it is not an activity.
        with pytest.raises(NotFound):
            app.get("clinic-a", ClinicActivities.create_id("clinic-a"))

    def test_published_versions_survive_edits_and_reloading(
        self, app: ActivitiesApplication, open_app: OpenApp, draft: dict[str, Any]
    ) -> None:
        activity_id = create(app, draft)
        app.publish("clinic-a", activity_id, "therapist-1", "corr-publish-1")
        v1_as_published = deepcopy(open_app().get("clinic-a", activity_id).published_version(1))
        assert v1_as_published is not None

        edited = changed(draft, "Evening check-in")
        app.edit("clinic-a", activity_id, edited, "therapist-2", "corr-edit")
        after_edit = open_app().get("clinic-a", activity_id)
        assert after_edit.published_version(1) == v1_as_published
        assert after_edit.draft == edited

        app.publish("clinic-a", activity_id, "therapist-2", "corr-publish-2")
        reloaded = open_app().get("clinic-a", activity_id)
        assert reloaded.published_version(1) == v1_as_published
        assert {key: v1_as_published[key] for key in ("title", "instructions", "items")} == draft
        v2 = reloaded.published_version(2)
        assert v2 is not None
        assert (v2["title"], v2["items"], v2["published_by"]) == (edited["title"], edited["items"], "therapist-2")
        assert reloaded.latest_version == 2

    def test_publishing_an_unchanged_draft_is_a_conflict(
        self, app: ActivitiesApplication, open_app: OpenApp, draft: dict[str, Any]
    ) -> None:
        activity_id = create(app, draft)
        app.publish("clinic-a", activity_id, "therapist-1", "corr-publish-1")
        version_before = open_app().get("clinic-a", activity_id).version

        with pytest.raises(Conflict):
            app.publish("clinic-a", activity_id, "therapist-1", "corr-publish-2")

        reloaded = open_app().get("clinic-a", activity_id)
        assert reloaded.version == version_before
        assert reloaded.latest_version == 1

    def test_concurrent_creates_all_reach_the_clinic_index(
        self, app: ActivitiesApplication, draft: dict[str, Any]
    ) -> None:
        pool = eventlet.GreenPool(10)
        created = list(pool.imap(lambda number: create(app, changed(draft, f"Activity {number}")), range(10)))

        assert len(set(created)) == 10
        listed = [activity.id for activity in app.list_for_clinic("clinic-a")]
        assert sorted(listed) == sorted(created)
