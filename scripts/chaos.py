"""``make chaos``: people using Interlude while its processes, broker and database fail, then exactly-once checks.

Runs its OWN RabbitMQ node and PostgreSQL cluster (``chaos_nodes``: own ports, own data folders in a
temporary folder; the machine's servers are never touched) and starts every Interlude process on them.
Then, paced over the load period (``chaos_load``): clients submit responses, a therapist creates
assignments and sends follow-ups (each with an Idempotency-Key), and clients log in and rotate their
refresh tokens; all retry on transport errors and 5xx like the apps. Meanwhile, in turn: each service,
the gateway and each relay is SIGKILLed and restarted; the RabbitMQ node is SIGKILLed; poison messages
go to every RPC queue and every event queue; PostgreSQL is SIGKILLed (crash recovery); the projection
is rebuilt while the load runs; assignments and identity stay down longer than the gateway's upstream
timeout.

Then (``chaos_checks``) it waits for the events to settle and checks every store a fault can touch:
accepted submissions in the log and the projection once each; each assignment created once per key, in
the log, the projection and the client's inbox; each follow-up planned, in the inbox and delivered once;
one audit entry per creation and per submission; no session ended by a fault; the projection and its
analytics equal to a fresh rebuild from the logs; every poison message dead-lettered and no process
down. It prints the figures; exit status 1 when anything was lost or duplicated.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import chaos_checks as checks
import chaos_load as load
from accounts import PASSWORD, onboard_clients
from bus_users import BusUsers
from chaos_nodes import PrivatePostgres, PrivateRabbit, free_port
from kombu import Connection, Exchange
from stack import Stack

from interlude_contracts.topology import EVENTS_EXCHANGE, SUBSCRIPTIONS, dead_letter_queue_name
from interlude_gateway.auth import Caller, TokenSigner

SERVICES = ("activities", "assignments", "notifications", "reporting", "identity")
RELAYS = ("activities-relay", "assignments-relay", "notifications-relay")
SECRET = "chaos-secret-" + "x" * 24
CLINIC = "clinic-chaos"
ACTIVITY = {
    "title": "Mood check-in",
    "instructions": "A minute to notice how you are.",
    "items": [{"id": "mood", "type": "linear_scale", "prompt": "Mood today?", "min": 0, "max": 10}],
}
# Its tokens are signed here; the gateway accepts them for an account in identity's store (Stack.register_account).
THERAPIST = "therapist-chaos"
# Longer than the gateway's upstream timeout (interlude_gateway.web.UPSTREAM_TIMEOUT_SECONDS, 30 s): requests
# wait on the queue, the gateway answers 504, clients retry, and the queued requests run when the service returns.
OUTAGE_SECONDS = 35
# How long a client keeps sending one request, beyond the outage: a request still unanswered then counts as failed.
RETRY_BUDGET_SECONDS = 150
RPC_POISON_PER_SERVICE = 3
EVENT_POISON_ROUTING_KEY = "assignments.ResponseSubmitted"
EVENT_POISON_KINDS = 2


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Run:
    """One run's nodes, processes and what it did to them (poison injected, rebuilds made)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.rabbit = PrivateRabbit(folder / "rabbitmq")
        self.postgres = PrivatePostgres(folder / "postgres")
        self.urls = {service: self.postgres.url(service) for service in SERVICES}
        self.stack = Stack(
            amqp_uri=self.rabbit.amqp_uri,
            gateway_address=f"127.0.0.1:{free_port()}",
            data_dir=folder / "data",
            log_dir=folder / "log",
            database_urls=self.urls,
            # Each process as its own broker user, as in production (docs/security.md, "The bus").
            bus_users=BusUsers(ctl=self.rabbit.rabbitmqctl),
            extra_env={
                "GATEWAY_TOKEN_SECRET": SECRET,
                "LOG_LEVEL": "WARNING",
                # Harness clients act far faster than people, all from one address: the limits are not under test.
                "GATEWAY_SUBMISSION_RATE_LIMIT": "100000/60",
                "GATEWAY_LOGIN_RATE_LIMIT": "100000/60",
                "GATEWAY_LOGIN_ADDRESS_RATE_LIMIT": "100000/60",
            },
        )
        self.injected: Counter = Counter()
        self.rebuilds: list[str] = []
        self.background: list[threading.Thread] = []

    def in_background(self, work: Any) -> None:
        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        self.background.append(thread)


