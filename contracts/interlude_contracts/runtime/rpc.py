"""The ``@rpc`` entrypoint every service uses: nameko's, but a lost reply does not kill the service.

nameko 2 sends an RPC's reply from the worker; if the broker is unreachable
at that moment (it is restarting), the error escapes into the container,
which then kills itself, and the service stays down until something restarts
it. Here the reply is dropped instead and the request goes back on its queue
(or, if the channel died with the broker, is redelivered when it returns), so
the request is handled again and answered. Commands are safe to see twice where it
matters (a response submission is recognised by its correlation id or
idempotency key).
"""

import logging
from typing import Any

from kombu.exceptions import OperationalError
from nameko.rpc import Rpc

log = logging.getLogger(__name__)

BROKER_ERRORS = (OperationalError, ConnectionError, OSError)


class ResilientRpc(Rpc):
    def handle_result(self, message: Any, worker_ctx: Any, result: Any, exc_info: Any) -> tuple[Any, Any]:
        try:
            return super().handle_result(message, worker_ctx, result, exc_info)
        except BROKER_ERRORS as error:
            log.warning("reply to %s lost, broker unreachable (%s); the request will be redelivered", worker_ctx, error)
            # Back on the queue while the channel lives; a dead channel's unacknowledged messages return anyway.
            self.rpc_consumer.requeue_message(message)
            return result, exc_info


rpc = ResilientRpc.decorator
