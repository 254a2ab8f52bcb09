"""Every service serves Prometheus metrics on METRICS_PORT, with conventional names."""

import sys
from pathlib import Path

import pytest
import requests

from interlude_activities.service import ActivitiesService
from interlude_runtime.rpc_proxy import cluster_rpc_proxy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from support import free_port

pytestmark = pytest.mark.rabbitmq


def test_rpc_latency_is_exported(container_factory, amqp_uri: str, monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "memory://")
    port = free_port()
    container = container_factory(ActivitiesService, {"AMQP_URI": amqp_uri, "METRICS_PORT": port})
    container.start()
    with cluster_rpc_proxy({"AMQP_URI": amqp_uri}) as cluster:
        assert cluster.activities.health() == {"service": "activities", "status": "ok"}
        assert cluster.activities.list_activities("clinic-metrics") == []
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    assert (
        'interlude_entrypoint_duration_seconds_count{entrypoint="list_activities",outcome="ok",service="activities"}'
        in text
    )
    container.stop()
