"""The ``@rpc`` entrypoint every service uses: nameko's, but no message on its queue can kill the service.

A lost reply. nameko 2 sends an RPC's reply from the worker; if the broker is
unreachable at that moment (it is restarting), the error escapes into the
container, which then kills itself, and the service stays down until something
restarts it. Here the reply is dropped instead and the request goes back on its
queue (or, if the channel died with the broker, is redelivered when it returns),
so the request is handled again and answered. Commands are safe to see twice
where it matters (a response submission is recognised by its correlation id or
idempotency key).

A reply the broker refuses. Each service's broker user may answer only to reply
routing keys (docs/security.md, "The bus"); a request whose ``reply_to`` is
anything else is handled, its refused answer would kill the container, so the
request is dead-lettered (``reply-refused``) instead.

A poison request. nameko answers a request it cannot handle with an error
reply, and dies when there is nothing to answer (no ``reply_to``, a content
type it cannot encode); the request stays queued and kills every restart. An
undecodable body is acked and dropped. Here any request that cannot be handled
is copied to ``rpc-<service>.dead-letter`` (through the ``interlude.dead-letter``
exchange, with the reason in a header), counted, logged once and acknowledged;
one that can still be answered (unknown method, no ``args``) gets its error reply
first, as before. The copy is published by the service rather than by a
``basic.reject``, so that it carries its reason (see the README, Operations:
"Poison RPC requests").

The queue. nameko would declare ``rpc-<service>`` as a classic queue; here it is
``interlude_contracts.topology.rpc_queue``, a quorum queue whose broker-side
dead-lettering catches what never reaches this code: a request delivered
``DELIVERY_LIMIT`` times without being settled (every consumer that took it
died) goes to the same dead-letter queue.
"""

import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

import eventlet
import kombu.serialization
from amqp.exceptions import AccessRefused
from kombu.exceptions import ContentDisallowed, OperationalError
from nameko.amqp.publish import Publisher
from nameko.constants import (
    AMQP_SSL_CONFIG_KEY,
    AMQP_URI_CONFIG_KEY,
    DEFAULT_SERIALIZER,
    LOGIN_METHOD_CONFIG_KEY,
    SERIALIZER_CONFIG_KEY,
)
from nameko.exceptions import MalformedRequest, MethodNotFound
from nameko.messaging import QueueConsumer
from nameko.rpc import Responder, Rpc, RpcConsumer, get_rpc_exchange

from interlude_contracts.topology import DEAD_LETTER_EXCHANGE, dead_letter_queue, rpc_queue

from .logs import quiet_expected_refusals
from .metrics import RPC_MESSAGES_DEAD_LETTERED

log = logging.getLogger(__name__)

BROKER_ERRORS = (OperationalError, ConnectionError, OSError)
REASON_HEADER = "x-interlude-dead-letter-reason"
RETRY_PAUSE_SECONDS = 1.0
# kombu's name for bytes of no declared type.
UNTYPED = "application/data"


@dataclass(frozen=True)
class Rejection:
    reason: str
    error: Exception
    answerable: bool = False


class RpcQueueConsumer(QueueConsumer):
    """nameko's queue consumer, but an undecodable request is dead-lettered, not acked and dropped."""

    def get_consumers(self, consumer_cls: Any, channel: Any) -> Any:
        consumers = super().get_consumers(consumer_cls, channel)
        DEAD_LETTER_EXCHANGE(channel).declare()
        for provider, consumer in self._consumers.items():
            dead_letter_queue(provider.queue.name)(channel).declare()
            consumer.on_decode_error = partial(self._on_undecodable, provider)
        return consumers

    def _on_undecodable(self, provider: "ResilientRpcConsumer", message: Any, error: Exception) -> None:
        reason = "content-type" if isinstance(error, ContentDisallowed) else "undecodable"
        # Off the consuming thread, as nameko handles every message: dead-lettering waits for a confirm.
        self.container.spawn_managed_thread(partial(provider.dead_letter, message, Rejection(reason, error)))


