"""The activities application: commands and queries over Activity aggregates."""

import os
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application

from interlude_contracts.errors import Conflict, NotFound
from interlude_runtime.eventstore import MutatingRepository, mutating_repository, save_with_retry
from interlude_runtime.schema import created_despite_races
from interlude_runtime.storage import database_url, eventstore_env

from .domain import Activity, ClinicActivities, NothingToPublish

SERVICE = "activities"


class ActivitiesApplication(Application[UUID]):
    name = "Activities"

    def construct_repository(self) -> MutatingRepository:
        return mutating_repository(super().construct_repository())

    def create(self, clinic_id: str, created_by: str, draft: dict[str, Any], correlation_id: str) -> Activity:
        def build() -> tuple[Activity, ClinicActivities]:
            activity = Activity(clinic_id=clinic_id, created_by=created_by, draft=draft, correlation_id=correlation_id)
            index = self._clinic_index(clinic_id)
            index.add(activity.id)
            return activity, index

        activity, _ = save_with_retry(self, build)
        return activity

    def copy_from_library(
        self, clinic_id: str, created_by: str, slug: str, draft: dict[str, Any], correlation_id: str
    ) -> Activity:
        """A clinic's own editable copy of a library entry."""

        def build() -> tuple[Activity, ClinicActivities]:
            activity = Activity(clinic_id=clinic_id, created_by=created_by, draft=draft, correlation_id=correlation_id)
            activity.note_origin(origin={"library": slug}, correlation_id=correlation_id)
            index = self._clinic_index(clinic_id)
            index.add(activity.id)
            return activity, index

        activity, _ = save_with_retry(self, build)
        return activity

    def set_archived(
        self, clinic_id: str, activity_id: UUID, archived: bool, changed_by: str, correlation_id: str
    ) -> Activity:
        activity = self.get(clinic_id, activity_id)
        if activity.archived == archived:
            state = "archived" if archived else "not archived"
            raise Conflict(f"The activity is already {state}.", {"activity_id": [f"Already {state}."]})
        if archived:
            activity.archive(archived_by=changed_by, correlation_id=correlation_id)
        else:
            activity.restore(restored_by=changed_by, correlation_id=correlation_id)
        self.save(activity)
        return activity

    def edit(
        self, clinic_id: str, activity_id: UUID, draft: dict[str, Any], edited_by: str, correlation_id: str
    ) -> Activity:
        activity = self.get(clinic_id, activity_id)
        activity.edit_draft(draft=draft, edited_by=edited_by, correlation_id=correlation_id)
        self.save(activity)
        return activity

    def publish(self, clinic_id: str, activity_id: UUID, published_by: str, correlation_id: str) -> Activity:
        activity = self.get(clinic_id, activity_id)
        try:
            activity.publish(published_by=published_by, correlation_id=correlation_id)
        except NothingToPublish as error:
            raise Conflict(str(error), {"draft": [str(error)]}) from error
        self.save(activity)
        return activity

    def get(self, clinic_id: str, activity_id: UUID) -> Activity:
        """The activity, if it belongs to the clinic; other clinics' activities look absent."""
        try:
            activity: object = self.repository.get(activity_id)
        except AggregateNotFoundError:
            activity = None
        if not isinstance(activity, Activity) or activity.clinic_id != clinic_id:
            raise NotFound("No such activity.", {"activity_id": [f"No activity {activity_id} in your clinic."]})
        return activity

    def list_for_clinic(self, clinic_id: str, include_archived: bool = False) -> list[Activity]:
        index = self._clinic_index(clinic_id)
        activities: list[Activity] = [self.repository.get(activity_id) for activity_id in index.activity_ids]
        return [a for a in activities if include_archived or not getattr(a, "archived", False)]

    def _clinic_index(self, clinic_id: str) -> ClinicActivities:
        try:
            return self.repository.get(ClinicActivities.create_id(clinic_id))
        except AggregateNotFoundError:
            return ClinicActivities(clinic_id=clinic_id)


def create_application(environ: Mapping[str, str] = os.environ) -> ActivitiesApplication:
    """The application on the store the environment names (SQLite by default)."""
    env = eventstore_env(database_url(SERVICE, environ))
    return created_despite_races(lambda: ActivitiesApplication(env=env))
