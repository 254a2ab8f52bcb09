"""Calling a service over RPC: nameko's proxies, with a reply queue that is not durable.

nameko declares each caller's reply queue durable (kombu's default), with a
five-minute expiry. A durable classic queue lives on one node: when that node
is lost, the caller cannot redeclare its queue until the node returns, and
every call it makes times out. A reply queue holds nothing worth keeping (its
callers wait on it in memory), so here it is transient: lost with its node and
declared again, on a live node, when the caller reconnects. Every durable
queue, by contrast, is a quorum queue (``interlude_contracts.topology``).
"""

import uuid
from typing import Any

from kombu import Queue
from nameko.rpc import RPC_REPLY_QUEUE_TEMPLATE, RPC_REPLY_QUEUE_TTL, get_rpc_exchange
from nameko.rpc import ReplyListener as NamekoReplyListener
from nameko.rpc import RpcProxy as NamekoRpcProxy
from nameko.standalone.rpc import ClusterRpcProxy
from nameko.standalone.rpc import SingleThreadedReplyListener as NamekoSingleThreadedReplyListener


def reply_queue(service_name: str, config: dict[str, Any], routing_key: str) -> Queue:
    return Queue(
        RPC_REPLY_QUEUE_TEMPLATE.format(service_name, routing_key),
        exchange=get_rpc_exchange(config),
        routing_key=routing_key,
        durable=False,
        queue_arguments={"x-expires": RPC_REPLY_QUEUE_TTL},
    )


class TransientReplyQueue:
    """nameko's ``ReplyListener.setup``, declaring ``reply_queue``."""

    container: Any
    queue_consumer: Any

    def setup(self) -> None:
        self.routing_key = str(uuid.uuid4())
        self.queue = reply_queue(self.container.service_name, self.container.config, self.routing_key)
        self.queue_consumer.register_provider(self)


class ReplyListener(TransientReplyQueue, NamekoReplyListener):
    pass


class RpcProxy(NamekoRpcProxy):
    """``RpcProxy("activities")`` in a service or the gateway."""

    rpc_reply_listener = ReplyListener()


class SingleThreadedReplyListener(TransientReplyQueue, NamekoSingleThreadedReplyListener):
    pass


def cluster_rpc_proxy(config: dict[str, Any], **options: Any) -> ClusterRpcProxy:
    """nameko's standalone ``ClusterRpcProxy`` (``with cluster_rpc_proxy(config) as cluster:``), for tools and tests."""
    return ClusterRpcProxy(config, reply_listener_cls=SingleThreadedReplyListener, **options)
