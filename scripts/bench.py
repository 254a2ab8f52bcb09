"""``make bench``: the whole system on PostgreSQL under a concurrent load of clients submitting responses.

Starts every service, both relays and the gateway (``stack.Stack``) on fresh PostgreSQL databases and a
RabbitMQ virtual host of its own (both removed afterwards), prepares one activity and an assignment per
submission, then lets concurrent clients submit responses through the gateway over loopback, bounded in
count and time. It prints progress, then:

- assignments created through the gateway per second (the preparation, timed as its own phase);
- accepted submissions per second, and gateway latency p50/p95/p99 of those submissions;
- submit-to-projection latency p50/p95/p99: from sending the response to its row in the reporting
  database showing it submitted (polled directly);
- CPU milliseconds per accepted submission, by process (Interlude's, RabbitMQ, PostgreSQL), from ``/proc``;
- read latency p50/p95/p99 of a client's to-do list, the therapist's caseload and a client's progress report,
  and a CSV export's rows/s, at the bench's size (BENCH_CLIENTS clients, one therapist);
- the projection rebuilt from both logs into a fresh database (``interlude-reporting rebuild --into``), in events/s;
- measured in the same run on the same machine: the raw RabbitMQ confirmed-publish rate (one persistent
  message at a time, waiting for each confirm, as the relay does) and the raw PostgreSQL single-row
  insert rate (one committed INSERT at a time), with the ratios;
- the floor (``bench_floor.py``, after the stack has stopped): the same load of submissions and creations
  through Interlude's plumbing with no application in it, so that the figures above can be read against
  what the hops alone allow on this machine (``--floor-requests``, 0 to skip).

``--replicas N`` starts N instances of the assignments service (sharing its queues, as a Deployment's pods
do) and N gateways, each on its own port; the creation phase, the clients and the reads spread their
requests over the gateways in turn, as a load balancer would. CPU is counted for every instance and given
to its process (``cpu_ms_per_submission_by_process``); with more than one, also by instance.

Figures go to ``bench-results.json`` (or ``--out``). Options: ``--submissions``, ``--clients``, ``--seconds``,
``--replicas``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import psycopg
import requests
from kombu import Connection, Exchange, Producer

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_floor
import large_clinic as large_clinic_module
from accounts import onboard_clients
from large_clinic import OPEN_SHARE
from stack import ROOT, Stack, process_commands, process_of

from interlude_contracts.topology import durable_queue
from interlude_gateway.auth import Caller, TokenSigner
from interlude_runtime.storage import Database, postgres_conninfo, postgres_params

SERVICES = ("activities", "assignments", "notifications", "reporting", "identity")
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
RABBIT = os.environ.get("BENCH_AMQP_BASE", "pyamqp://guest:guest@127.0.0.1:5672")
SECRET = "bench-secret-" + "x" * 24
BENCH_CLIENTS = 200  # onboarded by invitation, as a therapist would
CLINIC = "clinic-bench"
# Readers at once in the read phase: one (the latency at this size), then eight (queueing on these cores).
READERS_AT_ONCE = (1, 8)
ACTIVITY = {
    "title": "Mood check-in",
    "instructions": "A minute to notice how you are.",
    "items": [
        {"id": "mood", "type": "linear_scale", "prompt": "Mood today?", "min": 0, "max": 10},
        {"id": "note", "type": "free_text", "prompt": "Anything else?", "required": False},
    ],
}


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def percentiles(values: list[float]) -> dict[str, float | None]:
    if len(values) < 2:
        return {"p50": None, "p95": None, "p99": None}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": round(cuts[49] * 1000, 1), "p95": round(cuts[94] * 1000, 1), "p99": round(cuts[98] * 1000, 1)}


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Resources:
    """A RabbitMQ vhost and PostgreSQL databases of this run; removed by ``close``."""

    def __init__(self, label: str) -> None:
        self.tag = f"{label}_{uuid.uuid4().hex[:8]}"
        self.vhost = f"interlude-{self.tag}"
        self.databases: list[str] = []
        subprocess.run(["rabbitmqctl", "add_vhost", self.vhost], check=True, capture_output=True, timeout=60)
        subprocess.run(
            ["rabbitmqctl", "set_permissions", "-p", self.vhost, "guest", ".*", ".*", ".*"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        self.amqp_uri = f"{RABBIT}/{self.vhost}"

    def database(self, service: str) -> str:
        name = f"interlude_{self.tag}_{service}"
        self.databases.append(name)
        return POSTGRES.rsplit("/", 1)[0] + f"/{name}"

    def close(self) -> None:
        subprocess.run(["rabbitmqctl", "delete_vhost", self.vhost], capture_output=True, timeout=60)
        with psycopg.connect(postgres_conninfo(postgres_params(POSTGRES)), autocommit=True) as connection:
            for name in self.databases:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def session(token: str) -> requests.Session:
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    return http


# Its tokens are signed here; the gateway accepts them for an account in identity's store (Stack.register_account).
THERAPIST = "therapist-bench"


def prepare(bases: list[str], submissions: int, clients: int) -> tuple[list[tuple[str, str]], float]:
    """One published activity and ``submissions`` assignments over BENCH_CLIENTS clients, ``clients`` at a time.

    The assignments are created through the gateways in turn (``bases``); the rest through the first.
    Returns the (client, assignment) pairs and the seconds the assignments' creation took (its own phase).
    """
    base = bases[0]
    signer = TokenSigner(SECRET, 3600)
    therapist = session(signer.issue(Caller(subject=THERAPIST, role="therapist", clinic_id=CLINIC)))
    activity = therapist.post(f"{base}/activities", json=ACTIVITY, timeout=30).json()["activity_id"]
    therapist.post(f"{base}/activities/{activity}/publish", timeout=30).raise_for_status()
    due = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    started = time.monotonic()
    client_ids = onboard_clients(base, therapist, BENCH_CLIENTS, "bench-client")
    say(f"onboarded {len(client_ids)} clients by invitation in {time.monotonic() - started:.1f}s")

    def assign(index: int) -> tuple[str, str]:
        # Many clients, as in a clinic: a client's own index of assignments stays short.
        client = client_ids[index % len(client_ids)]
        body = {"client_id": client, "activity_id": activity, "due_at": due}
        response = therapist.post(f"{bases[index % len(bases)]}/assignments", json=body, timeout=60)
        response.raise_for_status()
        return client, response.json()["assignment_id"]

    creating = time.monotonic()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        made = list(pool.map(assign, range(submissions)))
    creation_seconds = time.monotonic() - creating
    say(f"created {len(made)} assignments through the gateway in {creation_seconds:.1f}s")
    return made, creation_seconds


class Load:
    """Concurrent clients, each submitting its own assignments' responses; bounded in count and time.

    Each submission goes to the next gateway of ``bases`` in turn (round-robin, as a load balancer's).
    """

    def __init__(self, bases: list[str], work: list[tuple[str, str]], clients: int, seconds: float) -> None:
        self.bases = bases
        self.work = work
        self.clients = clients
        self.deadline = time.monotonic() + seconds
        self.lock = threading.Lock()
        self.next = 0
        self.sent_at: dict[str, float] = {}
        self.latencies: list[float] = []
        self.rejected: dict[int, int] = {}
        self.errors = 0
        self.finished = time.monotonic()
        signer = TokenSigner(SECRET, 3600)
        self.tokens = {
            client: signer.issue(Caller(subject=client, role="client", clinic_id=CLINIC)) for client, _ in work
        }

    def take(self) -> tuple[str, str, str] | None:
        """The next gateway, client and assignment; None once all are sent or the time is up."""
        with self.lock:
            if self.next >= len(self.work) or time.monotonic() > self.deadline:
                return None
            self.next += 1
            client, assignment = self.work[self.next - 1]
            return self.bases[(self.next - 1) % len(self.bases)], client, assignment

    def worker(self) -> None:
        sessions: dict[str, requests.Session] = {}
        while (item := self.take()) is not None:
            base, client, assignment = item
            http = sessions.setdefault(client, session(self.tokens[client]))
            body = {"answers": {"mood": 6, "note": "bench"}}
            sent = time.monotonic()
            try:
                response = http.post(f"{base}/assignments/{assignment}/responses", json=body, timeout=60)
            except requests.RequestException:
                with self.lock:
                    self.errors += 1
                continue
            elapsed = time.monotonic() - sent
            with self.lock:
                self.finished = time.monotonic()
                if 200 <= response.status_code < 300:
                    self.sent_at[assignment] = sent
                    self.latencies.append(elapsed)
                else:
                    self.rejected[response.status_code] = self.rejected.get(response.status_code, 0) + 1

    def run(self) -> float:
        started = time.monotonic()
        threads = [threading.Thread(target=self.worker, daemon=True) for _ in range(self.clients)]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            for thread in threads:
                thread.join(timeout=max(0.0, 2 - (time.monotonic() - started) % 2))
                if thread.is_alive():
                    break
            with self.lock:
                done = len(self.latencies)
            rate = done / max(time.monotonic() - started, 1e-9)
            say(f"  {done}/{len(self.work)} accepted, {rate:.0f}/s")
        return self.finished - started


def watch_projection(reporting_url: str, seen: dict[str, float], stop: threading.Event) -> None:
    """Poll the reporting database; note in ``seen`` the first moment each assignment shows submitted."""
    query = "SELECT assignment_id FROM assignments WHERE submitted_at IS NOT NULL"
    with psycopg.connect(postgres_conninfo(postgres_params(reporting_url)), autocommit=True) as connection:
        while not stop.is_set():
            try:
                rows = connection.execute(query).fetchall()
            except psycopg.errors.UndefinedTable:
                rows = []
            now = time.monotonic()
            for (assignment_id,) in rows:
                seen.setdefault(assignment_id, now)
            time.sleep(0.05)


class MeasuredLoad(Protocol):
    sent_at: dict[str, float]  # when each accepted request was sent, by the assignment it names

    def run(self) -> float: ...


def watched_load(load: MeasuredLoad, reporting_url: str, meter: CpuMeter) -> tuple[float, list[float]]:
    """``load.run()`` with ``meter`` running and the reporting database polled; then, for up to a minute, until
    every accepted request shows there. The load's seconds, and each request's seconds until it showed."""
    stop = threading.Event()
    seen: dict[str, float] = {}
    watcher = threading.Thread(target=watch_projection, args=(reporting_url, seen, stop))
    watcher.start()
    meter.start()
    elapsed = load.run()
    meter.stop()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not seen.keys() >= load.sent_at.keys():
        time.sleep(0.2)
    stop.set()
    watcher.join()
    return elapsed, [seen[key] - sent for key, sent in load.sent_at.items() if key in seen]


def token(subject: str, role: str, clinic_id: str = CLINIC) -> str:
    return TokenSigner(SECRET, 3600).issue(Caller(subject=subject, role=role, clinic_id=clinic_id))


def read_latencies(
    bases: list[str], clients_of: dict[str, list[str]], count: int, clinic_id: str = CLINIC
) -> dict[str, Any]:
    """p50/p95/p99 of the reads a clinic makes most, ``count`` of each, over the gateways in turn: one at a
    time (how long a reader waits at this size) and 8 at a time (how it queues on these cores).

    Each reader keeps its connection open, as a browser does. ``clients_of`` maps each therapist to their
    clients; the n-th read picks a client (spread over the therapists) and reads as that client or as their
    therapist.
    """
    pairs = [(therapist, client) for therapist, clients in clients_of.items() for client in clients]
    rng = random.Random(count)
    rng.shuffle(pairs)
    tokens: dict[str, str] = {}
    connections = threading.local()

    def as_(subject: str, role: str) -> str:
        if subject not in tokens:
            tokens[subject] = token(subject, role, clinic_id)
        return tokens[subject]

    def pick(n: int) -> tuple[str, str]:
        return pairs[n % len(pairs)]

    reads = {
        "client GET /me/todo": lambda n: (as_(pick(n)[1], "client"), "/me/todo"),
        "therapist GET /me/caseload": lambda n: (as_(pick(n)[0], "therapist"), "/me/caseload"),
        "therapist GET /clients/<id>/progress": lambda n: (
            as_(pick(n)[0], "therapist"),
            f"/clients/{pick(n)[1]}/progress",
        ),
    }
    figures: dict[str, Any] = {}
    for readers in READERS_AT_ONCE:
        at_once = figures.setdefault(f"{readers} at a time", {})
        for name, request_of in reads.items():

            def timed(n: int, request_of: Any = request_of) -> float:
                if not hasattr(connections, "http"):
                    connections.http = requests.Session()
                token, path = request_of(n)
                started = time.monotonic()
                url = f"{bases[n % len(bases)]}{path}"
                response = connections.http.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
                response.raise_for_status()
                return time.monotonic() - started

            with ThreadPoolExecutor(max_workers=readers) as pool:
                at_once[name] = percentiles(list(pool.map(timed, range(count))))
    return figures


def csv_export_rate(base: str, bearer: str) -> dict[str, float]:
    """A CSV export of every assignment the bearer may export, streamed whole: rows and rows/s."""
    started = time.monotonic()
    with requests.get(
        f"{base}/reports/assignments.csv", headers={"Authorization": f"Bearer {bearer}"}, stream=True, timeout=900
    ) as response:
        response.raise_for_status()
        rows = sum(1 for _ in response.iter_lines()) - 1  # less the header
    seconds = time.monotonic() - started
    return {"rows": rows, "seconds": round(seconds, 2), "rows_per_second": round(rows / max(seconds, 1e-9), 1)}


def raw_publish_rate(amqp_uri: str, count: int) -> float:
    # Declared as Interlude's queues are (quorum), so the raw rate is what a relay's publish can reach.
    queue = durable_queue("bench.raw", exchange=Exchange("bench.raw", type="direct", durable=True), routing_key="raw")
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.default_channel
        queue(channel).declare()
        producer = Producer(channel)
        body = {"event_id": str(uuid.uuid4()), "payload": {"answers": {"mood": 6, "note": "bench"}}}
        started = time.monotonic()
        for _ in range(count):
            producer.publish(body, exchange=queue.exchange, routing_key="raw", serializer="json", delivery_mode=2)
        elapsed = time.monotonic() - started
        queue(channel).delete()
    return count / elapsed


def raw_insert_rate(url: str, count: int) -> float:
    with psycopg.connect(postgres_conninfo(postgres_params(url)), autocommit=True) as connection:
        connection.execute("CREATE TABLE IF NOT EXISTS bench_raw (id UUID PRIMARY KEY, body JSONB NOT NULL)")
        body = json.dumps({"answers": {"mood": 6, "note": "bench"}})
        started = time.monotonic()
        for _ in range(count):
            connection.execute("INSERT INTO bench_raw (id, body) VALUES (%s, %s)", (uuid.uuid4(), body))
        elapsed = time.monotonic() - started
        connection.execute("DROP TABLE bench_raw")
    return count / elapsed


def rebuild_rate(stack: Stack, into_url: str | None = None) -> dict[str, float]:
    """``interlude-reporting rebuild`` as an operator runs it: ``--into`` a fresh database, or (without
    ``into_url``) in place, swapped in for the live projection; events and events/s."""
    command = [str(Path(sys.executable).parent / "interlude-reporting"), "rebuild"]
    command += ["--into", into_url] if into_url else []
    env = {**stack.env_for("reporting"), "AMQP_URI": stack.amqp_uri, "PYTHONWARNINGS": "ignore"}
    finished = subprocess.run(command, env=env, check=True, timeout=1800, capture_output=True, text=True)
    found = re.search(r"(\d+) events applied in ([\d.]+) s", finished.stderr)
    if found is None:
        raise RuntimeError(f"the rebuild did not report its rate: {finished.stderr[-500:]}")
    events, seconds = int(found[1]), float(found[2])
    return {"events": events, "seconds": seconds, "events_per_second": round(events / max(seconds, 1e-9), 1)}


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User and system CPU the process has used so far (``/proc/<pid>/stat``); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


# A client backend's title names its peer: "postgres: 15/main: <user> <database> 127.0.0.1(40312) idle".
CLIENT_BACKEND = re.compile(r"\S+\(\d+\)|\[local\]")


def server_pids(tag: str) -> dict[str, list[int]]:
    """The broker's processes and the database server's own (writers, checkpointer), with the backends of this
    run's databases (named with ``tag``): another bench's backends on a shared machine are not this run's cost."""
    found: dict[str, list[int]] = {"rabbitmq": [], "postgresql": []}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name = stat.read_text().split("(", 1)[1].split(")", 1)[0]
            title = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError):
            continue
        if name.startswith("beam"):
            found["rabbitmq"].append(int(stat.parent.name))
        elif name.startswith("postgres") and (tag in title or not CLIENT_BACKEND.search(title)):
            found["postgresql"].append(int(stat.parent.name))
    return found


