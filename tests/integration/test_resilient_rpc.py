"""A reply that cannot be sent (the broker is restarting) must not kill the service."""

import pytest
from kombu.exceptions import OperationalError
from nameko.rpc import Responder

from interlude_activities.service import ActivitiesService
from interlude_runtime.rpc_proxy import cluster_rpc_proxy

pytestmark = pytest.mark.rabbitmq


def test_a_lost_reply_leaves_the_service_running(container_factory, amqp_uri: str, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "memory://")
    real_send = Responder.send_response
    lost: list[str] = []

    def send_once_broken(self, result, exc_info):
        if not lost:
            lost.append("reply")
            raise OperationalError("[Errno 111] ECONNREFUSED")
        return real_send(self, result, exc_info)

    monkeypatch.setattr(Responder, "send_response", send_once_broken)
    container = container_factory(ActivitiesService, {"AMQP_URI": amqp_uri})
    container.start()
    with cluster_rpc_proxy({"AMQP_URI": amqp_uri}, timeout=10) as cluster:
        # The first reply is lost; the unacknowledged request is handled again and answered.
        assert cluster.activities.health() == {"service": "activities", "status": "ok"}
    assert lost == ["reply"]
    assert not container._died.ready(), "the container killed itself over a lost reply"
    container.stop()
