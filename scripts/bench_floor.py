"""The floor under a submission and a creation: Interlude's plumbing with no application in it.

``make bench`` measures Interlude. This measures, on the same machine and broker and database, the hops a
request must make whatever the application does, each made by Interlude's own parts:

- an HTTP request to a nameko gateway (``interlude_gateway.server``), with a JSON body;
- RPC over RabbitMQ (``interlude_runtime.rpc``, ``rpc_proxy``) to a service named ``assignments``, which loads
  an aggregate from its eventsourcing store on PostgreSQL (get), records one event on it (call) and saves it;
- the relay (``interlude_runtime.relay``), which reads the event from the store's notification log and
  publishes it with a broker confirm;
- every queue subscribed to that event type (``interlude_contracts.topology``), each read by a nameko
  event consumer (``interlude_runtime.consuming``: the envelope validated) that writes a tracking row and one
  row in one transaction.

``submission``: one RPC; the event is a ``ResponseSubmitted``, which four queues receive (reporting,
notifications, identity, assignments), as in Interlude. ``creation``: a check RPC to another service
first, a nested RPC from the store to that service (as ``assign`` fetches the activity version), an audit
RPC after; the event is an ``ActivityAssigned``, which two queues receive. Nothing is encrypted, scored,
scheduled or projected: what Interlude does on top of this costs more, never less.

It prints and writes to ``bench-floor-results.json`` (``--out``): requests/s, gateway latency, request →
the reporting consumer's row, CPU per request by process (``/proc``), and the raw PostgreSQL single-row
insert and RabbitMQ confirmed-publish rates measured in the same run, as ``make bench`` does.

    .venv/bin/python scripts/bench_floor.py              # both shapes, 2,000 requests each
    .venv/bin/python scripts/bench_floor.py --shape submission --requests 1000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from nameko.extensions import DependencyProvider
from werkzeug.wrappers import Request, Response

from interlude_contracts.envelope import event_id_for, make_envelope
from interlude_contracts.events import ACTIVITY_ASSIGNED, RESPONSE_SUBMITTED, Event
from interlude_gateway.server import http
from interlude_runtime.consuming import event_consumer
from interlude_runtime.rpc import rpc
from interlude_runtime.rpc_proxy import RpcProxy
from interlude_runtime.storage import Database, eventstore_env

SOURCE = "assignments"  # the relay's source: its events reach the queues Interlude binds to assignments' events
CLINIC = "clinic-floor"
ACTIVITY_ID = "9f0b7c2e-5d1a-4c3b-8e6f-0a1b2c3d4e5f"
SHAPES = ("submission", "creation")
CONSUMERS = {  # queue → the service that reads it here
    "reporting.events": "FloorReporting",
    "notifications.events": "FloorNotifications",
    "identity.events": "FloorIdentity",
    "assignments.events": "FloorStore",
}
TABLES = [
    """CREATE TABLE IF NOT EXISTS tracking (
        source TEXT NOT NULL, position BIGINT NOT NULL, event_id TEXT NOT NULL, PRIMARY KEY (source, position))""",
    "CREATE TABLE IF NOT EXISTS assignments (assignment_id TEXT PRIMARY KEY, submitted_at TEXT)",
]


# -- the store's aggregate and its events as envelopes ------------------------------------------------


class Answerable(Aggregate):
    """An assignment reduced to what the plumbing needs: a client, and events recorded on it."""

    def __init__(self, client_id: str) -> None:
        self.client_id = client_id
        self.answers: dict[str, Any] | None = None

    @event("Answered")
    def answer(self, answers: dict[str, Any]) -> None:
        self.answers = answers

    @event("Assigned")
    def assign(self, therapist_id: str) -> None:
        self.therapist_id = therapist_id


def _payload(domain_event: Any) -> tuple[str, dict[str, Any]] | None:
    common = {"assignment_id": str(domain_event.originator_id), "client_id": "client-floor"}
    if isinstance(domain_event, Answerable.Answered):
        payload = {"activity_id": ACTIVITY_ID, "activity_version": 1, "answers": domain_event.answers}
        return RESPONSE_SUBMITTED, {**common, **payload, "measure": None, "scores": {}, "risk_flags": []}
    if isinstance(domain_event, Answerable.Assigned):
        payload = {"activity_id": ACTIVITY_ID, "activity_version": 1, "activity_title": "Floor"}
        return ACTIVITY_ASSIGNED, {**common, **payload, "therapist_id": domain_event.therapist_id, "due_at": None}
    return None


def to_envelope(domain_event: Any, position: int) -> dict[str, Any] | None:
    """The relay's translation: the recorded events, each as the event type Interlude publishes for it."""
    translated = _payload(domain_event)
    if translated is None:
        return None
    event_type, payload = translated
    return make_envelope(
        event_id=event_id_for(SOURCE, domain_event.originator_id, domain_event.originator_version),
        event_type=event_type,
        schema_version=1,
        occurred_at=domain_event.timestamp,
        clinic_id=CLINIC,
        correlation_id="floor",
        source=SOURCE,
        position=position,
        payload=payload,
    )


