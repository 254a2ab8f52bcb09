"""From domain objects to contracts: envelopes for the bus, bodies for RPC."""

from typing import Any

from eventsourcing.domain import DomainEventProtocol

from interlude_contracts.activity import ActivitySchema, ActivityVersionSchema
from interlude_contracts.envelope import envelope_of
from interlude_contracts.events import ACTIVITY_PUBLISHED, ActivityPublishedV1
from interlude_contracts.schemas import shared
from interlude_runtime.eventstore import decorated_event

from .domain import Activity

SOURCE = "activities"


PUBLISHED = decorated_event(Activity, "Published")


def to_envelope(domain_event: DomainEventProtocol, position: int) -> dict[str, Any] | None:
    """The bus envelope of a stored event, or None for events kept private."""
    if not isinstance(domain_event, PUBLISHED):
        return None
    return envelope_of(
        domain_event,
        source=SOURCE,
        event_type=ACTIVITY_PUBLISHED,
        position=position,
        payload=_published_payload(domain_event),
    )


def _published_payload(event: Any) -> dict[str, Any]:
    """The event's attributes are the arguments of ``Activity._published``, which the checker cannot see."""
    content = event.content
    return shared(ActivityPublishedV1).dump(
        {
            "activity_id": event.originator_id,
            "version": event.version,
            "title": content["title"],
            "instructions": content["instructions"],
            "items": content["items"],
            "measure": content.get("measure"),
            "published_by": event.published_by,
        }
    )


def activity_body(activity: Activity) -> dict[str, Any]:
    return shared(ActivitySchema).dump(
        {
            "activity_id": activity.id,
            "clinic_id": activity.clinic_id,
            "created_by": activity.created_by,
            "created_at": activity.created_on,
            "updated_at": activity.modified_on,
            "draft": activity.draft,
            "versions": [version["version"] for version in activity.versions],
            "latest_version": activity.latest_version,
            "archived": getattr(activity, "archived", False),
            "origin": getattr(activity, "origin", None),
        }
    )


def version_body(activity: Activity, version: dict[str, Any]) -> dict[str, Any]:
    return shared(ActivityVersionSchema).dump(
        {
            **version,
            "activity_id": activity.id,
            "clinic_id": activity.clinic_id,
            "archived": getattr(activity, "archived", False),
        }
    )


def version_summary(version: dict[str, Any]) -> dict[str, Any]:
    """One line of an activity's version history."""
    return {
        "version": version["version"],
        "title": version["title"],
        "measure": version.get("measure"),
        "published_at": version["published_at"].isoformat(),
        "published_by": version["published_by"],
    }
