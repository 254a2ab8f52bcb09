"""``interlude-migrate-queues``: bring a vhost's queues to the declarations in ``interlude_contracts.topology``.

RabbitMQ cannot change an existing queue's type or arguments: a process
declaring ``rpc-activities`` as a quorum queue where a classic one exists is
refused (``PRECONDITION_FAILED``) and exits. For each queue Interlude declares,
this declares it; where an older declaration is in the way (the classic queues
of releases before quorum queues), it moves the queue's messages into a holding
quorum queue ``<name>.migrating``, deletes the old queue (only once empty),
declares the new one with its bindings and moves the messages back, in order,
each one acknowledged only after the broker confirmed its copy. A run that
stops half-way is finished by the next run.

Run it with every Interlude process on the vhost stopped: it refuses a queue
that has consumers, and a relay publishing while a queue is being replaced
would lose what it publishes (docs/operations.md, "Quorum queues").
"""

import argparse
import logging
import os
import sys
from typing import Any

from amqp import Message
from amqp.exceptions import NotFound, PreconditionFailed
from kombu import Connection, Queue
from nameko.rpc import get_rpc_exchange

from interlude_contracts.topology import (
    DEAD_LETTER_EXCHANGE,
    EVENTS_EXCHANGE,
    all_queues,
    durable_queue,
    rpc_queues,
)

log = logging.getLogger(__name__)

HOLDING_SUFFIX = ".migrating"
# Set by the quorum queue a message was delivered from; the new queue counts its own deliveries.
DELIVERY_COUNT_HEADER = "x-delivery-count"


class QueueInUse(RuntimeError):
    pass


def declared_queues(config: dict[str, Any] | None = None) -> list[Queue]:
    """Every durable queue Interlude's processes declare (with nameko ``config``, for its RPC exchange)."""
    return all_queues() + rpc_queues(get_rpc_exchange(config or {}))


def migrate_queues(amqp_uri: str, config: dict[str, Any] | None = None) -> list[str]:
    """Declare every queue, replacing those declared differently before; -> the names of the replaced ones."""
    replaced = []
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        for exchange in (EVENTS_EXCHANGE, DEAD_LETTER_EXCHANGE, get_rpc_exchange(config or {})):
            exchange(channel).declare()
        for queue in declared_queues(config):
            if not _declared(connection, queue):
                _replace(connection, queue)
                replaced.append(queue.name)
            _empty_holding_queue(connection, queue.name)
    return replaced


def _declared(connection: Connection, queue: Queue) -> bool:
    """Declare ``queue``; False when a queue of that name exists with another type or other arguments."""
    channel = connection.channel()
    try:
        queue(channel).declare()
    except PreconditionFailed as refusal:
        log.warning("%s exists with another declaration: %s", queue.name, refusal)
        return False
    channel.close()
    return True


def _replace(connection: Connection, queue: Queue) -> None:
    channel = connection.channel()
    _, _, consumers = channel.queue_declare(queue.name, passive=True)
    if consumers:
        raise QueueInUse(
            f"{queue.name} has {consumers} consumer(s): stop every Interlude process on this vhost, then run again"
        )
    holding = durable_queue(holding_queue_name(queue.name))
    holding(channel).declare()
    moved = _move(channel, queue.name, holding.name)
    # if_empty: a message published since the move keeps the old queue (and this run fails) rather than being lost.
    channel.queue_delete(queue.name, if_empty=True)
    queue(channel).declare()
    log.info("%s replaced by its new declaration (%d message(s) kept)", queue.name, moved)
    channel.close()


def _empty_holding_queue(connection: Connection, name: str) -> None:
    """Move back what a replacement (this run's, or one interrupted before) left in the holding queue."""
    channel = connection.channel()
    try:
        channel.queue_declare(holding_queue_name(name), passive=True)
    except NotFound:
        return
    _move(channel, holding_queue_name(name), name)
    # Nothing publishes to a holding queue, and quorum queues have no delete-if-empty.
    _, left, _ = channel.queue_declare(holding_queue_name(name), passive=True)
    if left == 0:
        channel.queue_delete(holding_queue_name(name))
    channel.close()


def _move(channel: Any, source: str, target: str) -> int:
    """Every message of ``source`` to ``target``, in order; each acked once the broker confirmed its copy."""
    moved = 0
    while (message := channel.basic_get(source, no_ack=False)) is not None:
        properties = dict(message.properties)
        headers = dict(properties.pop("application_headers", None) or {})
        headers.pop(DELIVERY_COUNT_HEADER, None)
        channel.basic_publish(Message(message.body, application_headers=headers, **properties), "", target)
        channel.basic_ack(message.delivery_tag)
        moved += 1
    return moved


def holding_queue_name(name: str) -> str:
    return f"{name}{HOLDING_SUFFIX}"


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(message)s")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", "pyamqp://guest:guest@localhost"))
    arguments = parser.parse_args(argv)
    try:
        replaced = migrate_queues(arguments.amqp_uri)
    except QueueInUse as error:
        sys.exit(str(error))
    log.info("queues up to date; replaced: %s", ", ".join(replaced) or "none")


if __name__ == "__main__":
    main()
