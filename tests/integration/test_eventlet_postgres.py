"""eventlet x psycopg 3: a slow query in one green thread must not stall the others.

psycopg's compiled builds wait for the server inside C, blocking eventlet's hub
(and with it every other request of the service), unless PSYCOPG_WAIT_FUNC names
a wait through the (green) select module, as interlude_runtime sets it. These
tests fail if that setting is lost: remove it and run them.
"""

import time

import eventlet
import psycopg
import pytest
from eventsourcing.postgres import PostgresDatastore

from interlude_runtime.storage import Database, postgres_params

pytestmark = pytest.mark.postgres

SLEEP_SECONDS = 0.6


def test_psycopg_is_the_compiled_build_waiting_through_green_select() -> None:
    assert psycopg.pq.__impl__ == "binary"
    assert psycopg.waiting.wait is psycopg.waiting.wait_select


def test_other_green_threads_run_during_pg_sleep(postgres_database) -> None:
    database = Database(postgres_database("overlap"))
    ticks: list[float] = []
    sleeping = eventlet.event.Event()

    def slow_query() -> None:
        with database.transaction() as cursor:
            sleeping.send()
            cursor.execute(f"SELECT pg_sleep({SLEEP_SECONDS})")

    def ticker() -> None:
        sleeping.wait()
        while not query.dead:
            ticks.append(time.monotonic())
            eventlet.sleep(0.01)

    query = eventlet.spawn(slow_query)
    counter = eventlet.spawn(ticker)
    query.wait()
    counter.wait()
    database.close()
    # Blocked, the ticker would get at most one turn before the query ends.
    assert len(ticks) > 10


def test_two_slow_queries_overlap(postgres_database) -> None:
    database = Database(postgres_database("overlap"))
    spans: dict[str, tuple[float, float]] = {}

    def slow_query(name: str) -> None:
        with database.transaction() as cursor:
            started = time.monotonic()
            cursor.execute(f"SELECT pg_sleep({SLEEP_SECONDS})")
            spans[name] = (started, time.monotonic())

    pool = eventlet.GreenPool()
    for name in ("a", "b"):
        pool.spawn(slow_query, name)
    pool.waitall()
    database.close()
    (a_start, a_end), (b_start, b_end) = spans["a"], spans["b"]
    assert b_start < a_end and a_start < b_end, "the second query only started after the first ended"


def test_eventsourcing_datastore_does_not_block_the_hub(postgres_database) -> None:
    """The event store's own connection pool (eventsourcing.postgres) overlaps too."""
    params = postgres_params(postgres_database("es_overlap"))
    datastore = PostgresDatastore(
        dbname=params["dbname"], host=params["host"], port=params["port"], user=params["user"], password=""
    )
    ticks: list[float] = []

    def slow_query() -> None:
        with datastore.transaction(commit=False) as cursor:
            cursor.execute(f"SELECT pg_sleep({SLEEP_SECONDS})")

    query = eventlet.spawn(slow_query)
    eventlet.sleep(0)
    while not query.dead:
        ticks.append(time.monotonic())
        eventlet.sleep(0.01)
    datastore.close()
    assert len(ticks) > 10
