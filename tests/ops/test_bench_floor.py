"""The floor bench (scripts/bench_floor.py) sends what Interlude sends: events the contract accepts, received by
as many queues as Interlude's own. A floor that sent less would flatter the plumbing."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import bench_floor  # noqa: E402

from interlude_contracts.events import load_event  # noqa: E402
from interlude_contracts.topology import SUBSCRIPTIONS, routing_key, subscribers_of  # noqa: E402


def envelopes_of(aggregate: bench_floor.Answerable) -> list[dict]:
    translated = (bench_floor.to_envelope(event, 7) for event in aggregate.collect_events())
    return [envelope for envelope in translated if envelope is not None]


def queues_receiving(envelope: dict) -> set[str]:
    key = routing_key(envelope["source"], envelope["event_type"])
    return {queue for queue, keys in SUBSCRIPTIONS.items() if key in keys}


def test_a_floor_submission_is_a_valid_response_submitted_that_every_subscriber_of_one_receives() -> None:
    aggregate = bench_floor.Answerable("client-001")
    aggregate.collect_events()
    aggregate.answer({"mood": 6})
    [envelope] = envelopes_of(aggregate)
    assert load_event(envelope).event_type == "ResponseSubmitted"
    assert queues_receiving(envelope) == {
        "reporting.events",
        "notifications.events",
        "identity.events",
        "assignments.events",
    }


def test_a_floor_creation_is_a_valid_activity_assigned_received_where_interludes_is() -> None:
    aggregate = bench_floor.Answerable("client-001")
    aggregate.assign("therapist-floor")
    [envelope] = envelopes_of(aggregate)
    assert load_event(envelope).event_type == "ActivityAssigned"
    assert queues_receiving(envelope) == {"reporting.events", "notifications.events"}


def test_the_floor_consumes_every_queue_subscribed_to_its_source() -> None:
    """The relay publishes only once every subscriber's queue is declared; each is read, as in Interlude."""
    assert set(bench_floor.CONSUMERS) == set(subscribers_of(bench_floor.SOURCE))
