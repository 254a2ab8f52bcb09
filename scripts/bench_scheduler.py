"""Scheduler benchmark: cost per tick and due-to-sent latency with 100,000 pending entries.

``make bench-scheduler`` runs it on a temporary SQLite file and on a temporary
PostgreSQL database (dropped afterwards; ``BENCH_POSTGRES_URL`` names the
server, ``BENCH_ENGINES=sqlite`` skips PostgreSQL). Each run:

1. fills the schedule with ``PENDING`` entries due over the next 30 days (not due);
2. times empty ticks (nothing due): the cost every replica pays every second;
3. makes ``DUE`` entries due now and times the ticks that send them (in-app
   channel only, so the figure is the scheduler's own work, not a provider's);
4. schedules ``LATENCY`` entries due at spread moments over the next few
   seconds, runs the service's loop (a tick every ``TICK`` seconds, real clock)
   and reports due-to-sent latency (the in-app delivery's record time minus the
   entry's due time).
"""

import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from interlude_notifications.schedule import Entry, schedule_entry, to_millis
from interlude_notifications.scheduler import Scheduler
from interlude_notifications.schema import create_tables
from interlude_runtime.storage import Database

PENDING = int(os.environ.get("BENCH_PENDING", "100000"))
DUE = int(os.environ.get("BENCH_DUE", "1000"))
LATENCY = int(os.environ.get("BENCH_LATENCY", "300"))
TICK = float(os.environ.get("BENCH_TICK_SECONDS", "1.0"))
EMPTY_TICKS = 50


def fill_pending(database: Database, count: int, now: datetime) -> None:
    """Bulk-insert ``count`` follow-ups due over the next 30 days (one statement per engine)."""
    start, spread = to_millis(now + timedelta(minutes=5)), 30 * 24 * 3600 * 1000
    series = (
        "SELECT n FROM generate_series(1, :count) AS n"
        if database.is_postgres
        else "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < :count) SELECT n FROM s"
    )
    with database.transaction() as cursor:
        cursor.execute(
            f"""INSERT INTO schedule (entry_id, clinic_id, client_id, assignment_id, kind, due_at, next_at, state,
                attempts, payload, correlation_id)
            SELECT 'pending-' || n, 'clinic-bench', 'client-' || (n % 5000), NULL, 'follow_up',
                :start + (n * 7919) % :spread, :start + (n * 7919) % :spread, 'pending', 0,
                '{{"text": "Hello", "therapist_id": "t"}}', 'bench'
            FROM ({series}) AS numbers""",
            {"count": count, "start": start, "spread": spread},
        )


def add(database: Database, due_at: datetime, count: int, label: str) -> None:
    with database.transaction() as cursor:
        for number in range(count):
            schedule_entry(
                cursor,
                Entry(
                    entry_id=f"{label}-{number}-{uuid.uuid4().hex[:8]}",
                    clinic_id="clinic-bench",
                    client_id=f"client-{number % 50}",
                    assignment_id=None,
                    kind="follow_up",
                    due_at=due_at + timedelta(milliseconds=number * (0 if label == "due" else 10)),
                    attempts=0,
                    payload={"text": "Hello", "therapist_id": "t"},
                    correlation_id="bench",
                ),
            )


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def run(label: str, url: str) -> None:
    database = Database(url)
    create_tables(database)
    now = datetime.now(UTC)
    fill_seconds = timed(lambda: fill_pending(database, PENDING, now))
    scheduler = Scheduler(database, {}, batch_size=100)
    print(f"\n{label}: {PENDING:,} pending entries inserted in {fill_seconds:.1f}s")

    empty = [timed(scheduler.tick) for _ in range(EMPTY_TICKS)]
    print(
        f"  empty tick (nothing due): median {statistics.median(empty) * 1000:.2f} ms, "
        f"p95 {sorted(empty)[int(EMPTY_TICKS * 0.95) - 1] * 1000:.2f} ms"
    )

    add(database, datetime.now(UTC) - timedelta(seconds=1), DUE, "due")
    batches, sent = [], 0
    while True:
        started = time.perf_counter()
        claimed = scheduler.tick()
        if not claimed:
            break
        batches.append(time.perf_counter() - started)
        sent += claimed
    total = sum(batches)
    print(
        f"  {sent:,} due entries sent in {len(batches)} ticks of up to 100: {total:.2f}s, "
        f"{total / sent * 1000:.2f} ms per entry, median tick {statistics.median(batches) * 1000:.1f} ms"
    )

    first_due = datetime.now(UTC) + timedelta(seconds=1)
    add(database, first_due, LATENCY, "latency")
    deadline = first_due + timedelta(milliseconds=LATENCY * 10) + timedelta(seconds=3 * TICK + 2)
    while datetime.now(UTC) < deadline:
        started = time.perf_counter()
        while scheduler.tick() == scheduler.batch_size:
            pass
        time.sleep(max(TICK - (time.perf_counter() - started), 0))
    with database.transaction() as cursor:
        cursor.execute(
            """SELECT attempted_at - due_at AS latency FROM deliveries
            WHERE entry_id LIKE 'latency-%' AND channel = 'in_app' AND outcome = 'sent'"""
        )
        latencies = sorted(int(row["latency"]) for row in cursor.fetchall())
    if len(latencies) != LATENCY:
        print(f"  LATENCY: only {len(latencies)} of {LATENCY} sent", file=sys.stderr)
    print(
        f"  due-to-sent latency over {len(latencies)} entries, tick every {TICK:g}s: "
        f"median {statistics.median(latencies)} ms, p95 {latencies[int(len(latencies) * 0.95) - 1]} ms, "
        f"max {latencies[-1]} ms"
    )
    with database.transaction() as cursor:
        cursor.execute("SELECT COUNT(*) AS n FROM schedule WHERE state = 'pending'")
        print(f"  still pending: {cursor.fetchone()['n']:,}")
    database.close()


def main() -> None:
    engines = os.environ.get("BENCH_ENGINES", "sqlite,postgres").split(",")
    print(f"Scheduler benchmark: {PENDING:,} pending, {DUE:,} due at once, {LATENCY} for latency")
    if "sqlite" in engines:
        with tempfile.TemporaryDirectory() as folder:
            run("SQLite", f"sqlite:///{Path(folder) / 'notifications.sqlite'}")
    if "postgres" in engines:
        import psycopg
        from psycopg import sql

        from interlude_runtime.storage import postgres_conninfo, postgres_params

        admin_url = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
        name = f"interlude_bench_scheduler_{uuid.uuid4().hex[:8]}"
        admin = postgres_conninfo(postgres_params(admin_url))
        try:
            run("PostgreSQL", admin_url.rsplit("/", 1)[0] + f"/{name}")
        finally:
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


if __name__ == "__main__":
    main()
