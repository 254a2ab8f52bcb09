"""Each process's own RabbitMQ user, on the real broker: it publishes only its own events, reads only its own queues.

With one shared user anyone who reached the broker could publish a valid ``RiskFlagAcknowledged`` and reporting
showed the flag acknowledged by "forged-actor" while the assignment log disagreed (issue 15). The users are
created exactly as ``make run`` creates them (scripts/bus_users.py, from deploy/processes.yaml), on this test's
own virtual host; the broker itself must refuse.
"""

import sys
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from amqp.exceptions import AccessRefused
from kombu import Connection, Producer

from interlude_contracts.topology import (
    EVENTS_EXCHANGE,
    SUBSCRIPTIONS,
    declare_subscription,
    routing_key,
    subscriber_queue,
)
from interlude_runtime.relay import Batch, Relay

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from support import declare, drain, queue_depth, wait_until

pytestmark = [pytest.mark.rabbitmq]

FORGED_KEY = routing_key("assignments", "RiskFlagAcknowledged")


@pytest.fixture(scope="module")
def broker(rabbit_vhost: Callable[[], str], bus_users: Any) -> tuple[str, dict[str, str]]:
    """(the administrator's URI, each process's own URI) on a fresh virtual host with every queue declared."""
    if bus_users is None:
        pytest.skip("needs rabbitmqctl to create the processes' users")
    admin = rabbit_vhost()
    uris = bus_users.grant(admin)
    declare(admin)
    return admin, uris


def forged_acknowledgement() -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": "RiskFlagAcknowledged",
        "correlation_id": "forged",
        "payload": {"assignment_id": str(uuid.uuid4()), "acknowledged_by": "forged-actor"},
    }


def publish(uri: str, key: str) -> None:
    with Connection(uri, transport_options={"confirm_publish": True}) as connection:
        Producer(connection.default_channel).publish(
            forged_acknowledgement(), exchange=EVENTS_EXCHANGE, routing_key=key, serializer="json", delivery_mode=2
        )


@pytest.mark.parametrize("process", ["gateway", "reporting", "notifications", "identity", "activities-relay"])
def test_only_the_assignments_relay_may_publish_a_risk_flag_acknowledgement(
    broker: tuple[str, dict[str, str]], process: str
) -> None:
    admin, uris = broker
    drain(admin, "reporting.events")
    with pytest.raises(AccessRefused):
        publish(uris[process], FORGED_KEY)
    assert drain(admin, "reporting.events") == []


def test_a_relay_may_publish_only_its_own_sources_events(broker: tuple[str, dict[str, str]]) -> None:
    admin, uris = broker
    drain(admin, "reporting.events")
    with pytest.raises(AccessRefused):
        publish(uris["notifications-relay"], FORGED_KEY)
    publish(uris["assignments-relay"], FORGED_KEY)
    assert [body["event_type"] for body in drain(admin, "reporting.events")] == ["RiskFlagAcknowledged"]


@pytest.mark.parametrize(
    ("process", "queue"),
    [
        ("reporting", "notifications.events"),
        ("gateway", "reporting.events"),
        ("identity", "assignments.events"),
        ("assignments-relay", "reporting.events"),
        ("notifications", "reporting.events.dead-letter"),
        ("gateway", "rpc-assignments"),
        ("reporting", "rpc-identity"),
    ],
)
def test_a_process_cannot_read_another_process_queue(
    broker: tuple[str, dict[str, str]], process: str, queue: str
) -> None:
    _, uris = broker
    with Connection(uris[process]) as connection, pytest.raises(AccessRefused):
        connection.default_channel.basic_get(queue)


def test_a_consumer_cannot_bind_its_queue_to_events_it_does_not_subscribe_to(
    broker: tuple[str, dict[str, str]],
) -> None:
    """identity subscribes to ResponseSubmitted only: it may not route risk flags (client data) into its queue."""
    _, uris = broker
    assert "assignments.RiskFlagRaised" not in SUBSCRIPTIONS["identity.events"]
    with Connection(uris["identity"]) as connection, pytest.raises(AccessRefused):
        queue = subscriber_queue("identity.events")(connection.default_channel)
        queue.bind_to(EVENTS_EXCHANGE, routing_key="assignments.RiskFlagRaised")


