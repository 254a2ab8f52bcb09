"""A request a service refuses on purpose (404, 409, 422) is logged as one INFO line, not an ERROR traceback.

The activities service runs on the real RabbitMQ; the refusals are real RPCs over the bus.
"""

import logging
import uuid
from typing import Any

import pytest

from interlude_activities.service import ActivitiesService
from interlude_contracts.errors import NotFound
from interlude_runtime.logs import ExpectedRefusals
from interlude_runtime.rpc_proxy import cluster_rpc_proxy

pytestmark = pytest.mark.rabbitmq


@pytest.fixture
def activities(container_factory, amqp_uri: str, monkeypatch) -> Any:
    monkeypatch.setenv("DATABASE_URL", "memory://")
    container = container_factory(ActivitiesService, {"AMQP_URI": amqp_uri})
    container.start()
    return container


def test_a_refused_request_is_one_info_line_without_a_traceback(activities, amqp_uri: str, caplog) -> None:
    caplog.set_level(logging.INFO, logger="nameko.containers")
    with cluster_rpc_proxy({"AMQP_URI": amqp_uri}, timeout=10) as cluster, pytest.raises(NotFound):
        cluster.activities.get_activity("clinic-a", str(uuid.uuid4()))

    worker_records = [r for r in caplog.records if r.name == "nameko.containers" and r.levelno >= logging.INFO]
    assert worker_records, "the refusal is still logged"
    assert all(r.levelno == logging.INFO and r.exc_info is None for r in worker_records)
    assert any("not_found" in r.getMessage() for r in worker_records)


def test_a_real_failure_keeps_its_error_and_traceback() -> None:
    record = logging.LogRecord(
        "nameko.containers", logging.ERROR, __file__, 1, "error handling worker %s: %s", None, None
    )
    try:
        raise RuntimeError("the database went away")
    except RuntimeError as error:
        record.args, record.exc_info = ("<worker>", error), (type(error), error, error.__traceback__)

    assert ExpectedRefusals().filter(record)
    assert record.levelno == logging.ERROR and record.exc_info is not None
