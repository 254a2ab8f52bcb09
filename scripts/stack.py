"""Start, watch and stop every Interlude process on this machine.

``python scripts/stack.py run`` is what ``make run`` calls: it starts every
process ``deploy/processes.yaml`` lists (the five services, the three outbox
relays and the gateway, as the Kubernetes manifests do), waits until the gateway
reports every service ready, prints the URL and the demo logins, and stops
everything on Ctrl-C. The end-to-end tests and the benchmarks drive the same
``Stack`` class.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bus_users import BusUsers
from processes import processes

from interlude_runtime.secrets import DEVELOPMENT_VARIABLE

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def instance_name(process: str, index: int) -> str:
    """The first instance of a process goes by the process's name, the later ones by ``<process>-<index>``."""
    return process if index == 1 else f"{process}-{index}"


def process_of(instance: str) -> str:
    """The process an instance (``assignments-2``) runs; no listed process's name ends in ``-<digits>``."""
    return re.sub(r"-\d+$", "", instance)


def index_of(instance: str) -> int:
    found = re.search(r"-(\d+)$", instance)
    return int(found[1]) if found else 1


def process_commands() -> dict[str, tuple[str | None, list[str]]]:
    """name -> (service whose store it uses, command line), from deploy/processes.yaml."""
    return {
        name: (process.store, [str(BIN / process.command[0]), *process.command[1:]])
        for name, process in processes().items()
    }


@dataclass
class Stack:
    """The processes of one Interlude deployment on this machine.

    ``database_urls`` maps a service to its DATABASE_URL; a service not named
    uses the embedded SQLite default under ``data_dir``. ``development`` sets
    INTERLUDE_DEVELOPMENT=1, so that processes may start on the development
    secrets (see docs/security.md); ``extra_env`` may still give real ones.

    ``replicas`` maps a process to how many instances of it to start (one where
    not named): the second is ``<process>-2`` with its log ``<process>-2.log``,
    and so on. A service's instances share its RPC and event queues, as a
    Deployment's pods do. Each gateway listens on its own address: the first on
    ``gateway_address``, the others on ``more_gateway_addresses`` in turn.
    """

    amqp_uri: str = "pyamqp://guest:guest@localhost"
    gateway_address: str = "127.0.0.1:8000"
    more_gateway_addresses: list[str] = field(default_factory=list)
    data_dir: Path = ROOT / "var" / "data"
    log_dir: Path = ROOT / "var" / "log"
    database_urls: dict[str, str] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    development: bool = True
    bus_users: BusUsers | None = None
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    process_amqp_uris: dict[str, str] = field(default_factory=dict)
    replicas: dict[str, int] = field(default_factory=dict)

    def amqp_uri_of(self, process: str) -> str:
        """What ``process`` connects to RabbitMQ with: its own user's URI, or the shared one without bus users."""
        return self.process_amqp_uris.get(process, self.amqp_uri)

    @property
    def url(self) -> str:
        return f"http://{self.gateway_address}"

    @property
    def urls(self) -> list[str]:
        """Every gateway's base URL, the first being ``url``: what a load balancer would spread requests over."""
        addresses = [self.gateway_address, *self.more_gateway_addresses]
        return [f"http://{address}" for address in addresses[: self.replicas.get("gateway", 1)]]

    def env_for(self, service: str | None, process: str | None = None) -> dict[str, str]:
        env = {
            **os.environ,
            "AMQP_URI": self.amqp_uri_of(process or ""),
            "GATEWAY_ADDRESS": self.gateway_address,
            "INTERLUDE_DATA_DIR": str(self.data_dir),
            "PYTHONUNBUFFERED": "1",
            **({DEVELOPMENT_VARIABLE: "1"} if self.development else {}),
            **self.extra_env,
        }
        env.pop("DATABASE_URL", None)
        if not self.development:
            env.pop(DEVELOPMENT_VARIABLE, None)
        if service in self.database_urls:
            env["DATABASE_URL"] = self.database_urls[service]
        return env

    def start(self, names: list[str] | None = None) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        commands = process_commands()
        if self.bus_users is not None and not self.process_amqp_uris:
            self.process_amqp_uris = self.bus_users.grant(self.amqp_uri)
        self._check_replicas()
        for name in names or list(commands):
            for index in range(1, self.replicas.get(name, 1) + 1):
                self._start_instance(name, index, commands[name])

    def _check_replicas(self) -> None:
        listed = processes()
        for name, count in self.replicas.items():
            if count > 1 and listed[name].kind == "relay":
                raise ValueError(f"{name}: a relay runs as exactly one instance (it alone follows its log)")
        if self.replicas.get("gateway", 1) > 1 + len(self.more_gateway_addresses):
            raise ValueError("each gateway replica needs an address of its own in more_gateway_addresses")

    def _start_instance(self, process: str, index: int, command_of: tuple[str | None, list[str]]) -> None:
        """One instance of ``process``; its broker user is the process's, as every pod of a Deployment shares one."""
        name = instance_name(process, index)
        service, command = command_of
        env = self.env_for(service, process)
        if process == "gateway":
            env["GATEWAY_ADDRESS"] = [self.gateway_address, *self.more_gateway_addresses][index - 1]
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child
        self.processes[name] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def migrate(self) -> None:
        """Create every service's database and tables first, as the Kubernetes migration Job does."""
        for service, url in self.database_urls.items():
            command = [str(BIN / "interlude-migrate"), service]
            subprocess.run(command, cwd=ROOT, env={**self.env_for(service), "DATABASE_URL": url}, check=True)

    def register_account(self, subject: str, role: str, clinic_id: str) -> None:
        """An active account ``subject`` in identity's store, for tests and benchmarks that sign tokens themselves.

        The gateway accepts a token only for an active account (docs/security.md), so a token minted
        for an invented subject needs one. Nobody can log in to it: its password is random and forgotten.
        """
        import secrets

        from interlude_identity import store
        from interlude_identity.passwords import hash_password
        from interlude_runtime.storage import Database, database_url

        database = Database(database_url("identity", self.env_for("identity")))
        try:
            store.create_tables(database)
            if store.account(database, subject) is None:
                store.create_account(
                    database,
                    clinic_id=clinic_id,
                    username=f"{subject}@minted.invalid",
                    role=role,
                    password_hash=hash_password(secrets.token_urlsafe(24)),
                    account_id=subject,
                )
        finally:
            database.close()

    def kill(self, name: str) -> None:
        """SIGKILL one process, as a crash would."""
        process = self.processes.pop(name)
        process.kill()
        process.wait()

    def restart(self, name: str) -> None:
        """Start again the instance ``name`` (``assignments``, ``assignments-2``), only that one."""
        process = process_of(name)
        self._start_instance(process, index_of(name), process_commands()[process])

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()

    def exited(self) -> dict[str, int]:
        return {name: code for name, process in self.processes.items() if (code := process.poll()) is not None}

    def wait_ready(self, timeout: float = 90) -> None:
        """Until every gateway reports every service ready."""
        deadline = time.monotonic() + timeout
        for url in self.urls:
            self._wait_gateway_ready(url, deadline, timeout)

    def _wait_gateway_ready(self, url: str, deadline: float, timeout: float) -> None:
        last_error = "not started"
        while time.monotonic() < deadline:
            if self.exited():
                raise RuntimeError(f"processes exited: {self.exited()}; see {self.log_dir}")
            try:
                with urllib.request.urlopen(f"{url}/health/ready", timeout=5) as response:
                    if json.load(response)["status"] == "ok":
                        return
            except Exception as error:
                last_error = str(error)
            time.sleep(0.5)
        raise TimeoutError(f"gateway {url} not ready after {timeout}s ({last_error}); see {self.log_dir}")


