"""The nameko entrypoint every event consumer uses.

- The envelope and payload are validated on receipt; a message that fails
  (or is not even JSON) is rejected to the queue's dead-letter queue and
  counted, and the consumer keeps running.
- A handler that raises on a valid event (a database restart, say) gets the
  event back after a pause, never acked and dropped: it is retried in place,
  the message held unacknowledged, for as long as it fails. It is requeued
  only when the consumer stops. Retrying in place, rather than requeueing each
  time, keeps the broker's delivery count for what it means: a quorum queue
  dead-letters a message returned ``DELIVERY_LIMIT`` times, which should mean
  its consumers died holding it, not that a database was down for a minute.
- Handlers must be idempotent: delivery is at least once.
"""

import logging
from typing import Any

import eventlet
from kombu.message import Message
from marshmallow import ValidationError
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import Consumer, QueueConsumer

from interlude_contracts.events import Event, load_event
from interlude_contracts.topology import declare_subscription, subscriber_queue

from .metrics import EVENT_HANDLER_ERRORS, EVENTS_CONSUMED, EVENTS_DEAD_LETTERED

log = logging.getLogger(__name__)

RETRY_PAUSE_SECONDS = 1.0


def dead_letter(message: Message, queue_name: str, reason: str, detail: Any) -> None:
    log.error("dead-lettering a message from %s (%s): %s", queue_name, reason, detail)
    EVENTS_DEAD_LETTERED.labels(queue=queue_name, reason=reason).inc()
    message.reject(requeue=False)


class EventQueueConsumer(QueueConsumer):
    """Declares its own queues on connect (its broker user may declare no others); dead-letters undecodable bodies."""

    def get_consumers(self, consumer_cls: Any, channel: Any) -> Any:
        for provider in self._providers:
            declare_subscription(channel, provider.queue.name)
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = _undecodable_handler(provider.queue.name)
        return consumers


def _undecodable_handler(queue_name: str) -> Any:
    def on_decode_error(message: Message, exc: Exception) -> None:
        dead_letter(message, queue_name, "undecodable", exc)

    return on_decode_error


class EventConsumer(Consumer):
    """``@event_consumer("reporting.events")``: the handler gets a validated ``Event``."""

    queue_consumer = EventQueueConsumer()

    def __init__(self, queue_name: str, **kwargs: Any) -> None:
        super().__init__(queue=subscriber_queue(queue_name), requeue_on_error=True, **kwargs)
        self._stopping = False

    def stop(self) -> None:
        self._stopping = True
        super().stop()

    def handle_message(self, body: Any, message: Message) -> None:
        try:
            event = load_event(body)
        except ValidationError as error:
            dead_letter(message, self.queue.name, "invalid", error.messages)
            return
        context_data = self.unpack_message_headers(message)
        context_data.setdefault("correlation_id", event.correlation_id)
        self._handle(event, message, context_data)

    def _handle(self, event: Event, message: Message, context_data: dict[str, Any]) -> None:
        def handle_result(worker_ctx: Any, result: Any = None, exc_info: Any = None) -> Any:
            self._settle(event, message, context_data, exc_info)
            return result, exc_info

        try:
            self.container.spawn_worker(self, (event,), {}, context_data=context_data, handle_result=handle_result)
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)

    def _settle(self, event: Event, message: Message, context_data: dict[str, Any], exc_info: Any) -> None:
        if exc_info is None:
            EVENTS_CONSUMED.labels(queue=self.queue.name, event_type=event.event_type).inc()
            self.queue_consumer.ack_message(message)
            return
        EVENT_HANDLER_ERRORS.labels(queue=self.queue.name, event_type=event.event_type).inc()
        eventlet.sleep(RETRY_PAUSE_SECONDS)
        if not message.channel.connection:
            return  # the channel died with the broker connection: the broker delivers the message again
        if self._stopping:
            self.queue_consumer.requeue_message(message)
            return
        self._handle(event, message, context_data)


event_consumer = EventConsumer.decorator
