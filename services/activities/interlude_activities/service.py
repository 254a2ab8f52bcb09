"""The activities service's entrypoints. Logic lives in the application and domain."""

from copy import deepcopy
from typing import Any

from marshmallow import ValidationError

from interlude_contracts.activity import ActivityDraftSchema
from interlude_contracts.errors import NotFound, ValidationFailed, parse_uuid, validated
from interlude_contracts.fhir import from_questionnaire
from interlude_contracts.runtime.health import HealthRpc
from interlude_contracts.runtime.metrics import Metrics
from interlude_contracts.runtime.outbox import log_page
from interlude_contracts.runtime.rpc import rpc

from . import library
from .dependencies import activities_application
from .translation import activity_body, to_envelope, version_body, version_summary

MAX_LOG_PAGE = 1000


class ActivitiesService(HealthRpc):
    name = "activities"

    app = activities_application()
    metrics = Metrics()

    @rpc
    def create_activity(
        self, clinic_id: str, created_by: str, draft: dict[str, Any], correlation_id: str
    ) -> dict[str, Any]:
        content = validated(ActivityDraftSchema(), draft)
        return activity_body(self.app.create(clinic_id, created_by, content, correlation_id))

    @rpc
    def edit_draft(
        self, clinic_id: str, activity_id: str, draft: dict[str, Any], edited_by: str, correlation_id: str
    ) -> dict[str, Any]:
        content = validated(ActivityDraftSchema(), draft)
        activity = self.app.edit(clinic_id, parse_uuid(activity_id, "activity_id"), content, edited_by, correlation_id)
        return activity_body(activity)

    @rpc
    def publish_activity(
        self, clinic_id: str, activity_id: str, published_by: str, correlation_id: str
    ) -> dict[str, Any]:
        activity = self.app.publish(clinic_id, parse_uuid(activity_id, "activity_id"), published_by, correlation_id)
        return version_body(activity, activity.versions[-1])

    @rpc
    def get_activity(self, clinic_id: str, activity_id: str) -> dict[str, Any]:
        return activity_body(self.app.get(clinic_id, parse_uuid(activity_id, "activity_id")))

    @rpc
    def list_activities(self, clinic_id: str, include_archived: bool = False) -> list[dict[str, Any]]:
        return [activity_body(activity) for activity in self.app.list_for_clinic(clinic_id, include_archived)]

    @rpc
    def list_versions(self, clinic_id: str, activity_id: str) -> list[dict[str, Any]]:
        activity = self.app.get(clinic_id, parse_uuid(activity_id, "activity_id"))
        return [version_summary(version) for version in activity.versions]

    @rpc
    def set_archived(
        self, clinic_id: str, activity_id: str, archived: bool, changed_by: str, correlation_id: str
    ) -> dict[str, Any]:
        activity_uuid = parse_uuid(activity_id, "activity_id")
        return activity_body(
            self.app.set_archived(clinic_id, activity_uuid, bool(archived), changed_by, correlation_id)
        )

    @rpc
    def import_questionnaire(
        self, clinic_id: str, created_by: str, questionnaire: dict[str, Any], correlation_id: str
    ) -> dict[str, Any]:
        """A new draft from a FHIR R4 Questionnaire; what could not be mapped is listed in ``unmapped``."""
        draft, unmapped = from_questionnaire(questionnaire)
        if not draft:
            raise ValidationFailed("Not a FHIR Questionnaire.", {"resourceType": [unmapped[0]["problem"]]})
        try:
            content = ActivityDraftSchema().load(draft)
        except ValidationError as error:
            raise ValidationFailed(
                "The questionnaire maps to an activity that is not valid.",
                {"questionnaire": error.messages, "unmapped": unmapped},
            ) from None
        activity = self.app.create(clinic_id, created_by, content, correlation_id)
        return {"activity": activity_body(activity), "unmapped": unmapped}

    # -- the shared library ---------------------------------------------------

    @rpc
    def browse_library(self, tag: str | None = None) -> list[dict[str, Any]]:
        return library.browse(tag)

    @rpc
    def get_library_entry(self, slug: str) -> dict[str, Any]:
        entry = _library_entry(slug)
        return {
            **library.summary(entry),
            "scoring_notes": entry.get("scoring_notes"),
            "activity": ActivityDraftSchema().dump(entry["activity"]),
        }

    @rpc
    def copy_from_library(self, clinic_id: str, created_by: str, slug: str, correlation_id: str) -> dict[str, Any]:
        """The clinic's own draft of a library entry, to customise and publish."""
        entry = _library_entry(slug)
        # The copy keeps the entry's citation and terms of use, into every version and its FHIR export.
        draft = {**deepcopy(entry["activity"]), "source": entry["source"], "licence": entry["licence"]}
        return activity_body(self.app.copy_from_library(clinic_id, created_by, slug, draft, correlation_id))

    @rpc
    def get_version(self, clinic_id: str, activity_id: str, version: int | None = None) -> dict[str, Any]:
        """A published version; the latest when ``version`` is None."""
        activity = self.app.get(clinic_id, parse_uuid(activity_id, "activity_id"))
        number = activity.latest_version if version is None else version
        published = activity.published_version(number) if number else None
        if published is None:
            raise NotFound(
                "No such published version.", {"activity_version": [f"{activity_id} has no version {number}."]}
            )
        return version_body(activity, published)

    @rpc
    def read_log(self, after: int, limit: int = 500) -> dict[str, Any]:
        """Published events after a position, for rebuilding projections from the log."""
        envelopes, last = log_page(self.app, to_envelope, int(after), min(int(limit), MAX_LOG_PAGE))
        return {"events": envelopes, "last_position": last}


def _library_entry(slug: str) -> dict[str, Any]:
    try:
        return library.entry(slug)
    except library.UnknownEntry:
        raise NotFound("No such library entry.", {"slug": [f"The library has no entry {slug!r}."]}) from None