class CpuMeter:
    """CPU seconds each Interlude process instance (and the broker and database server) spends between start
    and stop; ``tag`` names this run's databases."""

    def __init__(self, stack: Stack, tag: str) -> None:
        self.pids = {name: [process.pid] for name, process in stack.processes.items()}
        self.tag = tag
        self.started: dict[int, float] = {}
        self.stopped: dict[int, float] = {}

    def start(self) -> None:
        self.pids |= server_pids(self.tag)
        self.started = {pid: cpu_seconds(pid) for pids in self.pids.values() for pid in pids}

    def stop(self) -> None:
        """Note the backends opened during the load (a second replica's pool fills as requests reach it), and
        what every process has used by now."""
        for name, pids in server_pids(self.tag).items():
            self.pids[name] = sorted(set(self.pids[name]) | set(pids))
        self.stopped = {pid: cpu_seconds(pid) for pids in self.pids.values() for pid in pids}

    def used_since_start(self, pid: int) -> float:
        """A process started since counts whole; one gone since reads 0, its share lost rather than negative."""
        return max(self.stopped.get(pid, 0.0) - self.started.get(pid, 0.0), 0.0)

    def per_submission_ms(self, accepted: int, by_instance: bool = False) -> dict[str, float]:
        """Milliseconds of CPU per accepted submission, by process (every instance of it together) or by instance,
        most first; backends that came and went during the load are not counted (the pool keeps them open)."""
        used: dict[str, float] = {}
        for name, pids in self.pids.items():
            key = name if by_instance else process_of(name)
            used[key] = used.get(key, 0.0) + sum(map(self.used_since_start, pids))
        costs = {name: round(1000 * seconds / max(accepted, 1), 2) for name, seconds in used.items()}
        return dict(sorted(costs.items(), key=lambda item: -item[1]))


