"""``make chaos``: submissions under faults, then an exactly-once check.

Runs its OWN RabbitMQ node and PostgreSQL cluster (own ports, own data folders in a temporary folder;
the machine's servers are never touched), starts every Interlude process on them, prepares one
assignment per submission, and lets paced clients submit responses through the gateway while, in turn,
each service and the gateway is SIGKILLed and restarted, each relay is SIGKILLed and restarted,
RabbitMQ is restarted and PostgreSQL is restarted.

Clients behave like the mobile app: on a transport error or a 5xx they retry the same submission.
Then it checks that every submission the gateway accepted (2xx) is in the assignment log exactly once
and in the reporting projection exactly once, that the log and the projection hold the same
submissions, and prints the counts. Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from accounts import onboard_clients
from bus_users import BusUsers
from stack import Stack

from interlude_gateway.auth import Caller, TokenSigner

SERVICES = ("activities", "assignments", "notifications", "reporting")
SECRET = "chaos-secret-" + "x" * 24
CLINIC = "clinic-chaos"
ACTIVITY = {
    "title": "Mood check-in",
    "instructions": "A minute to notice how you are.",
    "items": [{"id": "mood", "type": "linear_scale", "prompt": "Mood today?", "min": 0, "max": 10}],
}
PG_BIN = Path(os.environ.get("CHAOS_PG_BIN", "/usr/lib/postgresql/15/bin"))
RABBIT_BIN = Path("/usr/lib/rabbitmq/bin")
RABBIT_HOME = "/var/lib/rabbitmq"


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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

    def _as_rabbitmq(self, *command: str, timeout: float = 90) -> None:
        subprocess.run(
            ["runuser", "-u", "rabbitmq", "--", *command],
            env=self.env,
            cwd=RABBIT_HOME,
            check=True,
            capture_output=True,
            timeout=timeout,
        )

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

    def rabbitmqctl(self, arguments: Sequence[str]) -> None:
        self._as_rabbitmq(str(RABBIT_BIN / "rabbitmqctl"), "-n", self.node, *arguments)

    def stop(self) -> None:
        self.rabbitmqctl(["stop"])

    def restart(self) -> None:
        self.stop()
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

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


@dataclass
class Outcomes:
    accepted: set[str] = field(default_factory=set)
    conflict_after_error: set[str] = field(default_factory=set)
    conflict_first: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    retries: int = 0
    statuses: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def submit(base: str, token: str, assignment: str, outcomes: Outcomes, deadline: float) -> None:
    """One client's submission, retried on transport errors and 5xx like the mobile app.

    Every attempt carries the same X-Correlation-Id, so a retry of a response that was in fact stored is
    answered as accepted rather than as a conflict.
    """
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    http.headers["X-Correlation-Id"] = str(uuid.uuid4())
    errored = False
    while time.monotonic() < deadline:
        try:
            response = http.post(
                f"{base}/assignments/{assignment}/responses", json={"answers": {"mood": 5}}, timeout=40
            )
            status = response.status_code
        except requests.RequestException:
            status = 0
        with outcomes.lock:
            outcomes.statuses[status] += 1
            if 200 <= status < 300:
                outcomes.accepted.add(assignment)
                return
            if status == 409:
                (outcomes.conflict_after_error if errored else outcomes.conflict_first).add(assignment)
                return
            if status and status < 500:
                outcomes.failed.add(assignment)
                return
            outcomes.retries += 1
        errored = True
        time.sleep(0.5)
    with outcomes.lock:
        outcomes.failed.add(assignment)


# Its tokens are signed here; the gateway accepts them for an account in identity's store (Stack.register_account).
THERAPIST = "therapist-chaos"


def prepare(base: str, count: int, clients: int) -> list[tuple[str, str]]:
    signer = TokenSigner(SECRET, 3600)
    therapist = requests.Session()
    therapist.headers["Authorization"] = "Bearer " + signer.issue(
        Caller(subject=THERAPIST, role="therapist", clinic_id=CLINIC)
    )
    activity = therapist.post(f"{base}/activities", json=ACTIVITY, timeout=30).json()["activity_id"]
    therapist.post(f"{base}/activities/{activity}/publish", timeout=30).raise_for_status()
    due = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    client_ids = onboard_clients(base, therapist, 50, "chaos-client")
    made: list[tuple[str, str]] = []
    lock = threading.Lock()
    indexes = iter(range(count))

    def worker() -> None:
        while True:
            with lock:
                index = next(indexes, None)
            if index is None:
                return
            client = client_ids[index % len(client_ids)]
            body = {"client_id": client, "activity_id": activity, "due_at": due}
            response = therapist.post(f"{base}/assignments", json=body, timeout=60)
            response.raise_for_status()
            with lock:
                made.append((client, response.json()["assignment_id"]))

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return made


def faults(stack: Stack, rabbit: PrivateRabbit, postgres: PrivatePostgres) -> list[tuple[str, Any]]:
    def kill_and_restart(name: str) -> Any:
        def fault() -> None:
            stack.kill(name)
            time.sleep(1)
            stack.restart(name)

        return fault

    plan: list[tuple[str, Any]] = [(f"SIGKILL {name}", kill_and_restart(name)) for name in (*SERVICES, "gateway")]
    plan += [(f"SIGKILL {name}-relay", kill_and_restart(f"{name}-relay")) for name in ("activities", "assignments")]
    plan += [("restart RabbitMQ", rabbit.restart), ("restart PostgreSQL", postgres.restart)]
    return plan


def run_load(stack: Stack, work: list[tuple[str, str]], clients: int, seconds: float, plan: list) -> Outcomes:
    """Paced submissions over ``seconds`` while the faults of ``plan`` happen one after another."""
    outcomes = Outcomes()
    signer = TokenSigner(SECRET, 3600)
    tokens = {c: signer.issue(Caller(subject=c, role="client", clinic_id=CLINIC)) for c, _ in work}
    interval = seconds / len(work)
    started = time.monotonic()
    deadline = started + seconds + 120
    queue = iter(enumerate(work))
    lock = threading.Lock()

    def client_loop() -> None:
        while True:
            with lock:
                item = next(queue, None)
            if item is None:
                return
            index, (client, assignment) = item
            pause = started + index * interval - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            submit(stack.url, tokens[client], assignment, outcomes, deadline)

    threads = [threading.Thread(target=client_loop, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    gap = seconds / (len(plan) + 1)
    for number, (name, fault) in enumerate(plan, start=1):
        time.sleep(max(0.0, started + number * gap - time.monotonic()))
        say(f"fault {number}/{len(plan)}: {name} ({len(outcomes.accepted)} accepted so far)")
        fault()
    for thread in threads:
        thread.join()
    return outcomes


def log_counts(url: str) -> Counter:
    """Submissions per assignment in the assignment log (the event store itself)."""
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT originator_id::text FROM assignments_events WHERE topic LIKE %s", ("%ResponseSubmitted%",)
        ).fetchall()
    return Counter(row[0] for row in rows)


def projection_state(url: str) -> tuple[set[str], int]:
    with psycopg.connect(url) as connection:
        submitted = connection.execute("SELECT assignment_id FROM assignments WHERE submitted_at IS NOT NULL")
        ids = {row[0] for row in submitted.fetchall()}
        tracked = connection.execute("SELECT count(*) FROM tracking WHERE event_type = 'ResponseSubmitted'").fetchone()[
            0
        ]
    return ids, tracked


def settle(stack: Stack, postgres: PrivatePostgres, timeout: float = 120) -> tuple[Counter, set[str], int]:
    """Wait until the projection holds every submission in the log (or time runs out)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            logged = log_counts(postgres.url("assignments"))
            projected, tracked = projection_state(postgres.url("reporting"))
        except psycopg.Error:
            logged, projected, tracked = Counter(), set(), 0
        if (logged and set(logged) == projected) or time.monotonic() > deadline:
            return logged, projected, tracked
        time.sleep(1)


