"""Helpers shared by the integration and end-to-end tests."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kombu import Connection, Queue

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bus_users import BusUsers, vhost_of  # noqa: E402
from processes import processes  # noqa: E402
from stack import Stack  # noqa: E402

from interlude_contracts.topology import declare_topology  # noqa: E402

__all__ = [
    "ROOT",
    "BusUsers",
    "Stack",
    "drain",
    "free_port",
    "processes",
    "queue_depth",
    "queues_on_broker",
    "running_stack",
    "vhost_of",
    "wait_until",
]

MOOD_CHECK_IN: dict[str, Any] = {
    "title": "Mood check-in",
    "instructions": "A minute to notice how you are.",
    "items": [
        {"id": "mood", "type": "linear_scale", "prompt": "Mood today?", "min": 0, "max": 10},
        {
            "id": "sleep",
            "type": "single_choice",
            "prompt": "How did you sleep?",
            "options": [{"value": "good", "label": "Well"}, {"value": "poor", "label": "Badly"}],
        },
        {"id": "note", "type": "free_text", "prompt": "Anything else?", "required": False},
    ],
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], Any], timeout: float = 30, interval: float = 0.1, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")


def declare(amqp_uri: str) -> None:
    with Connection(amqp_uri) as connection:
        declare_topology(connection.default_channel)


def queue_depth(amqp_uri: str, queue_name: str) -> int:
    with Connection(amqp_uri) as connection:
        return Queue(queue_name, durable=True)(connection.default_channel).queue_declare(passive=True).message_count


def queues_on_broker(amqp_uri: str) -> dict[str, dict[str, Any]]:
    """name -> {"type", "durable", "arguments"} of every queue in the URI's vhost, as the broker reports them."""
    if not shutil.which("rabbitmqctl"):
        import pytest

        pytest.skip("needs rabbitmqctl to read queue types")
    vhost = amqp_uri.rsplit("/", 1)[1] or "/"
    listing = subprocess.run(
        ["rabbitmqctl", "list_queues", "-p", vhost, "name", "type", "durable", "arguments", "--formatter", "json"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return {queue.pop("name"): queue for queue in json.loads(listing)}


def drain(amqp_uri: str, queue_name: str) -> list[dict[str, Any]]:
    """Take every message now in a queue (acknowledging them); bodies decoded from JSON when they are JSON."""
    bodies = []
    with Connection(amqp_uri) as connection:
        queue = Queue(queue_name, durable=True)(connection.default_channel)
        while (message := queue.get(no_ack=False, accept=["json"])) is not None:
            try:
                bodies.append(message.decode())
            except Exception:
                bodies.append(message.body)
            message.ack()
    return bodies


def relay_env(amqp_uri: str, database_url: str) -> dict[str, str]:
    return {**os.environ, "AMQP_URI": amqp_uri, "DATABASE_URL": database_url, "PYTHONWARNINGS": "ignore"}


@contextmanager
def running_stack(
    root: Path,
    amqp_uri: str,
    database_urls: dict[str, str],
    env: dict[str, str],
    bus_users: BusUsers | None = None,
) -> Iterator[Stack]:
    """Every process of a deployment under ``root``, ready; stopped afterwards, printing any traceback they logged.

    With ``bus_users`` (the ``bus_users`` fixture) each process connects as its own broker user, as in production.
    """
    stack = Stack(
        amqp_uri=amqp_uri,
        bus_users=bus_users,
        gateway_address=f"127.0.0.1:{free_port()}",
        data_dir=root / "data",
        log_dir=root / "log",
        database_urls=database_urls,
        # Every test's callers share 127.0.0.1: the per-address login limit (its own gateway tests) would pace them.
        extra_env={"GATEWAY_LOGIN_ADDRESS_RATE_LIMIT": "100000/60", **env},
    )
    stack.start()
    try:
        stack.wait_ready()
        yield stack
    finally:
        stack.stop()
        for log in sorted(stack.log_dir.glob("*.log")):
            text = log.read_text(errors="replace")
            if "Traceback" in text:
                print(f"--- {log.name} ---\n{text[-3000:]}")
