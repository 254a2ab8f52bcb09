"""Where events travel on RabbitMQ: exchanges, subscriber queues, dead letters.

Each consumer declares its own queues (``declare_subscription``), with its own broker user, which
may configure nothing else; a relay declares the events exchange and publishes only once every queue
that subscribes to its source exists (``missing_subscribers``), so no event is published before its
queues exist. ``declare_topology`` declares everything at once, with a user allowed to (tests, tools).
"""

from kombu import Exchange, Queue, binding

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


def subscriber_queue(queue_name: str) -> Queue:
    """The durable queue of a subscription; rejected messages go to its dead-letter queue."""
    return Queue(
        queue_name,
        bindings=[binding(EVENTS_EXCHANGE, routing_key=key) for key in SUBSCRIPTIONS[queue_name]],
        durable=True,
        queue_arguments={
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE.name,
            "x-dead-letter-routing-key": queue_name,
        },
    )


def dead_letter_queue(queue_name: str) -> Queue:
    return Queue(
        dead_letter_queue_name(queue_name),
        exchange=DEAD_LETTER_EXCHANGE,
        routing_key=queue_name,
        durable=True,
    )


def all_queues() -> list[Queue]:
    queues = []
    for name in SUBSCRIPTIONS:
        queues += [subscriber_queue(name), dead_letter_queue(name)]
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