def check(outcomes: Outcomes, logged: Counter, projected: set[str], tracked: int) -> dict[str, Any]:
    stored_after_error = outcomes.conflict_after_error
    report = {
        "accepted_2xx": len(outcomes.accepted),
        "stored_but_client_saw_an_error_then_409": len(stored_after_error),
        "409_on_first_attempt": len(outcomes.conflict_first),
        "failed": len(outcomes.failed),
        "client_retries": outcomes.retries,
        "responses_by_status": {str(k): v for k, v in sorted(outcomes.statuses.items())},
        "in_log": len(logged),
        "in_log_more_than_once": sum(1 for n in logged.values() if n > 1),
        "in_projection": len(projected),
        "projection_tracking_rows": tracked,
        "accepted_missing_from_log": len(outcomes.accepted - set(logged)),
        "accepted_missing_from_projection": len(outcomes.accepted - projected),
        "in_log_not_in_projection": len(set(logged) - projected),
        "in_log_never_confirmed_to_client": len(set(logged) - outcomes.accepted - stored_after_error),
    }
    report["exactly_once"] = (
        report["accepted_missing_from_log"] == 0
        and report["accepted_missing_from_projection"] == 0
        and report["in_log_more_than_once"] == 0
        and report["in_log_not_in_projection"] == 0
        and tracked == len(projected) == len(logged)
    )
    return report


