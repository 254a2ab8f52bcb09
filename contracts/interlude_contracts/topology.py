"""Where messages travel on RabbitMQ: exchanges, subscriber and RPC queues, dead letters.

Each consumer declares its own queues (``declare_subscription``), with its own broker user, which
may configure nothing else; a relay declares the events exchange and publishes only once every queue
that subscribes to its source exists (``missing_subscribers``), so no event is published before its
queues exist. ``declare_topology`` declares everything at once, with a user allowed to (tests, tools).

Every durable queue is a quorum queue (``durable_queue``): replicated on the
cluster's nodes, so losing one node loses no queue and no message. A queue's
type cannot change in place; ``interlude-migrate-queues`` moves an existing
deployment's queues over (docs/operations.md, "Quorum queues").
"""

from typing import Any

from kombu import Exchange, Queue, binding
from nameko.rpc import RPC_QUEUE_TEMPLATE

EVENTS_EXCHANGE = Exchange("interlude.events", type="topic", durable=True)
DEAD_LETTER_EXCHANGE = Exchange("interlude.dead-letter", type="direct", durable=True)

# Each consuming service has one durable queue; its routing keys are
# "<source service>.<event type>".
SUBSCRIPTIONS: dict[str, tuple[str, ...]] = {
    "reporting.events": (
        "activities.ActivityPublished",
        "assignments.ActivityAssigned",
        "assignments.ResponseSubmitted",
        "assignments.ResponseScored",
        "assignments.AssignmentCancelled",
        "assignments.RiskFlagRaised",
        "assignments.RiskFlagAcknowledged",
        "assignments.AssignmentExpired",
        "assignments.DueDateExtended",
    ),
    "notifications.events": (
        "assignments.ActivityAssigned",
        "assignments.RiskFlagRaised",
        "assignments.ResponseSubmitted",
        "assignments.AssignmentCancelled",
        "assignments.AssignmentExpired",
        "assignments.ReleaseScheduled",
        "assignments.DueDateExtended",
    ),
    # A submission's audit entry, derived from the event stored with the submission (docs/security.md).
    "identity.events": ("assignments.ResponseSubmitted",),
    # The notifications scheduler's triggers, consumed by the assignments service.
    # (and its own ResponseSubmitted: a pathway step's completion releases the next step).
    "assignments.events": (
        "notifications.AssignmentExpiryDue",
        "notifications.ReleaseDue",
        "assignments.ResponseSubmitted",
    ),
}


def routing_key(source: str, event_type: str) -> str:
    return f"{source}.{event_type}"


def dead_letter_queue_name(queue_name: str) -> str:
    return f"{queue_name}.dead-letter"


# The services answering RPCs, each on its queue "rpc-<service>" bound to nameko's RPC exchange.
RPC_SERVICES = ("activities", "assignments", "notifications", "reporting", "identity")

# A delivery returned this many times without being settled (its consumer died holding it, again and again)
# is dead-lettered by the broker instead of killing the next consumer. Consumers settle every message they
# can read, and retry a failing handler in place, so only a consumer's death counts (docs/architecture.md).
DELIVERY_LIMIT = 20


def quorum_arguments(dead_letter_routing_key: str | None = None) -> dict[str, object]:
    """A quorum queue's arguments; with a routing key, rejected messages go to ``interlude.dead-letter`` under it.

    Dead-lettering is at-least-once: the broker keeps a rejected message in its queue until the
    dead-letter queue has confirmed it (RabbitMQ requires ``x-overflow: reject-publish`` for that).
    """
    arguments: dict[str, object] = {"x-queue-type": "quorum"}
    if dead_letter_routing_key is not None:
        arguments |= {
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE.name,
            "x-dead-letter-routing-key": dead_letter_routing_key,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
            "x-delivery-limit": DELIVERY_LIMIT,
        }
    return arguments


def durable_queue(name: str, dead_letter_routing_key: str | None = None, **bindings: Any) -> Queue:
    """The one declaration of a durable queue: quorum, dead-lettered when given a routing key."""
    return Queue(name, durable=True, queue_arguments=quorum_arguments(dead_letter_routing_key), **bindings)


def subscriber_queue(queue_name: str) -> Queue:
    """The durable queue of a subscription; rejected messages go to its dead-letter queue."""
    return durable_queue(
        queue_name,
        dead_letter_routing_key=queue_name,
        bindings=[binding(EVENTS_EXCHANGE, routing_key=key) for key in SUBSCRIPTIONS[queue_name]],
    )


def rpc_queue_name(service: str) -> str:
    return str(RPC_QUEUE_TEMPLATE.format(service))


def rpc_queue(service: str, exchange: Exchange) -> Queue:
    """A service's RPC queue, bound to ``<service>.*`` on the RPC exchange; poison goes to its dead-letter queue."""
    name = rpc_queue_name(service)
    return durable_queue(name, dead_letter_routing_key=name, exchange=exchange, routing_key=f"{service}.*")


def dead_letter_queue(queue_name: str) -> Queue:
    return durable_queue(dead_letter_queue_name(queue_name), exchange=DEAD_LETTER_EXCHANGE, routing_key=queue_name)


def all_queues() -> list[Queue]:
    queues = []
    for name in SUBSCRIPTIONS:
        queues += [subscriber_queue(name), dead_letter_queue(name)]
    return queues


def rpc_queues(exchange: Exchange) -> list[Queue]:
    queues = []
    for service in RPC_SERVICES:
        queues += [rpc_queue(service, exchange), dead_letter_queue(rpc_queue_name(service))]
    return queues


def subscribers_of(source: str) -> list[str]:
    """The queues bound to some event of ``source``."""
    prefix = f"{source}."
    return [name for name, keys in SUBSCRIPTIONS.items() if any(key.startswith(prefix) for key in keys)]


def declare_subscription(channel, queue_name: str) -> None:
    """A consumer's own part: both exchanges, its queue with its bindings, and its dead-letter queue."""
    EVENTS_EXCHANGE(channel).declare()
    DEAD_LETTER_EXCHANGE(channel).declare()
    subscriber_queue(queue_name)(channel).declare()
    dead_letter_queue(queue_name)(channel).declare()


def missing_subscribers(connection, source: str) -> list[str]:
    """The queues subscribing to ``source`` that nobody has declared yet (a passive declare needs no permission)."""
    missing = []
    for name in subscribers_of(source):
        channel = connection.channel()
        try:
            channel.queue_declare(name, passive=True)
        except Exception as error:  # 404 NOT_FOUND closes the channel
            if getattr(error, "code", None) != 404:
                raise
            missing.append(name)
        else:
            channel.close()
    return missing


def declare_topology(channel) -> None:
    """Declare every exchange, queue and binding (idempotent)."""
    EVENTS_EXCHANGE(channel).declare()
    DEAD_LETTER_EXCHANGE(channel).declare()
    for queue in all_queues():
        queue(channel).declare()