def test_each_process_may_do_its_own_part(broker: tuple[str, dict[str, str]]) -> None:
    """The positive control: a consumer reads its own queue and declares it as its entrypoint does."""
    admin, uris = broker
    with Connection(uris["reporting"]) as connection:
        channel = connection.default_channel
        subscriber_queue("reporting.events")(channel).declare()
        channel.basic_get("reporting.events")
    publish(uris["activities-relay"], routing_key("activities", "ActivityPublished"))
    assert len(drain(admin, "reporting.events")) == 1


class OneStoredEvent:
    """A relay source holding one event (the relay's contract: ``interlude_runtime.relay.RelaySource``)."""

    def __init__(self, envelope: dict[str, Any]) -> None:
        self.envelope = envelope
        self.published = 0

    def position(self) -> int:
        return self.published

    def read(self, limit: int) -> Batch:
        if self.published:
            return Batch([], read=0, up_to=1)
        return Batch([self.envelope], read=1, up_to=1)

    def record_published(self, batch: Batch) -> None:
        self.published = batch.up_to

    def backlog(self) -> int:
        return 1 - self.published


def test_a_relay_waits_until_its_subscribers_declared_their_queues(
    rabbit_vhost: Callable[[], str], bus_users: Any
) -> None:
    """A relay may not declare its subscribers' queues any more: it must not publish into the void before them."""
    if bus_users is None:
        pytest.skip("needs rabbitmqctl to create the processes' users")
    admin = rabbit_vhost()
    uris = bus_users.grant(admin)
    source = OneStoredEvent(forged_acknowledgement() | {"event_type": "ActivityPublished"})
    relay = Relay(source, "activities", uris["activities-relay"], poll_interval=0.05)
    runner = threading.Thread(target=relay.run, daemon=True)
    runner.start()
    try:
        wait_until(lambda: relay.waiting_for == ["reporting.events"], what="the relay to wait")
        assert source.published == 0
        with Connection(uris["reporting"]) as connection:
            declare_subscription(connection.default_channel, "reporting.events")
        wait_until(lambda: source.published == 1, what="the relay to publish")
        assert [body["event_type"] for body in drain(admin, "reporting.events")] == ["ActivityPublished"]
    finally:
        relay.stop()
        runner.join(timeout=10)


@pytest.mark.parametrize(
    "body", [b'{"args": [], "kwargs": {}}', b'{"no": "args"}'], ids=["well-formed", "answered with an error"]
)
def test_a_reply_the_broker_refuses_does_not_take_the_service_down(
    rabbit_vhost: Callable[[], str], bus_users: Any, container_factory: Any, monkeypatch: Any, body: bytes
) -> None:
    """A caller's request whose reply_to is no reply routing key: the service's answer is refused, it stays up."""
    if bus_users is None:
        pytest.skip("needs rabbitmqctl to create the processes' users")
    from nameko.standalone.rpc import ClusterRpcProxy

    from interlude_activities.service import ActivitiesService

    monkeypatch.setenv("DATABASE_URL", "memory://")
    admin = rabbit_vhost()
    uris = bus_users.grant(admin)
    service = container_factory(ActivitiesService, {"AMQP_URI": uris["activities"]})
    service.start()
    with Connection(uris["gateway"], transport_options={"confirm_publish": True}) as connection:
        channel = connection.default_channel
        properties = {"reply_to": "rpc-identity", "correlation_id": "refused-reply"}
        message = channel.prepare_message(body, content_type="application/json", properties=properties)
        channel.basic_publish(message, exchange="nameko-rpc", routing_key="activities.health")
    with ClusterRpcProxy({"AMQP_URI": uris["reporting"]}, timeout=20) as cluster:
        assert cluster.activities.read_log(0, 1)["events"] == []
    assert not service._died.ready(), "the service died of a refused reply"
    wait_until(lambda: queue_depth(admin, "rpc-activities.dead-letter") == 1, what="the request kept as a poison")