# -- preparation ---------------------------------------------------------------------------------


def therapist_session(base: str) -> requests.Session:
    signer = TokenSigner(SECRET, 3600)
    therapist = requests.Session()
    therapist.headers["Authorization"] = "Bearer " + signer.issue(
        Caller(subject=THERAPIST, role="therapist", clinic_id=CLINIC)
    )
    return therapist


def prepare(base: str, count: int, clients: int, accounts: int) -> tuple[str, list[str], list[tuple[str, str]]]:
    """A published activity, the client accounts, and ``count`` assignments to answer: (activity, clients, work)."""
    therapist = therapist_session(base)
    activity = therapist.post(f"{base}/activities", json=ACTIVITY, timeout=30).json()["activity_id"]
    therapist.post(f"{base}/activities/{activity}/publish", timeout=30).raise_for_status()
    client_ids = onboard_clients(base, therapist, accounts, "chaos-client")
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
            response = therapist.post(f"{base}/assignments", json=assignment_body(client, activity), timeout=60)
            response.raise_for_status()
            with lock:
                made.append((client, response.json()["assignment_id"]))

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return activity, client_ids, made


def assignment_body(client: str, activity: str) -> dict[str, Any]:
    return {"client_id": client, "activity_id": activity, "due_at": (datetime.now(UTC) + timedelta(days=7)).isoformat()}


# -- faults --------------------------------------------------------------------------------------


def kill_and_restart(run: Run, *names: str, down: float = 1.0) -> Any:
    def fault() -> None:
        for name in names:
            run.stack.kill(name)
        time.sleep(down)
        for name in names:
            run.stack.restart(name)

    return fault


def poison_rpc(run: Run) -> None:
    """Requests no service can handle on every ``rpc-<service>``: no reply_to, not JSON, no args."""
    rpc = Exchange("nameko-rpc", type="topic", durable=True)
    with Connection(run.rabbit.amqp_uri) as connection:
        producer = connection.Producer()
        for service in SERVICES:
            key = f"{service}.chaos_poison"
            answerable = {"reply_to": "chaos-nobody-listens", "correlation_id": "chaos-poison"}
            producer.publish(
                b'{"args": [], "kwargs": {}}',
                exchange=rpc,
                routing_key=key,
                content_type="application/json",
                content_encoding="utf-8",
                retry=True,
            )
            producer.publish(
                b"{not json",
                exchange=rpc,
                routing_key=key,
                content_type="application/json",
                content_encoding="utf-8",
                retry=True,
                **answerable,
            )
            producer.publish(
                b'{"kwargs": {}}',
                exchange=rpc,
                routing_key=key,
                content_type="application/json",
                content_encoding="utf-8",
                retry=True,
                **answerable,
            )
            run.injected[dead_letter_queue_name(f"rpc-{service}")] += RPC_POISON_PER_SERVICE


def poison_events(run: Run) -> None:
    """On every queue subscribed to submissions: a body that is not JSON, and an envelope failing its contract."""
    with Connection(run.rabbit.amqp_uri) as connection:
        producer = connection.Producer()
        producer.publish(
            b"\x00 not an event",
            exchange=EVENTS_EXCHANGE,
            routing_key=EVENT_POISON_ROUTING_KEY,
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=2,
            retry=True,
        )
        producer.publish(
            {"event_type": "ResponseSubmitted", "payload": {"assignment_id": "not-a-uuid"}},
            exchange=EVENTS_EXCHANGE,
            routing_key=EVENT_POISON_ROUTING_KEY,
            serializer="json",
            delivery_mode=2,
            retry=True,
        )
    for queue, keys in SUBSCRIPTIONS.items():
        if EVENT_POISON_ROUTING_KEY in keys:
            run.injected[dead_letter_queue_name(queue)] += EVENT_POISON_KINDS


def rebuild(run: Run) -> None:
    """``interlude-reporting rebuild`` (into a shadow, swapped in) while the load runs, as an operator would.

    Run again if a fault interrupts it (a broker or database restart), as an operator would too.
    """

    def rebuild_until_done() -> None:
        command = [str(Path(sys.executable).parent / "interlude-reporting"), "rebuild"]
        for attempt in range(1, 6):
            done = subprocess.run(command, env=run.stack.env_for("reporting"), capture_output=True, text=True)
            run.rebuilds.append("ok" if done.returncode == 0 else f"failed: {done.stderr.strip()[-300:]}")
            if done.returncode == 0:
                say(f"rebuild under load done (attempt {attempt})")
                return
            time.sleep(2)

    run.in_background(rebuild_until_done)