def chaos(submissions: int, clients: int, seconds: float, log: bool = True) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="interlude-chaos-"))
    os.chmod(folder, 0o755)
    rabbit = PrivateRabbit(folder / "rabbitmq")
    postgres = PrivatePostgres(folder / "postgres")
    stack: Stack | None = None
    passed = False
    try:
        say(f"private RabbitMQ {rabbit.node} on port {rabbit.port}, PostgreSQL on port {postgres.port} ({folder})")
        rabbit.start()
        postgres.start()
        stack = Stack(
            amqp_uri=rabbit.amqp_uri,
            gateway_address=f"127.0.0.1:{free_port()}",
            data_dir=folder / "data",
            log_dir=folder / "log",
            database_urls={service: postgres.url(service) for service in SERVICES},
            # Each process as its own broker user, as in production (docs/security.md, "The bus").
            bus_users=BusUsers(ctl=rabbit.rabbitmqctl),
            extra_env={
                "GATEWAY_TOKEN_SECRET": SECRET,
                "LOG_LEVEL": "WARNING",
                # Each harness client submits far faster than a person: the per-client limit is not under test.
                "GATEWAY_SUBMISSION_RATE_LIMIT": "100000/60",
            },
        )
        stack.migrate()
        stack.start()
        stack.wait_ready()
        stack.register_account(THERAPIST, "therapist", CLINIC)
        work = prepare(stack.url, submissions, clients)
        random.shuffle(work)
        say(f"prepared {len(work)} assignments; submitting over {seconds:.0f}s with {clients} clients under faults")
        plan = faults(stack, rabbit, postgres)
        outcomes = run_load(stack, work, clients, seconds, plan)
        say("load done; waiting for the projection to settle")
        report = check(outcomes, *settle(stack, postgres))
        report["logs"] = str(stack.log_dir)
        passed = report["exactly_once"]
        return report
    finally:
        if stack is not None:
            stack.stop()
        for stop in (postgres.stop, rabbit.stop):
            try:
                stop()
            except Exception as error:
                say(f"cleanup: {error}")
        if passed and not os.environ.get("CHAOS_KEEP"):
            shutil.rmtree(folder, ignore_errors=True)
        elif not passed:
            say(f"kept {folder} (logs, data) for inspection")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=100)
    arguments = parser.parse_args()
    report = chaos(arguments.submissions, arguments.clients, arguments.seconds)
    print(json.dumps(report, indent=2))
    sys.exit(0 if report["exactly_once"] else 1)


if __name__ == "__main__":
    main()