def floor_application(url: str) -> Application:
    return Application(env=eventstore_env(url))


# -- the services, each run by ``nameko run bench_floor:<class>`` -------------------------------------


class Store(DependencyProvider):
    def setup(self) -> None:
        self.app = floor_application(os.environ["DATABASE_URL"])

    def get_dependency(self, worker_ctx: Any) -> Application:
        return self.app


class Tables(DependencyProvider):
    def setup(self) -> None:
        self.database = Database(os.environ["DATABASE_URL"])

    def get_dependency(self, worker_ctx: Any) -> Database:
        return self.database


def record(database: Database, received: Event) -> None:
    """A consumer's write: the tracking row and, for a new event, one row, in one transaction."""
    with database.transaction() as cursor:
        cursor.execute(
            """INSERT INTO tracking (source, position, event_id) VALUES (:source, :position, :event_id)
            ON CONFLICT DO NOTHING RETURNING position""",
            {"source": received.source, "position": received.position, "event_id": str(received.event_id)},
        )
        if cursor.fetchone() is None:
            return
        cursor.execute(
            """INSERT INTO assignments (assignment_id, submitted_at) VALUES (:id, :at)
            ON CONFLICT (assignment_id) DO UPDATE SET submitted_at = excluded.submitted_at""",
            {"id": str(received.payload["assignment_id"]), "at": received.occurred_at.isoformat()},
        )


class FloorGateway:
    name = "floor_gateway"
    store = RpcProxy("assignments")
    checks = RpcProxy("identity")

    @http("POST", "/submission/<aggregate_id>")
    def submission(self, request: Request, aggregate_id: str) -> Response:
        answers = json.loads(request.get_data(as_text=True))["answers"]
        return _json(self.store.submit(aggregate_id, answers), 201)

    @http("POST", "/creation")
    def creation(self, request: Request) -> Response:
        client_id = json.loads(request.get_data(as_text=True))["client_id"]
        self.checks.check(client_id)
        created = self.store.create(client_id)
        self.checks.check(client_id)  # where Interlude audits
        return _json(created, 201)


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


class FloorStore:
    name = "assignments"
    app = Store()
    tables = Tables()
    checks = RpcProxy("identity")

    @rpc
    def submit(self, aggregate_id: str, answers: dict[str, Any]) -> dict[str, Any]:
        aggregate = self.app.repository.get(UUID(aggregate_id))
        aggregate.answer(answers)
        self.app.save(aggregate)
        return {"assignment_id": aggregate_id, "version": aggregate.version}

    @rpc
    def create(self, client_id: str) -> dict[str, Any]:
        self.checks.check(client_id)  # where Interlude fetches the activity version
        aggregate = Answerable(client_id)
        aggregate.assign("therapist-floor")
        self.app.save(aggregate)
        return {"assignment_id": str(aggregate.id), "version": aggregate.version}

    @event_consumer("assignments.events")
    def on_event(self, received: Event) -> None:
        record(self.tables, received)


class FloorIdentity:
    name = "identity"
    tables = Tables()

    @rpc
    def check(self, client_id: str) -> bool:
        return bool(client_id)

    @event_consumer("identity.events")
    def on_event(self, received: Event) -> None:
        record(self.tables, received)


class FloorReporting:
    name = "reporting"
    tables = Tables()

    @event_consumer("reporting.events")
    def on_event(self, received: Event) -> None:
        record(self.tables, received)