def outage(run: Run) -> None:
    """Assignments and identity down longer than the gateway's upstream timeout (in the background)."""
    run.in_background(kill_and_restart(run, "assignments", "identity", down=OUTAGE_SECONDS))


def faults(run: Run) -> list[tuple[str, Any]]:
    """Every fault once, the slow ones (broker, database) early, so that load still runs after each."""

    def killed(name: str) -> tuple[str, Any]:
        return f"SIGKILL {name}", kill_and_restart(run, name)

    return [
        killed("assignments"),
        ("SIGKILL the RabbitMQ node", run.rabbit.kill),
        ("poison on every RPC queue", lambda: poison_rpc(run)),
        killed("activities"),
        killed("notifications"),
        ("rebuild the projection under load", lambda: rebuild(run)),
        killed("reporting"),
        ("SIGKILL PostgreSQL", run.postgres.kill),
        ("poison on every event queue", lambda: poison_events(run)),
        killed("identity"),
        killed("gateway"),
        *(killed(relay) for relay in RELAYS),
        (f"assignments and identity down {OUTAGE_SECONDS}s (> the gateway's upstream timeout)", lambda: outage(run)),
    ]


# -- load ------------------------------------------------------------------------------------------


class Workloads:
    def __init__(self) -> None:
        self.submissions = load.Submissions()
        self.creations = load.Tally()
        self.follow_ups = load.Tally()
        self.sessions = load.Sessions()


def run_load(
    run: Run, activity: str, client_ids: list[str], work: list[tuple[str, str]], arguments: argparse.Namespace
) -> Workloads:
    """Every workload paced over ``seconds`` while the faults happen one after another."""
    base, seconds = run.stack.url, arguments.seconds
    tallies = Workloads()
    signer = TokenSigner(SECRET, 3600)
    tokens = {c: signer.issue(Caller(subject=c, role="client", clinic_id=CLINIC)) for c in client_ids}
    therapist = signer.issue(Caller(subject=THERAPIST, role="therapist", clinic_id=CLINIC))
    started = time.monotonic()
    retry_for = OUTAGE_SECONDS + RETRY_BUDGET_SECONDS
    picks = [random.choice(client_ids) for _ in range(max(arguments.creations, arguments.follow_ups))]
    threads = load.paced(
        work,
        arguments.clients,
        started,
        seconds,
        lambda job: load.submit(base, tokens[job[0]], job[1], tallies.submissions, retry_for),
    )
    threads += load.paced(
        picks[: arguments.creations],
        3,
        started,
        seconds,
        lambda c: load.create_assignment(base, therapist, assignment_body(c, activity), tallies.creations, retry_for),
    )
    threads += load.paced(
        picks[: arguments.follow_ups],
        2,
        started,
        seconds,
        lambda c: load.follow_up(base, therapist, c, tallies.follow_ups, retry_for),
    )
    usernames = [f"chaos-client-{index}@example.org" for index in range(arguments.sessions)]
    every = max(seconds / arguments.refreshes, 1.0)
    threads += load.paced(
        usernames,
        len(usernames),
        started,
        min(seconds / 10, 10),
        lambda name: load.session(base, name, PASSWORD, tallies.sessions, started + seconds, every, retry_for),
    )
    plan = faults(run)
    gap = seconds / (len(plan) + 1)
    for number, (name, fault) in enumerate(plan, start=1):
        time.sleep(max(0.0, started + number * gap - time.monotonic()))
        say(f"fault {number}/{len(plan)}: {name} ({len(tallies.submissions.accepted)} submissions accepted so far)")
        fault()
    for thread in [*threads, *run.background]:
        thread.join()
    return tallies


# -- checks ----------------------------------------------------------------------------------------


def unsettled(run: Run, prepared: set[str], tallies: Workloads) -> list[str]:
    """What the stores do not agree on yet (events still travelling); empty once settled."""
    urls = run.urls
    try:
        reports = {
            "submissions": checks.submissions_report(urls, tallies.submissions),
            "assignments": checks.assignments_report(urls, prepared, tallies.creations),
            "follow_ups": checks.follow_ups_report(urls, tallies.follow_ups),
            "audit": checks.audit_report(
                urls, tallies.creations, set(checks.log_counts(urls["assignments"], checks.SUBMITTED))
            ),
        }
    except psycopg.Error as error:
        return [f"database: {error}"]
    # What the clients gave up on cannot settle; what the stores still lack can (events still travelling).
    return [name for name, report in reports.items() if report["lost"] > report.get("client_gave_up", 0)]


