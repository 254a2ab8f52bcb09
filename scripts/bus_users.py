"""Each Interlude process's own RabbitMQ user, derived from the ``bus`` entries of ``deploy/processes.yaml``.

One derivation (``permissions``), used everywhere a broker is set up:

- ``make run`` (``scripts/stack.py``), the tests (``conftest.py``: users on each test's virtual host) and the
  fault harness's private node create the users with one ``rabbitmqctl import_definitions`` (``BusUsers``)
  and start each process with its own AMQP URI;
- Kubernetes: ``python scripts/bus_users.py k8s`` writes the messaging-topology operator's ``User``,
  ``Permission`` and ``TopicPermission`` objects to ``deploy/k8s/components/backing-services/bus-users.yaml``,
  and ``make k8s`` fails when that file (or a Deployment's credentials) departs from this derivation.

RabbitMQ checks configure / write / read regexes on exchange and queue names, and, on topic exchanges,
topic permissions on routing keys (publishing: write; binding a queue: read). Hence a relay may publish
only its own source's routing keys on ``interlude.events``, a consumer may bind and read only its own
queues, a service may take requests only from its own ``rpc-<service>`` queue and answer only to reply
routing keys, and a caller may send only to the RPC methods it names (docs/security.md, "The bus").
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import yaml
from processes import ROOT, Process, processes

from interlude_contracts.topology import DEAD_LETTER_EXCHANGE, EVENTS_EXCHANGE, SUBSCRIPTIONS, dead_letter_queue_name

EVENTS = EVENTS_EXCHANGE.name
DEAD_LETTERS = DEAD_LETTER_EXCHANGE.name
RPC = "nameko-rpc"  # nameko's default RPC exchange (a topic exchange)
# nameko names a reply queue rpc.reply-<caller>-<uuid> and binds it with the uuid, which callees answer to.
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
STANDALONE_PROXY = "standalone_rpc_proxy"
NOTHING = "^$"
HASHING = "rabbit_password_hashing_sha256"
TOPIC_EXCHANGES = (EVENTS, RPC)
K8S_FILE = ROOT / "deploy" / "k8s" / "components" / "backing-services" / "bus-users.yaml"
K8S_CLUSTER = "interlude-rabbitmq"


@dataclass(frozen=True)
class Permissions:
    configure: str
    write: str
    read: str
    topics: dict[str, tuple[str, str]]  # topic exchange -> (write, read) routing-key regexes


@dataclass
class _Grants:
    configure: set[str] = field(default_factory=set)
    write: set[str] = field(default_factory=set)
    read: set[str] = field(default_factory=set)
    topic_write: dict[str, set[str]] = field(default_factory=lambda: {name: set() for name in TOPIC_EXCHANGES})
    topic_read: dict[str, set[str]] = field(default_factory=lambda: {name: set() for name in TOPIC_EXCHANGES})

    def own_queues(self, *patterns: str) -> None:
        """Declare (configure), bind (write) and consume (read) these queues."""
        for grant in (self.configure, self.write, self.read):
            grant.update(patterns)


def any_of(patterns: Iterable[str]) -> str:
    chosen = sorted(set(patterns))
    return f"^({'|'.join(chosen)})$" if chosen else NOTHING


def _publisher(grants: _Grants, source: str) -> None:
    grants.configure.add(re.escape(EVENTS))
    grants.write.add(re.escape(EVENTS))
    grants.topic_write[EVENTS].add(re.escape(source) + r"\.[A-Za-z]+")


def _consumer(grants: _Grants, queue: str) -> None:
    # Declaring the queue declares both exchanges; its dead-letter argument needs write on the dead-letter exchange.
    grants.configure.update({re.escape(EVENTS), re.escape(DEAD_LETTERS)})
    grants.own_queues(re.escape(queue), re.escape(dead_letter_queue_name(queue)))
    grants.write.add(re.escape(DEAD_LETTERS))
    grants.read.update({re.escape(EVENTS), re.escape(DEAD_LETTERS)})
    grants.topic_read[EVENTS].update(re.escape(key) for key in SUBSCRIPTIONS[queue])


def _server(grants: _Grants, service: str) -> None:
    queue = f"rpc-{service}"
    grants.configure.update({re.escape(RPC), re.escape(DEAD_LETTERS)})
    grants.own_queues(re.escape(queue), re.escape(dead_letter_queue_name(queue)))
    # Replies on the RPC exchange; poison requests copied to the dead-letter exchange (interlude_runtime.rpc).
    grants.write.update({re.escape(RPC), re.escape(DEAD_LETTERS)})
    grants.read.update({re.escape(RPC), re.escape(DEAD_LETTERS)})
    grants.topic_write[RPC].add(UUID)
    grants.topic_read[RPC].add(re.escape(f"{service}.*"))


def _caller(grants: _Grants, reply_queue_owners: list[str], calls: dict[str, tuple[str, ...]]) -> None:
    grants.configure.add(re.escape(RPC))
    grants.write.add(re.escape(RPC))
    grants.read.add(re.escape(RPC))
    grants.own_queues(*(rf"rpc\.reply-{re.escape(owner)}-{UUID}" for owner in reply_queue_owners))
    for service, methods in calls.items():
        method = "[A-Za-z_]+" if methods == ("*",) else "(" + "|".join(re.escape(name) for name in methods) + ")"
        grants.topic_write[RPC].add(rf"{re.escape(service)}\.{method}")
    grants.topic_read[RPC].add(UUID)


def permissions(process: Process) -> Permissions:
    """The broker permissions of ``process``'s own user, from its ``bus`` entry."""
    bus, grants = process.bus, _Grants()
    if bus.publishes:
        _publisher(grants, bus.publishes)
    for queue in bus.consumes:
        _consumer(grants, queue)
    if bus.serves:
        _server(grants, bus.serves)
    owners = ([process.name] if bus.calls else []) + ([STANDALONE_PROXY] if bus.standalone_calls else [])
    if owners:
        _caller(grants, owners, bus.calls)
    return Permissions(
        configure=any_of(grants.configure),
        write=any_of(grants.write),
        read=any_of(grants.read),
        topics={name: (any_of(grants.topic_write[name]), any_of(grants.topic_read[name])) for name in TOPIC_EXCHANGES},
    )