@contextmanager
def bench_stack(label: str, replicas: int = 1) -> Iterator[tuple[Stack, Resources, dict[str, str]]]:
    """A stack on databases and a virtual host of its own (``replicas`` of assignments and the gateway),
    stopped and removed afterwards; its logs are kept when the body fails."""
    resources = Resources(label)
    urls = {service: resources.database(service) for service in SERVICES}
    folder = Path(tempfile.mkdtemp(prefix=f"interlude-{label}-"))
    stack = Stack(
        amqp_uri=resources.amqp_uri,
        gateway_address=f"127.0.0.1:{free_port()}",
        more_gateway_addresses=[f"127.0.0.1:{free_port()}" for _ in range(replicas - 1)],
        replicas={"assignments": replicas, "gateway": replicas},
        data_dir=folder / "data",
        log_dir=folder / "log",
        database_urls=urls,
        extra_env={"GATEWAY_TOKEN_SECRET": SECRET, "LOG_LEVEL": "WARNING"},
    )
    try:
        yield stack, resources, urls
    except BaseException:
        say(f"failed; logs kept in {stack.log_dir}")
        raise
    finally:
        stack.stop()
        resources.close()
    shutil.rmtree(folder, ignore_errors=True)


LARGE_CLINIC = "clinic-large"
ANALYST = "analyst-large"


