"""The fault harness's own RabbitMQ node and PostgreSQL cluster: own ports, own data, killable.

Both run as their system users from the machine's installation, on data folders of the run, so that a
SIGKILL or a restart never touches the machine's servers (nor anyone else's queues and databases).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

PG_BIN = Path(os.environ.get("CHAOS_PG_BIN", "/usr/lib/postgresql/15/bin"))
RABBIT_BIN = Path("/usr/lib/rabbitmq/bin")
RABBIT_HOME = "/var/lib/rabbitmq"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children_of(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (read from /proc before the parent dies and they are re-parented)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The command name may hold spaces and parentheses: the parent pid follows the last ')'.
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        kids = [child for child, its_parent in parents.items() if its_parent == parent]
        found += kids
        frontier += kids
    return found


def kill_tree(pid: int, spare: tuple[str, ...] = ()) -> None:
    """SIGKILL ``pid`` and its descendants at once, as a machine losing the process would (``spare``: by name).

    Stopped first, so it starts no child between the listing and the kill; returns once every victim is
    gone, reaped included (a zombie still holds its pid, and PostgreSQL refuses to start beside one).
    """
    os.kill(pid, signal.SIGSTOP)
    victims = [pid, *(child for child in children_of(pid) if _name(child) not in spare)]
    for victim in victims:
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while any(Path(f"/proc/{victim}").exists() for victim in victims):
        if time.monotonic() > deadline:
            raise TimeoutError(f"processes {victims} survived SIGKILL or were never reaped")
        time.sleep(0.2)


def _name(pid: int) -> str:
    """The process's command name; empty once it is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    state = stat.rsplit(")", 1)[1].split()[0]
    return "" if state == "Z" else stat.split("(", 1)[1].rsplit(")", 1)[0]


class PrivateRabbit:
    """A RabbitMQ node of this run only: its own name, ports, data and logs."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.node = f"chaos-{uuid.uuid4().hex[:8]}@localhost"
        self.port = free_port()
        folder.mkdir(parents=True)
        (folder / "enabled_plugins").write_text("[].\n")
        (folder / "rabbitmq.conf").write_text(f"listeners.tcp.1 = 127.0.0.1:{self.port}\nloopback_users = none\n")
        (folder / "rabbitmq-env.conf").write_text("")
        shutil.chown(folder, "rabbitmq", "rabbitmq")
        for child in folder.iterdir():
            shutil.chown(child, "rabbitmq", "rabbitmq")
        self.env = {
            **os.environ,
            "HOME": RABBIT_HOME,
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_MNESIA_BASE": str(folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(folder / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(folder / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(folder / "rabbitmq.conf"),
            "RABBITMQ_CONF_ENV_FILE": str(folder / "rabbitmq-env.conf"),
            "RABBITMQ_PID_FILE": str(folder / "pid"),
        }

    @property
    def amqp_uri(self) -> str:
        return f"pyamqp://guest:guest@127.0.0.1:{self.port}//"

    def _as_rabbitmq(self, *command: str, timeout: float = 90) -> str:
        done = subprocess.run(
            ["runuser", "-u", "rabbitmq", "--", *command],
            env=self.env,
            cwd=RABBIT_HOME,
            check=True,
            capture_output=True,
            timeout=timeout,
            text=True,
        )
        return done.stdout

    def start(self) -> None:
        self._as_rabbitmq(str(RABBIT_BIN / "rabbitmq-server"), "-detached")
        deadline = time.monotonic() + 90
        while True:
            # The detached node registers with epmd a moment after the command returns.
            try:
                self._as_rabbitmq(str(RABBIT_BIN / "rabbitmqctl"), "-n", self.node, "await_startup", "--timeout", "60")
                return
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

    def rabbitmqctl(self, arguments: Sequence[str]) -> str:
        return self._as_rabbitmq(str(RABBIT_BIN / "rabbitmqctl"), "-n", self.node, *arguments)

    def stop(self) -> None:
        self.rabbitmqctl(["stop"])

    def restart(self) -> None:
        self.stop()
        self.start()

    def pid(self) -> int:
        return int(self.rabbitmqctl(["eval", "os:getpid()."]).strip('"\n'))

    def kill(self) -> None:
        """SIGKILL the node's Erlang VM (epmd, shared with the machine's node, is left alone), then start it again."""
        kill_tree(self.pid(), spare=("epmd",))
        self.start()


class PrivatePostgres:
    """A PostgreSQL cluster of this run only (initdb into a temporary folder, its own port)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        folder.mkdir(parents=True)
        shutil.chown(folder, "postgres", "postgres")
        self.data = folder / "data"
        self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8")

    def _as_postgres(self, *command: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True, timeout=120)

    def _pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=300"
        log = str(self.folder / "postgres.log")
        self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", log, "-w", "-o", options, action, *extra)

    def start(self) -> None:
        self._pg_ctl("start")

    def restart(self) -> None:
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        self._pg_ctl("stop", "-m", "fast")

    def kill(self) -> None:
        """SIGKILL the postmaster and every backend (no shutdown checkpoint), then start: crash recovery."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        kill_tree(postmaster)
        self.start()

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"