def password_hash(password: str) -> str:
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt + sha256(salt + password)), a 4-byte salt."""
    salt = os.urandom(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def vhost_of(amqp_uri: str) -> str:
    return unquote(urlsplit(amqp_uri).path[1:]) or "/"


def with_credentials(amqp_uri: str, username: str, password: str) -> str:
    parts = urlsplit(amqp_uri)
    host = parts.hostname or "localhost"
    netloc = f"{quote(username, safe='')}:{quote(password, safe='')}@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def run_rabbitmqctl(arguments: Sequence[str]) -> None:
    if not shutil.which("rabbitmqctl"):
        raise RuntimeError("rabbitmqctl not found: it creates each process's RabbitMQ user (docs/operations.md)")
    subprocess.run(["rabbitmqctl", *arguments], check=True, capture_output=True, timeout=120)


@dataclass
class BusUsers:
    """The users of one deployment on one broker: ``<prefix><process>``, with passwords made here.

    ``grant(uri)`` creates them (or resets their passwords) with their permissions on the URI's virtual host
    and returns each process's own AMQP URI; ``delete()`` removes them. ``ctl`` runs a rabbitmqctl command
    against the broker (the fault harness's private node passes its own).
    """

    prefix: str = "interlude-"
    ctl: Callable[[Sequence[str]], object] = run_rabbitmqctl
    passwords: dict[str, str] = field(default_factory=lambda: {name: secrets.token_hex(16) for name in processes()})

    def username(self, process: str) -> str:
        return f"{self.prefix}{process}"

    def definitions(self, vhost: str) -> dict[str, Any]:
        users, grants, topics = [], [], []
        for name, process in processes().items():
            user = self.username(name)
            hashed = password_hash(self.passwords[name])
            users.append({"name": user, "password_hash": hashed, "hashing_algorithm": HASHING, "tags": []})
            granted = permissions(process)
            rights = {"configure": granted.configure, "write": granted.write, "read": granted.read}
            grants.append({"user": user, "vhost": vhost, **rights})
            topics += [
                {"user": user, "vhost": vhost, "exchange": exchange, "write": write, "read": read}
                for exchange, (write, read) in granted.topics.items()
            ]
        return {"users": users, "vhosts": [{"name": vhost}], "permissions": grants, "topic_permissions": topics}

    def grant(self, amqp_uri: str) -> dict[str, str]:
        """Create the users with their permissions on ``amqp_uri``'s vhost; -> process -> its own AMQP URI."""
        vhost = vhost_of(amqp_uri)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
            json.dump(self.definitions(vhost), file)
        os.chmod(file.name, 0o644)  # rabbitmqctl may run as the rabbitmq user (the fault harness's node)
        try:
            self.ctl(["import_definitions", file.name])
        finally:
            os.unlink(file.name)
        uris = {name: with_credentials(amqp_uri, self.username(name), self.passwords[name]) for name in processes()}
        _wait_until_accepted(list(uris.values()))
        return uris

    def delete(self) -> None:
        for name in processes():
            with contextlib.suppress(subprocess.CalledProcessError):  # never created, or already gone
                self.ctl(["delete_user", self.username(name)])


def _wait_until_accepted(uris: list[str], timeout: float = 30) -> None:
    """rabbitmqctl imports definitions asynchronously: wait until every user may open its vhost."""
    from kombu import Connection

    deadline = time.monotonic() + timeout
    for uri in uris:
        while True:
            try:
                with Connection(uri, connect_timeout=5) as connection:
                    connection.connect()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)


