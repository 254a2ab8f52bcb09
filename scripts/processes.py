"""The processes of an Interlude deployment, read from ``deploy/processes.yaml``.

``scripts/stack.py`` starts them on this machine; ``tests/ops/test_processes.py`` holds the Kubernetes
manifests to the same list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
PROCESSES_FILE = ROOT / "deploy" / "processes.yaml"


@dataclass(frozen=True)
class BusAccess:
    """What a process does on RabbitMQ (its ``bus`` entry), from which its broker user's permissions follow."""

    publishes: str | None = None
    consumes: tuple[str, ...] = ()
    serves: str | None = None
    calls: dict[str, tuple[str, ...]] = field(default_factory=dict)
    standalone_calls: bool = False


@dataclass(frozen=True)
class Process:
    name: str
    kind: str
    store: str | None
    command: list[str]
    package: str
    config: str | None
    ports: dict[str, int]
    env: list[str]
    unused: dict[str, str] = field(default_factory=dict)
    bus: BusAccess = field(default_factory=BusAccess)


def _read() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(PROCESSES_FILE.read_text())
    return loaded


def processes() -> dict[str, Process]:
    return {
        name: Process(
            name=name,
            kind=entry["kind"],
            store=entry.get("store"),
            command=list(entry["command"]),
            package=entry["package"],
            config=entry.get("config"),
            ports=dict(entry.get("ports") or {}),
            env=list(entry["env"]),
            unused=dict(entry.get("unused") or {}),
            bus=_bus(entry.get("bus") or {}),
        )
        for name, entry in _read()["processes"].items()
    }


def _bus(entry: dict[str, Any]) -> BusAccess:
    return BusAccess(
        publishes=entry.get("publishes"),
        consumes=tuple(entry.get("consumes") or ()),
        serves=entry.get("serves"),
        calls={service: tuple(methods) for service, methods in (entry.get("calls") or {}).items()},
        standalone_calls=bool(entry.get("standalone_calls")),
    )


def migrations() -> dict[str, list[str]]:
    """store -> the variables its ``interlude-migrate`` container reads."""
    return {store: list(env) for store, env in _read()["migrations"].items()}