class ResilientRpcConsumer(RpcConsumer):
    """Takes every request off ``rpc-<service>``: answered, requeued (reply lost) or dead-lettered."""

    queue_consumer = RpcQueueConsumer()
    queue: Any  # set by nameko's __init__ (None) and by setup

    def setup(self) -> None:
        """nameko's ``RpcConsumer.setup``, declaring the contract's quorum queue."""
        if self.queue is None:
            self.queue = rpc_queue(self.container.service_name, get_rpc_exchange(self.container.config))
            self.queue_consumer.register_provider(self)
            self._registered = True

    def handle_message(self, body: Any, message: Any) -> None:
        rejection = self._rejection(body, message)
        if rejection is None:
            super().handle_message(body, message)
            return
        if rejection.answerable:
            self._answer_error(message, rejection.error)
        self.dead_letter(message, rejection)

    def handle_result(self, message: Any, result: Any, exc_info: Any) -> tuple[Any, Any]:
        try:
            return super().handle_result(message, result, exc_info)
        except AccessRefused as error:
            # The caller's reply_to is no routing key this service's broker user may answer to (docs/security.md,
            # "The bus"): handled, but unanswerable, so kept as a poison request rather than redelivered forever.
            self.dead_letter(message, Rejection("reply-refused", error))
            return result, exc_info
        except BROKER_ERRORS as error:
            log.warning(
                "reply to %s lost, broker unreachable (%s); the request will be redelivered", describe(message), error
            )
            # Back on the queue while the channel lives; a dead channel's unacknowledged messages return anyway.
            self.requeue_message(message)
            return result, exc_info

    def dead_letter(self, message: Any, rejection: Rejection) -> None:
        """Copy the request to the dead-letter queue with its reason, count it, then ack it."""
        try:
            self._publish_dead_letter(message, rejection.reason)
        except Exception as error:  # whatever the broker answers, the service stays up
            log.warning("could not dead-letter %s (%s); it goes back on its queue", describe(message), error)
            eventlet.sleep(RETRY_PAUSE_SECONDS)
            self.requeue_message(message)
            return
        log.error(
            "dead-lettered %s from %s (%s): %s", describe(message), self.queue.name, rejection.reason, rejection.error
        )
        RPC_MESSAGES_DEAD_LETTERED.labels(service=self.container.service_name, reason=rejection.reason).inc()
        self.queue_consumer.ack_message(message)

    def _rejection(self, body: Any, message: Any) -> Rejection | None:
        """Why a decoded request cannot be handled, or None when it can."""
        properties = message.properties
        if not properties.get("reply_to"):
            return Rejection("no-reply-to", MalformedRequest("no reply_to: nobody to answer"))
        if not properties.get("correlation_id"):
            return Rejection(
                "no-correlation-id", MalformedRequest("no correlation_id: the caller cannot match a reply")
            )
        if message.content_type not in kombu.serialization.registry.type_to_name:
            return Rejection("content-type", MalformedRequest(f"content type {message.content_type!r}"))
        if not well_formed(body):
            return Rejection("malformed", MalformedRequest("Message missing `args` or `kwargs`"), answerable=True)
        try:
            self.get_provider_for_method(message.delivery_info["routing_key"])
        except MethodNotFound as error:
            return Rejection("unknown-method", error, answerable=True)
        return None

    def _answer_error(self, message: Any, error: Exception) -> None:
        config = self.container.config
        responder = Responder(
            config[AMQP_URI_CONFIG_KEY],
            get_rpc_exchange(config),
            config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER),
            message,
            ssl=config.get(AMQP_SSL_CONFIG_KEY),
            login_method=config.get(LOGIN_METHOD_CONFIG_KEY),
        )
        try:
            responder.send_response(None, (type(error), error, None))
        except (*BROKER_ERRORS, AccessRefused) as lost:
            log.warning("error reply to %s lost (%s)", describe(message), lost)

    def _publish_dead_letter(self, message: Any, reason: str) -> None:
        config = self.container.config
        publisher = Publisher(
            config[AMQP_URI_CONFIG_KEY],
            ssl=config.get(AMQP_SSL_CONFIG_KEY),
            login_method=config.get(LOGIN_METHOD_CONFIG_KEY),
        )
        properties = message.properties
        publisher.publish(
            message.body,
            exchange=DEAD_LETTER_EXCHANGE,
            routing_key=self.queue.name,
            declare=[dead_letter_queue(self.queue.name)],
            content_type=message.content_type or UNTYPED,
            content_encoding=message.content_encoding or "binary",
            headers={
                **(message.headers or {}),
                REASON_HEADER: reason,
                "x-interlude-original-routing-key": message.delivery_info.get("routing_key"),
            },
            **{key: properties[key] for key in ("correlation_id", "reply_to") if properties.get(key)},
        )


def well_formed(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("args"), list) and isinstance(body.get("kwargs"), dict)


def describe(message: Any) -> str:
    routing_key = message.delivery_info.get("routing_key")
    return f"RPC request {routing_key} (correlation id {message.properties.get('correlation_id')})"


class ResilientRpc(Rpc):
    rpc_consumer = ResilientRpcConsumer()

    def setup(self) -> None:
        quiet_expected_refusals()
        super().setup()


rpc = ResilientRpc.decorator