def settle(run: Run, prepared: set[str], tallies: Workloads, timeout: float = 180) -> list[str]:
    deadline = time.monotonic() + timeout
    while (waiting := unsettled(run, prepared, tallies)) and time.monotonic() < deadline:
        time.sleep(2)
    return waiting


def check(run: Run, prepared: set[str], tallies: Workloads) -> dict[str, Any]:
    urls = run.urls
    submitted = set(checks.log_counts(urls["assignments"], checks.SUBMITTED))
    with psycopg.connect(run.postgres.url("postgres"), autocommit=True) as connection:
        connection.execute("CREATE DATABASE reporting_fresh")
    report: dict[str, Any] = {
        "submissions": checks.submissions_report(urls, tallies.submissions),
        "assignments_created": checks.assignments_report(urls, prepared, tallies.creations),
        "follow_ups": checks.follow_ups_report(urls, tallies.follow_ups),
        "audit": checks.audit_report(urls, tallies.creations, submitted),
        "logins_and_refreshes": checks.sessions_report(tallies.sessions),
        "analytics": checks.analytics_report(urls, run.postgres.url("reporting_fresh"), run.stack.env_for("reporting")),
        "poison": checks.poison_report(run.rabbit.amqp_uri, SERVICES, run.injected, run.stack.exited()),
        "rebuilds_under_load": run.rebuilds,
    }
    parts = [value for value in report.values() if isinstance(value, dict)]
    report["lost"] = sum(part["lost"] for part in parts)
    report["duplicated"] = sum(part["duplicated"] for part in parts)
    report["exactly_once"] = (
        report["lost"] == 0
        and report["duplicated"] == 0
        and report["analytics"]["equal_to_fresh_rebuild"]
        and "ok" in run.rebuilds
    )
    return report


def chaos(arguments: argparse.Namespace) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="interlude-chaos-"))
    os.chmod(folder, 0o755)
    run = Run(folder)
    passed = False
    try:
        say(f"private RabbitMQ {run.rabbit.node}:{run.rabbit.port}, PostgreSQL :{run.postgres.port} ({folder})")
        run.rabbit.start()
        run.postgres.start()
        run.stack.migrate()
        run.stack.start()
        run.stack.wait_ready()
        run.stack.register_account(THERAPIST, "therapist", CLINIC)
        activity, client_ids, work = prepare(
            run.stack.url, arguments.submissions, arguments.clients, max(arguments.accounts, arguments.sessions)
        )
        random.shuffle(work)
        say(f"prepared {len(work)} assignments; load for {arguments.seconds:.0f}s under faults")
        tallies = run_load(run, activity, client_ids, work, arguments)
        say("load done; waiting for the stores to settle")
        prepared = {assignment for _, assignment in work}
        waiting = settle(run, prepared, tallies)
        if waiting:
            say(f"not settled after the wait: {waiting}")
        report = check(run, prepared, tallies)
        report["logs"] = str(run.stack.log_dir)
        passed = report["exactly_once"]
        return report
    finally:
        run.stack.stop()
        for stop in (run.postgres.stop, run.rabbit.stop):
            try:
                stop()
            except Exception as error:
                say(f"cleanup: {error}")
        if passed and not os.environ.get("CHAOS_KEEP"):
            shutil.rmtree(folder, ignore_errors=True)
        elif not passed:
            say(f"kept {folder} (logs, data) for inspection")


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16, help="concurrent submitting clients")
    parser.add_argument("--creations", type=int, default=300, help="assignments a therapist creates under faults")
    parser.add_argument("--follow-ups", type=int, default=150)
    parser.add_argument("--accounts", type=int, default=30, help="client accounts (made by invitation)")
    parser.add_argument("--sessions", type=int, default=20, help="clients who log in and keep refreshing")
    parser.add_argument("--refreshes", type=int, default=10, help="refreshes per session over the load period")
    parser.add_argument("--seconds", type=float, default=120, help="the load period; the faults spread over it")
    return parser


def main() -> None:
    report = chaos(parser().parse_args())
    print(json.dumps(report, indent=2, default=str))
    sys.exit(0 if report["exactly_once"] else 1)


if __name__ == "__main__":
    main()