DEMO = """
Interlude is running at {url}
  Web app:            {url}/app/

  Therapist login:    therapist@demo.clinic / therapist-demo-pass
  Client login:       ada@demo.client / client-demo-pass   (client id: client-ada)
  Clinic admin login: admin@demo.clinic / admin-demo-pass
  Operator login:     operator@interlude.local / operator-demo-pass

  Development mode (INTERLUDE_DEVELOPMENT=1): development secrets unless you set your own.
  RabbitMQ: each process connects as its own user, interlude-<process> (docs/security.md, "The bus").
  Logs: {logs}    Data: {data} (SQLite)
  Try the curl walk-through in README.md. Press Ctrl-C to stop.
"""


def run(detach: bool) -> None:
    # AMQP_URI here is the broker's administrator (guest on a local broker), used only to create each process's
    # own user (docs/security.md, "The bus"); every process gets a new password at each start.
    stack = Stack(
        amqp_uri=os.environ.get("AMQP_URI", "pyamqp://guest:guest@localhost"),
        gateway_address=os.environ.get("GATEWAY_ADDRESS", "127.0.0.1:8000"),
        bus_users=BusUsers(),
    )
    if "DATABASE_URL" in os.environ:
        sys.exit("DATABASE_URL is per service; set it per process, or unset it to use the SQLite default.")
    migrate_queues(stack.amqp_uri)
    stack.start()
    try:
        stack.wait_ready()
    except Exception:
        stack.stop()
        raise
    print(DEMO.format(url=stack.url, logs=stack.log_dir, data=stack.data_dir), flush=True)
    if detach:
        (ROOT / "var" / "stack.pids").write_text(json.dumps({n: p.pid for n, p in stack.processes.items()}))
        return
    stopping = []
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stopping.append(True))
    while not stopping and not stack.exited():
        time.sleep(0.5)
    if stack.exited():
        print(f"stopping: processes exited {stack.exited()}; see {stack.log_dir}", file=sys.stderr)
    stack.stop()


def migrate_queues(amqp_uri: str) -> None:
    """Replace queues an earlier version declared otherwise (classic ones), as docs/operations.md does by hand."""
    from interlude_runtime.queues import QueueInUse
    from interlude_runtime.queues import migrate_queues as migrate

    try:
        replaced = migrate(amqp_uri)
    except QueueInUse as error:
        sys.exit(f"{error} (is another `make run` using this RabbitMQ?)")
    if replaced:
        print(f"replaced queues declared by an earlier version (messages kept): {', '.join(replaced)}", flush=True)


def down() -> None:
    pids_file = ROOT / "var" / "stack.pids"
    if not pids_file.exists():
        return
    for pid in json.loads(pids_file.read_text()).values():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    pids_file.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["run", "up", "down"])
    command = parser.parse_args().command
    if command == "down":
        down()
    else:
        run(detach=command == "up")


if __name__ == "__main__":
    main()