def published_phq9(stack: Stack, therapist_id: str) -> dict[str, Any]:
    """The library's PHQ-9, copied by a therapist of the clinic and published; the version as the service sends it."""
    from interlude_runtime.rpc_proxy import cluster_rpc_proxy

    therapist = session(token(therapist_id, "therapist", LARGE_CLINIC))
    copied = therapist.post(f"{stack.url}/library/phq-9/copy", timeout=30)
    copied.raise_for_status()
    activity_id = copied.json()["activity_id"]
    therapist.post(f"{stack.url}/activities/{activity_id}/publish", timeout=30).raise_for_status()
    with cluster_rpc_proxy({"AMQP_URI": stack.amqp_uri}, timeout=30) as cluster:
        return dict(cluster.activities.get_version(LARGE_CLINIC, activity_id, None))


def large_clinic(arguments: argparse.Namespace) -> dict[str, Any]:
    """Reads, the export and the rebuild at a large clinic's size, on a stack of its own (large_clinic.py)."""
    size = large_clinic_module.ClinicSize(arguments.therapists, arguments.large_clients, arguments.large_assignments)
    clinic = large_clinic_module.caseloads(size)
    with bench_stack("large") as (stack, _resources, urls):
        say(f"large clinic: a stack of its own (logs in {stack.log_dir}); its relay waits for the seeding")
        stack.migrate()
        stack.start([name for name in process_commands() if name != "assignments-relay"])
        stack.wait_ready()
        say(f"large clinic: {size.therapists} therapists and {size.clients} clients into identity's store")
        with closing(Database(urls["identity"])) as identity:
            large_clinic_module.seed_accounts(identity, LARGE_CLINIC, clinic)
        stack.register_account(ANALYST, "analyst", LARGE_CLINIC)
        version = published_phq9(stack, clinic[0].therapist_id)
        say(f"large clinic: {size.per_client * size.clients} PHQ-9 assignments, {1 - OPEN_SHARE:.0%} answered")
        seeded = large_clinic_module.seed_assignments(stack.env_for("assignments"), version, LARGE_CLINIC, clinic, size)
        large_clinic_module.mark_history_processed(stack.env_for("assignments"), urls["assignments"])
        say(f"  {seeded['events']} events stored in {seeded['seconds']} s; building the projection from the log")
        stack.start(["assignments-relay"])
        rebuild = rebuild_rate(stack)
        say(f"  rebuilt in place: {rebuild['events']} events, {rebuild['events_per_second']:.0f} events/s")
        say("large clinic: reading to-do lists, caseloads, progress reports; exporting every assignment as CSV")
        clients_of = {caseload.therapist_id: caseload.client_ids for caseload in clinic}
        reads = read_latencies(stack.urls, clients_of, arguments.reads, LARGE_CLINIC)
        export = csv_export_rate(stack.url, token(ANALYST, "analyst", LARGE_CLINIC))
    return {
        "therapists": size.therapists,
        "clients": size.clients,
        "assignments": size.per_client * size.clients,
        "seeding": seeded,
        "projection_rebuild_in_place": rebuild,
        "read_latency_ms": reads,
        "csv_export": export,
    }