class FloorNotifications:
    name = "notifications"
    tables = Tables()

    @event_consumer("notifications.events")
    def on_event(self, received: Event) -> None:
        record(self.tables, received)


# -- running it ----------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
SERVICE_CLASSES = {
    "floor-gateway": "FloorGateway",
    "store": "FloorStore",
    "identity": "FloorIdentity",
    "reporting": "FloorReporting",
    "notifications": "FloorNotifications",
}


def relay_main() -> None:
    """``bench_floor.py relay``: the store's relay, from DATABASE_URL and AMQP_URI."""
    from interlude_runtime.outbox import EventLogSource, RelayTracking
    from interlude_runtime.relay import Relay, run_relay

    url = os.environ["DATABASE_URL"]
    source = EventLogSource(floor_application(url), to_envelope, RelayTracking(Database(url), relay_name=SOURCE))
    run_relay(Relay(source, SOURCE, os.environ["AMQP_URI"]), None)


@contextmanager
def floor_stack(resources: Any, folder: Path) -> Iterator[tuple[dict[str, subprocess.Popen[bytes]], str, dict]]:
    """The floor's processes on this run's virtual host and databases; stopped afterwards."""
    import bench

    urls = {name: resources.database(f"floor_{name}") for name in ("store", "identity", "reporting", "notifications")}
    for url in urls.values():
        database = Database(url)
        database.execute_script(TABLES)
        database.close()
    floor_application(urls["store"]).close()
    address = f"127.0.0.1:{bench.free_port()}"
    base_env = {
        **os.environ,
        "AMQP_URI": resources.amqp_uri,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "scripts"),
        "GATEWAY_ADDRESS": address,
    }
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, service_class in SERVICE_CLASSES.items():
            config = "gateway/config.yaml" if name == "floor-gateway" else "services/assignments/config.yaml"
            env = {**base_env, "DATABASE_URL": urls.get(name, "")}
            command = [str(ROOT / ".venv/bin/nameko"), "run", "--config", config, f"bench_floor:{service_class}"]
            processes[name] = _started(command, env, folder / f"{name}.log")
        command = [sys.executable, str(Path(__file__).resolve()), "relay"]
        processes["relay"] = _started(command, {**base_env, "DATABASE_URL": urls["store"]}, folder / "relay.log")
        _wait_listening(address, processes, folder)
        yield processes, f"http://{address}", urls
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _started(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def _wait_listening(address: str, processes: dict[str, subprocess.Popen[bytes]], folder: Path) -> None:
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        exited = [name for name, process in processes.items() if process.poll() is not None]
        if exited:
            raise RuntimeError(f"{exited} exited; logs in {folder}")
        try:
            warm_up = requests.post(f"http://{address}/creation", json={"client_id": "client-warm-up"}, timeout=5)
            if warm_up.status_code == 201:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"the floor's gateway did not answer; logs in {folder}")


def seeded_aggregates(url: str, count: int) -> list[str]:
    """``count`` stored aggregates to record submissions on."""
    app = floor_application(url)
    aggregates = [Answerable(f"client-{number % 200:03d}") for number in range(count)]
    for first in range(0, count, 500):
        app.save(*aggregates[first : first + 500])
    app.close()
    return [str(aggregate.id) for aggregate in aggregates]


