"""The activities service's entrypoints. Logic lives in the application and domain."""

from copy import deepcopy
from typing import Any

from marshmallow import ValidationError

from interlude_activity_model.draft import CheckedDraftSchema
from interlude_contracts.activity import ActivityDraftSchema
from interlude_contracts.errors import NotFound, ValidationFailed, parse_uuid, validated
from interlude_contracts.schemas import shared
from interlude_runtime.health import HealthRpc
from interlude_runtime.metrics import Metrics
from interlude_runtime.outbox import log_page
from interlude_runtime.rpc import rpc

from . import library
from .dependencies import activities_application
from .domain import Activity
from .fhir import questionnaire_url, to_questionnaire, to_questionnaire_response
from .fhir_import import from_questionnaire
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
        content = validated(shared(CheckedDraftSchema), draft)
        return activity_body(self.app.create(clinic_id, created_by, content, correlation_id))

    @rpc
    def edit_draft(
        self, clinic_id: str, activity_id: str, draft: dict[str, Any], edited_by: str, correlation_id: str
    ) -> dict[str, Any]:
        content = validated(shared(CheckedDraftSchema), draft)
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
            refusal = unmapped[0]
            field = f"item {refusal['link_id']!r}" if refusal["link_id"] else "resourceType"
            raise ValidationFailed(refusal["problem"], {field: [refusal["problem"]]})
        try:
            content = shared(CheckedDraftSchema).load(draft)
        except ValidationError as error:
            raise ValidationFailed(
                "The questionnaire maps to an activity that is not valid.",
                {"questionnaire": error.messages, "unmapped": unmapped},
            ) from None
        activity = self.app.create(clinic_id, created_by, content, correlation_id)
        return {"activity": activity_body(activity), "unmapped": unmapped}

    @rpc
    def draft_questionnaire(self, clinic_id: str, activity_id: str) -> dict[str, Any]:
        """The activity's draft as a FHIR R4 Questionnaire."""
        draft = activity_body(self.app.get(clinic_id, parse_uuid(activity_id, "activity_id")))["draft"]
        return to_questionnaire(draft, questionnaire_url(activity_id))

    @rpc
    def version_questionnaire(self, clinic_id: str, activity_id: str, version: int) -> dict[str, Any]:
        """A published version as a FHIR R4 Questionnaire."""
        return to_questionnaire(self._version(clinic_id, activity_id, version), questionnaire_url(activity_id))

    @rpc
    def fhir_questionnaire(self, clinic_id: str, activity_id: str) -> dict[str, Any]:
        """The activity as the FHIR API serves it: its latest version, or its draft before the first."""
        return self._current_questionnaire(self.app.get(clinic_id, parse_uuid(activity_id, "activity_id")))

    @rpc
    def search_questionnaires(
        self, clinic_id: str, url: str | None = None, title: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """The clinic's activities as Questionnaires, by FHIR search: ``url`` exact, ``title`` starts with
        (case-insensitively), ``status`` (draft, active, retired)."""
        found = []
        for activity in self.app.list_for_clinic(clinic_id, True):
            resource = self._current_questionnaire(activity)
            if url is not None and resource.get("url") != url:
                continue
            if title is not None and not resource["title"].casefold().startswith(title.casefold()):
                continue
            if status is not None and resource["status"] != status:
                continue
            found.append(resource)
        return found

    def _current_questionnaire(self, activity: Activity) -> dict[str, Any]:
        body = activity_body(activity)
        activity_id = str(body["activity_id"])
        number = activity.latest_version
        published = activity.published_version(number) if number else None
        content = version_body(activity, published) if published else body["draft"]
        resource = {**to_questionnaire(content, questionnaire_url(activity_id)), "id": activity_id}
        if body.get("archived"):
            resource["status"] = "retired"
        return resource

    @rpc
    def questionnaire_response(self, assignment: dict[str, Any]) -> dict[str, Any]:
        """A submitted assignment (as the assignments service gives it) as a FHIR R4 QuestionnaireResponse."""
        return self.questionnaire_responses([assignment])[0]

    @rpc
    def questionnaire_responses(self, assignments: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Submitted assignments as QuestionnaireResponses, each nested and named as its version's Questionnaire."""
        versions: dict[tuple[str, int], dict[str, Any] | None] = {}
        responses = []
        for assignment in assignments:
            key = (str(assignment["activity_id"]), int(assignment["activity_version"]))
            if key not in versions:
                versions[key] = self._version_if_any(assignment.get("clinic_id"), *key)
            url = questionnaire_url(key[0])
            responses.append(to_questionnaire_response(assignment, url, versions[key]))
        return responses

    def _version_if_any(self, clinic_id: str | None, activity_id: str, version: int) -> dict[str, Any] | None:
        """The version an assignment answered; None when it cannot be read (the assignment's snapshot serves)."""
        if clinic_id is None:
            return None
        try:
            return self._version(clinic_id, activity_id, version)
        except NotFound:
            return None

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
            "activity": shared(ActivityDraftSchema).dump(entry["activity"]),
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
        return self._version(clinic_id, activity_id, version)

    def _version(self, clinic_id: str, activity_id: str, version: int | None) -> dict[str, Any]:
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
        # The relay checks each envelope before it publishes it; read_log's readers (the reporting rebuild, its
        # lag probe) load each with load_event, the same check, or only count them.
        envelopes, last = log_page(self.app, to_envelope, int(after), min(int(limit), MAX_LOG_PAGE), validate=False)
        # newest_position: how far the log goes, for a progress bar (a caller that predates it ignores it).
        newest = self.app.recorder.max_notification_id() or 0
        return {"events": envelopes, "last_position": last, "newest_position": max(newest, last)}


def _library_entry(slug: str) -> dict[str, Any]:
    try:
        return library.entry(slug)
    except library.UnknownEntry:
        raise NotFound("No such library entry.", {"slug": [f"The library has no entry {slug!r}."]}) from None
