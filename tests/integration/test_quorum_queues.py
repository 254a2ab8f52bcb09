"""Every durable queue is a quorum queue, dead-lettering kept, and an earlier version's classic queues migrate.

On the real RabbitMQ, each test in a virtual host of its own.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from kombu import Connection, Exchange, Producer, Queue, binding

from interlude_contracts.topology import (
    DEAD_LETTER_EXCHANGE,
    DELIVERY_LIMIT,
    EVENTS_EXCHANGE,
    SUBSCRIPTIONS,
    dead_letter_queue,
    dead_letter_queue_name,
    rpc_queue,
)
from interlude_runtime.queues import declared_queues, holding_queue_name, migrate_queues

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from support import drain, queue_depth, queues_on_broker

pytestmark = pytest.mark.rabbitmq

RPC_EXCHANGE = Exchange("nameko-rpc", type="topic", durable=True)
BIN = Path(sys.executable).parent


def test_the_topology_declares_every_durable_queue_as_a_quorum_queue(rabbit_vhost) -> None:
    amqp_uri = rabbit_vhost()

    migrate_queues(amqp_uri)

    on_broker = queues_on_broker(amqp_uri)
    assert set(on_broker) == {queue.name for queue in declared_queues()}
    assert {name: (queue["type"], queue["durable"]) for name, queue in on_broker.items()} == {
        name: ("quorum", True) for name in on_broker
    }


def test_a_request_whose_consumers_keep_dying_is_dead_lettered_by_the_broker(rabbit_vhost) -> None:
    """What the service cannot dead-letter itself: it dies holding the request, each time it takes it."""
    amqp_uri = rabbit_vhost()
    queue = rpc_queue("activities", RPC_EXCHANGE)
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        DEAD_LETTER_EXCHANGE(connection.default_channel).declare()
        dead_letter_queue(queue.name)(connection.default_channel).declare()
        queue(connection.default_channel).declare()
        Producer(connection.default_channel).publish(
            {"args": [], "kwargs": {}}, exchange=RPC_EXCHANGE, routing_key="activities.health", reply_to="nobody"
        )
    for _ in range(DELIVERY_LIMIT + 1):
        # A consumer that took the request and died: its channel closes with the request unacknowledged.
        with Connection(amqp_uri) as connection:
            assert Queue(queue.name)(connection.channel()).get(no_ack=False) is not None

    assert queue_depth(amqp_uri, queue.name) == 0
    with Connection(amqp_uri) as connection:
        dead = Queue(dead_letter_queue_name(queue.name))(connection.default_channel).get(no_ack=True)
    assert dead is not None
    assert dead.headers["x-first-death-reason"] == "delivery_limit"
    assert dead.payload == {"args": [], "kwargs": {}}


def declare_as_the_previous_release(amqp_uri: str) -> None:
    """The classic queues of the release before quorum queues, as it declared them, holding messages."""
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.default_channel
        EVENTS_EXCHANGE(channel).declare()
        DEAD_LETTER_EXCHANGE(channel).declare()
        Queue("rpc-activities", exchange=RPC_EXCHANGE, routing_key="activities.*", durable=True)(channel).declare()
        for name, keys in SUBSCRIPTIONS.items():
            Queue(
                name,
                bindings=[binding(EVENTS_EXCHANGE, routing_key=key) for key in keys],
                durable=True,
                queue_arguments={
                    "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE.name,
                    "x-dead-letter-routing-key": name,
                },
            )(channel).declare()
            Queue(dead_letter_queue_name(name), exchange=DEAD_LETTER_EXCHANGE, routing_key=name, durable=True)(
                channel
            ).declare()
        producer = Producer(channel)
        for number in range(3):
            producer.publish({"number": number}, exchange=EVENTS_EXCHANGE, routing_key="assignments.ResponseSubmitted")
        producer.publish({"kept": "dead letter"}, exchange=DEAD_LETTER_EXCHANGE, routing_key="reporting.events")


def test_an_earlier_versions_classic_queues_become_quorum_queues_keeping_their_messages_in_order(
    rabbit_vhost,
) -> None:
    amqp_uri = rabbit_vhost()
    declare_as_the_previous_release(amqp_uri)

    subprocess.run([str(BIN / "interlude-migrate-queues"), "--amqp-uri", amqp_uri], check=True, timeout=120)

    on_broker = queues_on_broker(amqp_uri)
    assert {name: queue["type"] for name, queue in on_broker.items()} == {
        queue.name: "quorum" for queue in declared_queues()
    }
    for name in SUBSCRIPTIONS:
        assert drain(amqp_uri, name) == [{"number": 0}, {"number": 1}, {"number": 2}], name
    assert drain(amqp_uri, "reporting.events.dead-letter") == [{"kept": "dead letter"}]
    # The bindings came back with the queues: a new event reaches every subscriber.
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        Producer(connection.default_channel).publish(
            {"after": True}, exchange=EVENTS_EXCHANGE, routing_key="assignments.ResponseSubmitted"
        )
    for name in SUBSCRIPTIONS:
        assert drain(amqp_uri, name) == [{"after": True}], name


def test_a_queue_still_consumed_is_left_alone_and_the_migration_says_why(rabbit_vhost) -> None:
    amqp_uri = rabbit_vhost()
    declare_as_the_previous_release(amqp_uri)
    with Connection(amqp_uri) as old_service:
        consumer = old_service.Consumer(Queue("reporting.events", no_declare=True), callbacks=[])
        consumer.consume()

        migration = subprocess.run(
            [str(BIN / "interlude-migrate-queues"), "--amqp-uri", amqp_uri], capture_output=True, text=True, timeout=120
        )

        assert migration.returncode != 0
        assert "reporting.events has 1 consumer(s)" in migration.stderr
        assert queues_on_broker(amqp_uri)["reporting.events"]["type"] == "classic"
    # The old consumer held them unacknowledged; gone, it gives them back to the untouched queue.
    assert [body["number"] for body in drain(amqp_uri, "reporting.events")] == [0, 1, 2]


def test_a_migration_interrupted_after_the_move_is_finished_by_the_next_run(rabbit_vhost) -> None:
    amqp_uri = rabbit_vhost()
    migrate_queues(amqp_uri)
    # As if a run had died between the holding queue and the new queue: the messages wait in the holding queue.
    holding = holding_queue_name("identity.events")
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        Queue(holding, durable=True, queue_arguments={"x-queue-type": "quorum"})(connection.default_channel).declare()
        Producer(connection.default_channel).publish({"waiting": 1}, exchange="", routing_key=holding)

    migrate_queues(amqp_uri)

    assert holding not in queues_on_broker(amqp_uri)
    assert drain(amqp_uri, "identity.events") == [{"waiting": 1}]