class FloorLoad:
    """``clients`` threads, each with its own kept-alive connection, sending the shape's requests."""

    def __init__(self, base: str, shape: str, targets: list[str], clients: int) -> None:
        self.base = base
        self.shape = shape
        self.targets = targets
        self.clients = clients
        self.lock = threading.Lock()
        self.next = 0
        self.sent_at: dict[str, float] = {}
        self.latencies: list[float] = []
        self.failures = 0

    def _take(self) -> str | None:
        with self.lock:
            if self.next >= len(self.targets):
                return None
            self.next += 1
            return self.targets[self.next - 1]

    def _send(self, http: Any, target: str) -> tuple[Any, str]:
        if self.shape == "submission":
            response = http.post(f"{self.base}/submission/{target}", json={"answers": {"mood": 6}}, timeout=60)
            return response, target
        response = http.post(f"{self.base}/creation", json={"client_id": target}, timeout=60)
        return response, response.json()["assignment_id"] if response.status_code == 201 else ""

    def _worker(self) -> None:
        import requests

        http = requests.Session()
        while (target := self._take()) is not None:
            sent = time.monotonic()
            response, assignment_id = self._send(http, target)
            elapsed = time.monotonic() - sent
            with self.lock:
                if response.status_code == 201:
                    self.latencies.append(elapsed)
                    self.sent_at[assignment_id] = sent
                else:
                    self.failures += 1

    def run(self) -> float:
        started = time.monotonic()
        threads = [threading.Thread(target=self._worker, daemon=True) for _ in range(self.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - started


def measure_shape(shape: str, requests_count: int, clients: int, resources: Any, folder: Path) -> dict[str, Any]:
    import bench

    with floor_stack(resources, folder) as (processes, base, urls):
        if shape == "submission":
            targets = seeded_aggregates(urls["store"], requests_count)
        else:
            targets = [f"client-{number % 200:03d}" for number in range(requests_count)]
        load = FloorLoad(base, shape, targets, clients)
        meter = bench.CpuMeter(SimpleNamespace(processes=processes), resources.tag)
        elapsed, to_consumer = bench.watched_load(load, urls["reporting"], meter)
        cpu = meter.per_submission_ms(len(load.latencies))
    return {
        "requests": len(targets),
        "accepted": len(load.latencies),
        "failures": load.failures,
        "accepted_per_second": round(len(load.latencies) / elapsed, 1),
        "gateway_latency_ms": bench.percentiles(load.latencies),
        "reached_reporting_consumer": len(to_consumer),
        "request_to_reporting_consumer_ms": bench.percentiles(to_consumer),
        "cpu_ms_per_request_by_process": cpu,
        "cpu_ms_per_request": round(sum(cpu.values()), 2),
    }


def measure_floor(shapes: list[str], requests_count: int, clients: int, insert_rate: float) -> dict[str, Any]:
    """Each shape on a virtual host and databases of its own, removed after; its rate also as a share of
    ``insert_rate`` (the raw PostgreSQL single-row inserts/s measured in the same run)."""
    import bench

    results: dict[str, Any] = {}
    for shape in shapes:
        resources = bench.Resources(f"floor_{shape}")
        folder = Path(tempfile.mkdtemp(prefix=f"interlude-floor-{shape}-"))
        try:
            bench.say(f"floor, {shape}: {requests_count} requests, {clients} at a time (logs in {folder})")
            results[shape] = measure_shape(shape, requests_count, clients, resources, folder)
            results[shape]["ratio_to_raw_insert"] = round(results[shape]["accepted_per_second"] / insert_rate, 3)
            bench.say(
                f"  {results[shape]['accepted_per_second']}/s, gateway p99 "
                f"{results[shape]['gateway_latency_ms']['p99']} ms, CPU {results[shape]['cpu_ms_per_request']} ms"
            )
        finally:
            resources.close()
        shutil.rmtree(folder, ignore_errors=True)
    return results


def run(arguments: argparse.Namespace) -> dict[str, Any]:
    """The raw rates first, on a quiet machine, then each shape."""
    import bench

    load_before = os.getloadavg()
    resources = bench.Resources("floor_raw")
    try:
        bench.say("measuring raw RabbitMQ confirmed publishes and PostgreSQL single-row inserts")
        url = resources.database("raw")
        Database(url).close()
        publish_rate = bench.raw_publish_rate(resources.amqp_uri, arguments.raw_count)
        insert_rate = bench.raw_insert_rate(url, arguments.raw_count)
    finally:
        resources.close()
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "clients": arguments.clients,
        "raw_rabbitmq_confirmed_publishes_per_second": round(publish_rate, 1),
        "raw_postgres_single_row_inserts_per_second": round(insert_rate, 1),
        **measure_floor(arguments.shape, arguments.requests, arguments.clients, insert_rate),
    }
    results["machine"] = bench.machine(load_before)
    return results


def main() -> None:
    if sys.argv[1:2] == ["relay"]:
        relay_main()
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", choices=SHAPES, action="append", help="default: both")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--raw-count", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-floor-results.json")
    arguments = parser.parse_args()
    arguments.shape = arguments.shape or list(SHAPES)
    results = run(arguments)
    arguments.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    # Run as the module nameko imports, so that the events stored here have the topics the services resolve.
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import bench_floor

    bench_floor.main()
