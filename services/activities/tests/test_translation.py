"""Stored events to bus envelopes: only published versions leave the service."""

from copy import deepcopy
from typing import Any

import pytest

from interlude_activities.application import ActivitiesApplication
from interlude_activities.domain import Activity, ClinicActivities
from interlude_activities.translation import SOURCE, to_envelope
from interlude_contracts.events import ACTIVITY_PUBLISHED, load_event
from interlude_runtime.outbox import log_page


def edited(draft: dict[str, Any], title: str) -> dict[str, Any]:
    copy = deepcopy(draft)
    copy["title"] = title
    return copy


def activity_events(draft: dict[str, Any]) -> list[Any]:
    """Every event an activity and its index record: created, edited, published twice."""
    activity = Activity(clinic_id="clinic-a", created_by="therapist-1", draft=draft, correlation_id="corr-create")
    activity.edit_draft(draft=edited(draft, "Edited"), edited_by="therapist-1", correlation_id="corr-edit")
    activity.publish(published_by="therapist-2", correlation_id="corr-publish-1")
    activity.edit_draft(draft=edited(draft, "Edited again"), edited_by="therapist-1", correlation_id="corr-edit-2")
    activity.publish(published_by="therapist-2", correlation_id="corr-publish-2")
    index = ClinicActivities(clinic_id="clinic-a")
    index.add(activity.id)
    return [*activity.collect_events(), *index.collect_events()]


def test_only_published_versions_produce_envelopes(draft: dict[str, Any]) -> None:
    events = activity_events(draft)

    translated = {type(event).__qualname__: to_envelope(event, 1) is not None for event in events}

    assert translated == {
        "Activity.Created": False,
        "Activity.DraftEdited": False,
        "Activity.Published": True,
        "ClinicActivities.Started": False,
        "ClinicActivities.ActivityAdded": False,
    }


def test_published_envelope_satisfies_the_contract(draft: dict[str, Any]) -> None:
    published = [event for event in activity_events(draft) if isinstance(event, Activity.Published)]

    first = load_event(to_envelope(published[0], 41))
    second = load_event(to_envelope(published[1], 57))

    assert first.event_type == ACTIVITY_PUBLISHED
    assert first.schema_version == 1
    assert (first.clinic_id, first.correlation_id, first.source, first.position) == (
        "clinic-a",
        "corr-publish-1",
        SOURCE,
        41,
    )
    assert first.occurred_at.tzinfo is not None
    assert first.payload["activity_id"] == published[0].originator_id
    assert (first.payload["version"], first.payload["title"]) == (1, "Edited")
    assert first.payload["items"] == draft["items"]
    assert first.payload["published_by"] == "therapist-2"
    assert (second.correlation_id, second.position) == ("corr-publish-2", 57)
    assert (second.payload["version"], second.payload["title"]) == (2, "Edited again")


def test_event_id_is_deterministic_per_stored_event(draft: dict[str, Any]) -> None:
    first, second = [event for event in activity_events(draft) if isinstance(event, Activity.Published)]

    assert to_envelope(first, 1)["event_id"] == to_envelope(first, 1)["event_id"]
    # The id belongs to the stored event, not to where the relay found it.
    assert to_envelope(first, 1)["event_id"] == to_envelope(first, 99)["event_id"]
    assert to_envelope(first, 1)["event_id"] != to_envelope(second, 1)["event_id"]


def test_event_id_survives_a_round_trip_through_the_store(
    memory_app: ActivitiesApplication, draft: dict[str, Any]
) -> None:
    activity = Activity(clinic_id="clinic-a", created_by="therapist-1", draft=draft, correlation_id="corr-create")
    activity.publish(published_by="therapist-1", correlation_id="corr-publish")
    [in_memory] = [event for event in activity.pending_events if isinstance(event, Activity.Published)]
    memory_app.save(activity)

    [envelope], _ = log_page(memory_app, to_envelope, 0, 100)

    assert envelope["event_id"] == to_envelope(in_memory, envelope["position"])["event_id"]
    assert envelope == to_envelope(in_memory, envelope["position"])


def test_log_page_returns_envelopes_after_a_position(memory_app: ActivitiesApplication, draft: dict[str, Any]) -> None:
    first = memory_app.create("clinic-a", "therapist-1", draft, "corr-1")
    memory_app.publish("clinic-a", first.id, "therapist-1", "corr-2")
    second = memory_app.create("clinic-b", "therapist-9", edited(draft, "Other"), "corr-3")
    memory_app.publish("clinic-b", second.id, "therapist-9", "corr-4")
    memory_app.edit("clinic-a", first.id, edited(draft, "Revised"), "therapist-1", "corr-5")
    memory_app.publish("clinic-a", first.id, "therapist-1", "corr-6")
    newest = memory_app.recorder.max_notification_id()

    everything, last = log_page(memory_app, to_envelope, 0, 100)
    assert last == newest
    assert [(e["clinic_id"], e["payload"]["version"]) for e in everything] == [
        ("clinic-a", 1),
        ("clinic-b", 1),
        ("clinic-a", 2),
    ]
    positions = [envelope["position"] for envelope in everything]
    assert positions == sorted(positions)
    for envelope in everything:
        load_event(envelope)

    after_first, last = log_page(memory_app, to_envelope, positions[0], 100)
    assert [envelope["position"] for envelope in after_first] == positions[1:]
    assert last == newest

    nothing_new, last = log_page(memory_app, to_envelope, newest, 100)
    assert (nothing_new, last) == ([], newest)


def test_log_page_advances_past_private_events(memory_app: ActivitiesApplication, draft: dict[str, Any]) -> None:
    memory_app.create("clinic-a", "therapist-1", draft, "corr-1")

    # Created, Started and ActivityAdded: three notifications, none published.
    envelopes, last = log_page(memory_app, to_envelope, 0, 2)

    assert (envelopes, last) == ([], 2)


def test_log_page_of_an_empty_log(memory_app: ActivitiesApplication) -> None:
    assert log_page(memory_app, to_envelope, 0, 100) == ([], 0)


@pytest.mark.parametrize("limit", [1, 2])
def test_log_page_reads_at_most_limit_notifications(
    memory_app: ActivitiesApplication, draft: dict[str, Any], limit: int
) -> None:
    activity = memory_app.create("clinic-a", "therapist-1", draft, "corr-1")
    memory_app.publish("clinic-a", activity.id, "therapist-1", "corr-2")
    published_at = memory_app.recorder.max_notification_id()

    envelopes, last = log_page(memory_app, to_envelope, published_at - limit, limit)

    assert last == published_at
    assert [envelope["position"] for envelope in envelopes] == [published_at]