def k8s_secret_name(process: str) -> str:
    return f"interlude-bus-{process}"


def k8s_user_name(process: str) -> str:
    return f"interlude-{process}"


def k8s_documents(vhost: str = "/") -> list[dict[str, Any]]:
    """Each process's User (credentials from its Secret), Permission and TopicPermissions."""
    cluster = {"name": K8S_CLUSTER}
    documents: list[dict[str, Any]] = []
    for name, process in processes().items():
        user = k8s_user_name(name)
        granted = permissions(process)
        reference = {"vhost": vhost, "userReference": {"name": user}}
        documents.append(
            _custom("User", user, {"tags": [], "importCredentialsSecret": {"name": k8s_secret_name(name)}}, cluster)
        )
        rights = {"configure": granted.configure, "write": granted.write, "read": granted.read}
        documents.append(_custom("Permission", user, {**reference, "permissions": rights}, cluster))
        for exchange, (write, read) in granted.topics.items():
            topic = {**reference, "permissions": {"exchange": exchange, "write": write, "read": read}}
            documents.append(_custom("TopicPermission", f"{user}-{exchange.replace('.', '-')}", topic, cluster))
    return documents


def _custom(kind: str, name: str, spec: dict[str, Any], cluster: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "rabbitmq.com/v1beta1",
        "kind": kind,
        "metadata": {"name": name},
        "spec": {**spec, "rabbitmqClusterReference": cluster},
    }


K8S_HEADER = """\
# Generated by `python scripts/bus_users.py k8s` from the `bus` entries of deploy/processes.yaml; `make k8s` fails
# when this file departs from them. Each process's own RabbitMQ user (RabbitMQ Messaging Topology Operator):
# credentials from the Secret interlude-bus-<process> (keys username, password), its permissions and its topic
# permissions on interlude.events and nameko-rpc. See docs/security.md, "The bus".
"""


def k8s_text() -> str:
    return K8S_HEADER + yaml.safe_dump_all(k8s_documents(), sort_keys=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["k8s", "show"])
    command = parser.parse_args().command
    if command == "k8s":
        Path(K8S_FILE).write_text(k8s_text())
        print(f"wrote {K8S_FILE.relative_to(ROOT)}")
        return
    for name, process in processes().items():
        granted = permissions(process)
        print(f"{name}\n  configure {granted.configure}\n  write     {granted.write}\n  read      {granted.read}")
        for exchange, (write, read) in granted.topics.items():
            print(f"  topic {exchange}: write {write} read {read}")


if __name__ == "__main__":
    main()
