"""How fast the reporting projection is rebuilt from a large clinic's log, on PostgreSQL.

``seed`` writes a log in-process, through the applications (no RPC): one published PHQ-9 (activities) and
``--assignments`` assignments of it (assignments: each created, then submitted with scores, one in eight
raising a risk flag), for ``--clients`` clients of one clinic, onto fresh databases
``interlude_bench_rebuild_{activities,assignments}`` (dropped first).

``read`` times the read side in-process: every page of the assignments log as ``read_log`` makes it
(the entrypoint's code: decryption, translation), without the RPC.

``apply`` times the apply side: the pages read first into memory (timed as ``read``), then ``rebuild`` into
a fresh ``interlude_bench_rebuild_reporting`` from them, without the RPC (``load_event``, ``apply_in``, and
whatever the rebuild does with the rows). Before that, it times ``load_event`` alone over the same pages:
the contract's check of every event, the apply side's floor.

``e2e`` starts the activities and assignments services (``nameko run``, a RabbitMQ virtual host of its own),
runs ``interlude-reporting rebuild --into`` as an operator does, prints its last line, and stops them.

    .venv/bin/python scripts/bench_rebuild.py seed --assignments 40000 --clients 2000
    .venv/bin/python scripts/bench_rebuild.py read
    .venv/bin/python scripts/bench_rebuild.py apply
    .venv/bin/python scripts/bench_rebuild.py e2e
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
RABBIT = os.environ.get("BENCH_AMQP_BASE", "pyamqp://guest:guest@127.0.0.1:5672")
PREFIX = "interlude_bench_rebuild_"
CLINIC = "clinic-bench"
THERAPIST = "therapist-bench"
BATCH = 500  # assignments saved per app.save
os.environ.setdefault("INTERLUDE_DEVELOPMENT", "1")  # the development master key: a bench's own data


def database_url(name: str) -> str:
    return POSTGRES.rsplit("/", 1)[0] + f"/{PREFIX}{name}"


def recreate(name: str) -> str:
    import psycopg

    from interlude_runtime.storage import postgres_conninfo, postgres_params

    with psycopg.connect(postgres_conninfo(postgres_params(POSTGRES)), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PREFIX}{name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {PREFIX}{name}")
    return database_url(name)


def answers(number: int) -> dict[str, Any]:
    """PHQ-9 answers that vary; one in eight endorses item 9 (a risk flag)."""
    given = {f"phq9_{item}": str((number + item) % 4) for item in range(1, 9)}
    given["phq9_9"] = "1" if number % 8 == 0 else "0"
    given["phq9_difficulty"] = "somewhat"
    return given


def seed(assignments: int, clients: int) -> None:
    from interlude_activities.application import create_application as activities_application
    from interlude_activities.library import entry
    from interlude_activities.translation import version_body
    from interlude_assignments.application import create_application as assignments_application

    activities = activities_application({"DATABASE_URL": recreate("activities")})
    draft = entry("phq-9")["activity"]
    activity = activities.create(CLINIC, THERAPIST, draft, "bench")
    activities.publish(CLINIC, activity.id, THERAPIST, "bench")
    published = activities.get(CLINIC, activity.id)
    version = json.loads(json.dumps(version_body(published, published.published_version(1))))
    activities.close()

    app = assignments_application({"DATABASE_URL": recreate("assignments"), "INTERLUDE_DEVELOPMENT": "1"})
    started = time.monotonic()
    per_client = -(-assignments // clients)
    made = 0
    for first in range(0, clients, max(1, BATCH // per_client)):
        batch = range(first, min(clients, first + max(1, BATCH // per_client)))
        made += _seed_clients(app, version, batch, min(per_client, assignments - made))
        print(f"\r{made}/{assignments} assignments", end="", file=sys.stderr, flush=True)
        if made >= assignments:
            break
    app.close()
    print(f"\nseeded {made} assignments in {time.monotonic() - started:.0f} s", file=sys.stderr)


def _seed_clients(app: Any, version: dict[str, Any], clients: range, per_client: int) -> int:
    from interlude_assignments.domain import ClientAssignments, new_assignment
    from interlude_assignments.snapshot import NO_NAMES

    created, indexes = [], []
    for number in clients:
        client_id = f"client-{number:05d}"
        index = ClientAssignments(clinic_id=CLINIC, client_id=client_id)
        for _ in range(per_client):
            assignment = new_assignment(
                version,
                NO_NAMES,
                clinic_id=CLINIC,
                client_id=client_id,
                therapist_id=THERAPIST,
                due_at=None,
                correlation_id="bench",
            )
            index.add(assignment.id)
            created.append(assignment)
        indexes.append(index)
    app.save(*created, *indexes)
    for number, assignment in enumerate(created):
        assignment.submit(answers(number), "bench")
    app.save(*created)
    return len(created)


def read_pages() -> tuple[list[dict[str, Any]], float, float]:
    """Every page of the assignments log as ``read_log`` answers it; the seconds it took, and of CPU."""
    from types import SimpleNamespace

    from interlude_assignments.application import create_application as assignments_application
    from interlude_assignments.entrypoints.log import MAX_LOG_PAGE, LogEntrypoints

    app = assignments_application({"DATABASE_URL": database_url("assignments"), "INTERLUDE_DEVELOPMENT": "1"})
    service = SimpleNamespace(app=app)  # the entrypoint's own code, called in-process
    pages, after = [], 0
    started, cpu = time.monotonic(), time.process_time()
    while True:
        page = LogEntrypoints.read_log(service, after, MAX_LOG_PAGE)  # type: ignore[arg-type]
        pages.append(page)
        if page["last_position"] == after:
            break
        after = page["last_position"]
    seconds, cpu = time.monotonic() - started, time.process_time() - cpu
    app.close()
    return pages, seconds, cpu


def report(side: str, events: int, seconds: float, cpu: float) -> None:
    print(f"{side}: {events} events in {seconds:.2f} s ({events / seconds:.0f} events/s; CPU {cpu:.2f} s)")


def read() -> None:
    pages, seconds, cpu = read_pages()
    report("read side", sum(len(page["events"]) for page in pages), seconds, cpu)


def apply() -> None:
    from interlude_reporting.rebuild import rebuild
    from interlude_runtime.storage import Database

    pages, seconds, cpu = read_pages()
    events = sum(len(page["events"]) for page in pages)
    report("read side", events, seconds, cpu)
    validation_floor(pages, events)
    logs: dict[str, list[dict[str, Any]]] = {"activities": [], "assignments": pages}
    into = Database(recreate("reporting"))

    def read_log(source: str, after: int, limit: int) -> dict[str, Any]:
        for page in logs[source]:
            if page["events"] and page["events"][0]["position"] > after:
                return page
        return {"events": [], "last_position": after}

    started, cpu = time.monotonic(), time.process_time()
    applied = rebuild(into, read_log, lambda *_: None)
    seconds, cpu = time.monotonic() - started, time.process_time() - cpu
    into.close()
    report("apply side", applied, seconds, cpu)


def validation_floor(pages: list[dict[str, Any]], events: int) -> None:
    """The contract's check alone (``load_event``, which every consumer and the rebuild run on every event):
    what the apply side can reach at most, on one core, whatever it writes."""
    from interlude_contracts.events import load_event

    started, cpu = time.monotonic(), time.process_time()
    for page in pages:
        for envelope in page["events"]:
            load_event(envelope)
    report("load_event alone", events, time.monotonic() - started, time.process_time() - cpu)


def e2e() -> None:
    vhost = f"interlude-bench-rebuild-{uuid.uuid4().hex[:8]}"
    subprocess.run(["rabbitmqctl", "add_vhost", vhost], check=True, capture_output=True)
    subprocess.run(
        ["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"], check=True, capture_output=True
    )
    amqp = f"{RABBIT}/{vhost}"
    services = [_start(name, amqp) for name in ("activities", "assignments")]
    try:
        time.sleep(8)  # both services declare their queues and start serving RPC
        into = recreate("reporting")
        command = [str(ROOT / ".venv/bin/interlude-reporting"), "rebuild", "--into", into]
        before = [cpu_seconds(process.pid) for process in services]
        finished = subprocess.run(command, env={**os.environ, "AMQP_URI": amqp}, capture_output=True, text=True)
        used = [cpu_seconds(process.pid) - seconds for process, seconds in zip(services, before, strict=True)]
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(finished.stderr.strip().split("\r")[-1])
        print(
            f"CPU seconds: the rebuild command {children.ru_utime + children.ru_stime:.1f}, "
            f"activities {used[0]:.1f}, assignments {used[1]:.1f}"
        )
    finally:
        for process in services:
            process.send_signal(signal.SIGTERM)
        for process in services:
            process.wait(timeout=30)
        subprocess.run(["rabbitmqctl", "delete_vhost", vhost], check=True, capture_output=True)


def cpu_seconds(pid: int) -> float:
    """User and system CPU a running process has used so far (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _start(name: str, amqp: str) -> subprocess.Popen[bytes]:
    command = [
        str(ROOT / ".venv/bin/nameko"),
        "run",
        "--config",
        f"services/{name}/config.yaml",
        f"interlude_{name}.service:{name.capitalize()}Service",
    ]
    env = {**os.environ, "AMQP_URI": amqp, "DATABASE_URL": database_url(name), "INTERLUDE_DEVELOPMENT": "1"}
    env["LOG_LEVEL"] = "WARNING"
    return subprocess.Popen(command, cwd=ROOT, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    seeding = commands.add_parser("seed")
    seeding.add_argument("--assignments", type=int, default=40000)
    seeding.add_argument("--clients", type=int, default=2000)
    for name in ("read", "apply", "e2e"):
        commands.add_parser(name)
    arguments = parser.parse_args()
    if arguments.command == "seed":
        seed(arguments.assignments, arguments.clients)
    else:
        {"read": read, "apply": apply, "e2e": e2e}[arguments.command]()


if __name__ == "__main__":
    main()
