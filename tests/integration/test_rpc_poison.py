"""A malformed RPC request must not take a service down, nor stay on its queue forever.

Each kind of poison is published straight onto ``rpc-activities`` (as anything
with access to the broker could); the service must dead-letter it with its
reason, count it, log it once without a traceback, and keep answering.
"""

import logging
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection, Exchange, Queue
from nameko.exceptions import IncorrectSignature
from prometheus_client import REGISTRY

from interlude_activities.service import ActivitiesService
from interlude_contracts.topology import DEAD_LETTER_EXCHANGE, dead_letter_queue, dead_letter_queue_name, rpc_queue
from interlude_runtime.rpc_proxy import cluster_rpc_proxy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from support import drain, queue_depth, wait_until

pytestmark = pytest.mark.rabbitmq

SERVICE = "activities"
RPC_QUEUE = f"rpc-{SERVICE}"
RPC_EXCHANGE = Exchange("nameko-rpc", type="topic", durable=True)
DEFAULT_EXCHANGE = ""
REASON_HEADER = "x-interlude-dead-letter-reason"
VALID_BODY = b'{"args": [], "kwargs": {}}'


@dataclass(frozen=True)
class Poison:
    reason: str
    body: bytes
    content_type: str | None = "application/json"
    routing_key: str = f"{SERVICE}.health"
    exchange: str = RPC_EXCHANGE.name
    reply_to: bool = True
    correlation_id: bool = True
    answered_with: str | None = None  # the error the caller still gets, when it can be answered
    extra: dict[str, Any] = field(default_factory=dict)


POISONS = {
    "no reply_to": Poison("no-reply-to", VALID_BODY, reply_to=False),
    # What anyone with the management UI does: a JSON message published to the queue itself.
    "no reply_to, straight onto the queue": Poison(
        "no-reply-to", VALID_BODY, exchange=DEFAULT_EXCHANGE, routing_key=RPC_QUEUE, reply_to=False
    ),
    "no correlation id": Poison("no-correlation-id", VALID_BODY, correlation_id=False),
    "not JSON": Poison("undecodable", b"{not json"),
    "not UTF-8": Poison("undecodable", b"\xff\xfe{}"),
    "text/plain": Poison("content-type", b"hello", content_type="text/plain"),
    "pickle": Poison("content-type", b"\x80\x04K\x01.", content_type="application/x-python-serialize"),
    "no content type": Poison("content-type", VALID_BODY, content_type=None),
    "JSON but not an object": Poison("malformed", b"[1, 2]", answered_with="MalformedRequest"),
    "missing args": Poison("malformed", b'{"kwargs": {}}', answered_with="MalformedRequest"),
    "args not a list": Poison("malformed", b'{"args": 5, "kwargs": {}}', answered_with="MalformedRequest"),
    "unknown method": Poison(
        "unknown-method", VALID_BODY, routing_key=f"{SERVICE}.no_such_method", answered_with="MethodNotFound"
    ),
}


def dead_lettered(reason: str) -> float:
    labels = {"service": SERVICE, "reason": reason}
    return REGISTRY.get_sample_value("interlude_rpc_messages_dead_lettered_total", labels) or 0.0


@pytest.fixture
def reply_queue(amqp_uri: str) -> Iterator[str]:
    """A queue of the test's own, where replies to the poison (when it can have any) arrive."""
    name = f"poison-replies-{uuid.uuid4().hex[:8]}"
    with Connection(amqp_uri) as connection:
        Queue(name, exchange=RPC_EXCHANGE, routing_key=name, auto_delete=False)(connection.default_channel).declare()
    yield name
    with Connection(amqp_uri) as connection:
        Queue(name)(connection.default_channel).delete()


@pytest.fixture
def activities(container_factory, amqp_uri: str, monkeypatch) -> Any:
    monkeypatch.setenv("DATABASE_URL", "memory://")
    with Connection(amqp_uri) as connection:
        # As the service declares it, so that poison published before it starts is queued.
        rpc_queue(SERVICE, RPC_EXCHANGE)(connection.default_channel).declare()
        dead_letter_queue(RPC_QUEUE)(connection.default_channel).declare()
    # Every test shares the session's virtual host: start from empty queues.
    drain(amqp_uri, RPC_QUEUE)
    drain(amqp_uri, dead_letter_queue_name(RPC_QUEUE))
    container = container_factory(ActivitiesService, {"AMQP_URI": amqp_uri})
    container.start()
    return container


def publish_poison(amqp_uri: str, poison: Poison, reply_to: str) -> None:
    properties: dict[str, Any] = {}
    if poison.reply_to:
        properties["reply_to"] = reply_to
    if poison.correlation_id:
        properties["correlation_id"] = "poison-1"
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.default_channel
        message = channel.prepare_message(
            poison.body, content_type=poison.content_type, content_encoding="utf-8", properties=properties
        )
        channel.basic_publish(message, exchange=poison.exchange, routing_key=poison.routing_key)


def take_one(amqp_uri: str, queue_name: str) -> Any:
    with Connection(amqp_uri) as connection:
        message = Queue(queue_name)(connection.default_channel).get(no_ack=True)
        assert message is not None, f"nothing in {queue_name}"
        return message


@pytest.mark.parametrize("poison", POISONS.values(), ids=POISONS.keys())
def test_a_poison_rpc_message_is_dead_lettered_and_the_service_keeps_answering(
    activities: Any, amqp_uri: str, reply_queue: str, poison: Poison, caplog
) -> None:
    caplog.set_level(logging.WARNING)
    counted_before = dead_lettered(poison.reason)

    publish_poison(amqp_uri, poison, reply_queue)

    with cluster_rpc_proxy({"AMQP_URI": amqp_uri}, timeout=10) as cluster:
        assert cluster.activities.health() == {"service": SERVICE, "status": "ok"}
    dead_letters = dead_letter_queue_name(RPC_QUEUE)
    wait_until(lambda: queue_depth(amqp_uri, dead_letters) == 1, timeout=10, what="the poison to be dead-lettered")
    assert not activities._died.ready(), "the service died of a poison message"
    assert queue_depth(amqp_uri, RPC_QUEUE) == 0
    assert dead_lettered(poison.reason) == counted_before + 1

    dead = take_one(amqp_uri, dead_letters)
    assert dead.headers[REASON_HEADER] == poison.reason
    # py-amqp hands over a body it could decode with its content encoding as text.
    assert (dead.body.encode() if isinstance(dead.body, str) else dead.body) == poison.body
    assert dead.delivery_info["exchange"] == DEAD_LETTER_EXCHANGE.name

    if poison.answered_with:
        reply = take_one(amqp_uri, reply_queue).decode()
        assert reply["error"]["exc_type"] == poison.answered_with
        assert reply["result"] is None
    else:
        assert queue_depth(amqp_uri, reply_queue) == 0

    reports = [record for record in caplog.records if "dead-letter" in record.getMessage()]
    assert len(reports) == 1, [record.getMessage() for record in reports]
    assert reports[0].exc_info is None
    assert not [record for record in caplog.records if record.exc_info], "a traceback was logged"


def test_bad_arguments_still_get_their_error_reply_and_are_not_dead_lettered(activities: Any, amqp_uri: str) -> None:
    with cluster_rpc_proxy({"AMQP_URI": amqp_uri}, timeout=10) as cluster:
        with pytest.raises(IncorrectSignature):
            cluster.activities.health("unexpected")
        assert cluster.activities.health() == {"service": SERVICE, "status": "ok"}
    assert queue_depth(amqp_uri, dead_letter_queue_name(RPC_QUEUE)) == 0
    assert not activities._died.ready()