def machine(load_before: tuple[float, float, float]) -> dict[str, Any]:
    memory = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(int(memory.split()[1]) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "load_average_1m_before_and_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "note": "RabbitMQ, PostgreSQL, every Interlude process and the load generator share these cores",
    }


def run(arguments: argparse.Namespace) -> dict[str, Any]:
    load_before = os.getloadavg()
    replicas = arguments.replicas
    with bench_stack("bench", replicas) as (stack, resources, urls):
        say(f"starting the stack on PostgreSQL, {replicas} of assignments and the gateway (logs in {stack.log_dir})")
        stack.migrate()
        stack.start()
        stack.wait_ready()
        stack.register_account(THERAPIST, "therapist", CLINIC)
        work, creation_seconds = prepare(stack.urls, arguments.submissions, arguments.clients)
        load = Load(stack.urls, work, arguments.clients, arguments.seconds)
        say(f"load: {arguments.clients} concurrent clients, up to {len(work)} submissions or {arguments.seconds}s")
        meter = CpuMeter(stack, resources.tag)
        elapsed, projection = watched_load(load, urls["reporting"], meter)
        cpu_per_submission = meter.per_submission_ms(len(load.latencies))
        cpu_by_instance = meter.per_submission_ms(len(load.latencies), by_instance=True)
        say("reading: to-do lists, the caseload, progress reports and a CSV export")
        client_ids = sorted({client for client, _ in work})
        reads = read_latencies(stack.urls, {THERAPIST: client_ids}, arguments.reads)
        export = csv_export_rate(stack.url, token(THERAPIST, "therapist"))
        say("rebuilding the projection from the logs into a fresh database")
        rebuild = rebuild_rate(stack, resources.database("rebuilt"))
        say("measuring raw RabbitMQ confirmed publishes and PostgreSQL single-row inserts")
        publish_rate = raw_publish_rate(resources.amqp_uri, arguments.raw_count)
        insert_rate = raw_insert_rate(urls["notifications"], arguments.raw_count)
    accepted_rate = len(load.latencies) / elapsed
    shapes = list(bench_floor.SHAPES) if arguments.floor_requests else []
    floor = bench_floor.measure_floor(shapes, arguments.floor_requests, arguments.clients, insert_rate)
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(load_before),
        "clients": arguments.clients,
        "replicas": {"assignments": replicas, "gateway": replicas},
        "assignments_created": len(work),
        "assignments_created_per_second": round(len(work) / creation_seconds, 1),
        "accepted": len(load.latencies),
        "rejected_by_status": load.rejected,
        "transport_errors": load.errors,
        "seconds": round(elapsed, 1),
        "accepted_per_second": round(accepted_rate, 1),
        "gateway_latency_ms": percentiles(load.latencies),
        "cpu_ms_per_submission_by_process": cpu_per_submission,
        "cpu_ms_per_submission": round(sum(cpu_per_submission.values()), 2),
        **({"cpu_ms_per_submission_by_instance": cpu_by_instance} if replicas > 1 else {}),
        "projected": len(projection),
        "submit_to_projection_ms": percentiles(projection),
        "read_latency_ms": reads,
        "csv_export": export,
        "projection_rebuild": rebuild,
        "raw_rabbitmq_confirmed_publishes_per_second": round(publish_rate, 1),
        "raw_postgres_single_row_inserts_per_second": round(insert_rate, 1),
        "ratio_accepted_to_raw_publish": round(accepted_rate / publish_rate, 3),
        "ratio_accepted_to_raw_insert": round(accepted_rate / insert_rate, 3),
        "floor": floor,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--replicas", type=int, default=1, help="instances of the assignments service and gateways")
    parser.add_argument("--raw-count", type=int, default=2000)
    parser.add_argument(
        "--floor-requests", type=int, default=1000, help="requests of each shape of the floor (bench_floor.py)"
    )
    parser.add_argument("--reads", type=int, default=200, help="requests of each kind in the read phase")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results.json")
    size = large_clinic_module.ClinicSize()
    parser.add_argument("--therapists", type=int, default=size.therapists, help="the large clinic's therapists")
    parser.add_argument("--large-clients", type=int, default=size.clients, help="the large clinic's clients")
    parser.add_argument("--large-assignments", type=int, default=size.assignments, help="0: no large clinic")
    parser.add_argument("--only-large-clinic", action="store_true", help="skip the submissions phase")
    arguments = parser.parse_args()
    if arguments.replicas < 1:
        parser.error("--replicas must be at least 1")
    results = {} if arguments.only_large_clinic else run(arguments)
    if arguments.large_assignments:
        results["large_clinic"] = large_clinic(arguments)
    arguments.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    say(f"written to {arguments.out}")


if __name__ == "__main__":
    main()
