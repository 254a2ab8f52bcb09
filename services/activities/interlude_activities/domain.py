"""Activity aggregates. Pure domain: no nameko, no storage."""

from copy import deepcopy
from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


class NothingToPublish(Exception):
    """The draft is identical to the latest published version."""


class Activity(Aggregate):
    """A therapist's activity: an editable draft and immutable published versions."""

    @event("Created")
    def __init__(self, clinic_id: str, created_by: str, draft: dict[str, Any], correlation_id: str) -> None:
        self.clinic_id = clinic_id
        self.created_by = created_by
        self.draft = draft
        self.versions: list[dict[str, Any]] = []
        self.archived = False
        self.origin: dict[str, Any] | None = None

    @event("CopiedFromLibrary")
    def note_origin(self, origin: dict[str, Any], correlation_id: str) -> None:
        self.origin = origin

    @event("Archived")
    def archive(self, archived_by: str, correlation_id: str) -> None:
        """Hidden from new assignments; its versions stay readable for the responses that point to them."""
        self.archived = True

    @event("Restored")
    def restore(self, restored_by: str, correlation_id: str) -> None:
        self.archived = False

    @event("DraftEdited")
    def edit_draft(self, draft: dict[str, Any], edited_by: str, correlation_id: str) -> None:
        self.draft = draft

    def publish(self, published_by: str, correlation_id: str) -> int:
        """Freeze the draft as the next version; returns its number."""
        if self.versions and _content(self.versions[-1]) == self.draft:
            raise NothingToPublish("The draft has not changed since the latest version.")
        self._published(
            clinic_id=self.clinic_id,
            version=len(self.versions) + 1,
            content=deepcopy(self.draft),
            published_at=datetime.now(UTC),
            published_by=published_by,
            correlation_id=correlation_id,
        )
        return len(self.versions)

    @event("Published")
    def _published(
        self,
        clinic_id: str,
        version: int,
        content: dict[str, Any],
        published_at: datetime,
        published_by: str,
        correlation_id: str,
    ) -> None:
        published = {"version": version, "published_by": published_by, "published_at": published_at}
        self.versions.append({**content, **published})

    def published_version(self, number: int) -> dict[str, Any] | None:
        if 1 <= number <= len(self.versions):
            return self.versions[number - 1]
        return None

    @property
    def latest_version(self) -> int | None:
        return len(self.versions) or None


def _content(version: dict[str, Any]) -> dict[str, Any]:
    return {key: version[key] for key in version if key not in ("version", "published_by", "published_at")}


class ClinicActivities(Aggregate):
    """The index of one clinic's activities, so a clinic can list its own."""

    @staticmethod
    def create_id(clinic_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"interlude:clinic-activities:{clinic_id}")

    @event("Started")
    def __init__(self, clinic_id: str) -> None:
        self.clinic_id = clinic_id
        self.activity_ids: list[UUID] = []

    @event("ActivityAdded")
    def add(self, activity_id: UUID) -> None:
        self.activity_ids.append(activity_id)
