"""The SQL store, written once with ``:name`` parameters, on SQLite and PostgreSQL alike."""

import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from interlude_runtime.storage import (
    Database,
    database_url,
    eventstore_env,
    is_postgres,
    postgres_conninfo,
    postgres_params,
    sqlite_path,
)

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS counters (
        name TEXT PRIMARY KEY,
        total INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS notes (
        id INTEGER PRIMARY KEY,
        body TEXT NOT NULL
    )""",
]


class Boom(Exception):
    pass


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    store = Database(database_url)
    store.execute_script(SCHEMA)
    yield store
    store.close()


def counters(database: Database) -> dict[str, int]:
    with database.transaction() as cursor:
        cursor.execute("SELECT name, total FROM counters ORDER BY name")
        return {row["name"]: row["total"] for row in cursor.fetchall()}


def bump(database: Database, name: str, by: int) -> None:
    with database.transaction() as cursor:
        cursor.execute(
            """INSERT INTO counters (name, total) VALUES (:name, :by)
            ON CONFLICT (name) DO UPDATE SET total = counters.total + excluded.total""",
            {"name": name, "by": by},
        )


def test_the_engine_follows_the_url(database: Database, database_url: str) -> None:
    assert database.is_postgres is is_postgres(database_url)


def test_a_committed_write_is_visible_to_another_connection(database: Database, database_url: str) -> None:
    with database.transaction() as cursor:
        cursor.execute("INSERT INTO counters (name, total) VALUES (:name, :total)", {"name": "a", "total": 1})

    other = Database(database_url)
    try:
        assert counters(other) == {"a": 1}
    finally:
        other.close()


def test_an_exception_rolls_the_transaction_back_and_propagates(database: Database) -> None:
    bump(database, "kept", 1)

    with pytest.raises(Boom), database.transaction() as cursor:
        cursor.execute("INSERT INTO counters (name, total) VALUES (:name, :total)", {"name": "lost", "total": 1})
        cursor.execute("UPDATE counters SET total = 99 WHERE name = :name", {"name": "kept"})
        raise Boom

    assert counters(database) == {"kept": 1}


def test_a_failing_statement_rolls_back_the_earlier_ones(database: Database) -> None:
    with pytest.raises(Exception), database.transaction() as cursor:  # noqa: B017 - engine-specific class
        cursor.execute("INSERT INTO counters (name, total) VALUES (:name, :total)", {"name": "first", "total": 1})
        cursor.execute("INSERT INTO counters (name, total) VALUES (:name, :total)", {"name": "first", "total": 2})

    assert counters(database) == {}


def test_on_conflict_upserts(database: Database) -> None:
    bump(database, "visits", 2)
    bump(database, "visits", 3)
    bump(database, "other", 1)

    assert counters(database) == {"other": 1, "visits": 5}


def test_on_conflict_do_nothing_keeps_the_first_row(database: Database) -> None:
    for body in ("first", "second"):
        with database.transaction() as cursor:
            cursor.execute(
                "INSERT INTO notes (id, body) VALUES (:id, :body) ON CONFLICT (id) DO NOTHING",
                {"id": 1, "body": body},
            )

    with database.transaction() as cursor:
        cursor.execute("SELECT body FROM notes WHERE id = :id", {"id": 1})
        assert cursor.fetchone() == {"body": "first"}


def test_insert_rows_writes_them_all_in_one_transaction(database: Database) -> None:
    database.insert_rows("counters", ["total", "name"], ((number, f"row-{number}") for number in range(2500)))

    assert counters(database) == {f"row-{number}": number for number in range(2500)}
    with pytest.raises(Exception):  # noqa: B017 - engine-specific class
        database.insert_rows("counters", ["name", "total"], [("new", 1), ("row-7", 1)])
    assert "new" not in counters(database)


def test_insert_rows_skipping_existing_ones_keeps_what_was_there(database: Database) -> None:
    bump(database, "kept", 1)

    database.insert_rows("counters", ["name", "total"], [("kept", 99), ("added", 2)], skip_existing=True)

    assert counters(database) == {"added": 2, "kept": 1}


def test_returning_gives_back_the_written_row(database: Database) -> None:
    with database.transaction() as cursor:
        cursor.execute(
            """INSERT INTO counters (name, total) VALUES (:name, :total)
            ON CONFLICT (name) DO UPDATE SET total = counters.total + excluded.total
            RETURNING name, total""",
            {"name": "n", "total": 4},
        )
        first = cursor.fetchone()
        cursor.execute(
            """INSERT INTO counters (name, total) VALUES (:name, :total)
            ON CONFLICT (name) DO UPDATE SET total = counters.total + excluded.total
            RETURNING total""",
            {"name": "n", "total": 6},
        )
        second = cursor.fetchall()

    assert first == {"name": "n", "total": 4}
    assert second == [{"total": 10}]


def test_fetchone_is_none_without_a_row(database: Database) -> None:
    with database.transaction() as cursor:
        cursor.execute("SELECT total FROM counters WHERE name = :name", {"name": "absent"})
        assert cursor.fetchone() is None


def test_a_parameter_may_be_used_twice(database: Database) -> None:
    with database.transaction() as cursor:
        cursor.execute("INSERT INTO notes (id, body) VALUES (:id, :body || :body)", {"id": 1, "body": "ab"})
        cursor.execute("SELECT body FROM notes WHERE id = :id", {"id": 1})
        assert cursor.fetchone() == {"body": "abab"}


def test_a_literal_percent_sign_means_the_same_on_both_engines(database: Database) -> None:
    for number, body in enumerate(["report 50%", "apple", "avocado"], start=1):
        with database.transaction() as cursor:
            cursor.execute("INSERT INTO notes (id, body) VALUES (:id, :body)", {"id": number, "body": body})

    with database.transaction() as cursor:
        cursor.execute("SELECT body FROM notes WHERE body LIKE 'a%' ORDER BY body")
        starting_with_a = [row["body"] for row in cursor.fetchall()]
        cursor.execute("SELECT 7 % :divisor AS remainder", {"divisor": 3})
        remainder = cursor.fetchone()

    assert starting_with_a == ["apple", "avocado"]
    assert remainder == {"remainder": 1}


def test_execute_script_is_one_transaction(database: Database) -> None:
    with pytest.raises(Exception):  # noqa: B017 - engine-specific class
        database.execute_script(
            [
                "INSERT INTO counters (name, total) VALUES ('scripted', 1)",
                "INSERT INTO no_such_table (x) VALUES (1)",
            ]
        )

    assert counters(database) == {}


def test_execute_script_may_run_again(database: Database) -> None:
    database.execute_script(SCHEMA)

    assert counters(database) == {}


# -- choosing the store from the environment ------------------------------------


def test_database_url_prefers_database_url() -> None:
    url = "postgresql://app:secret@db:5432/interlude"

    assert database_url("reporting", {"DATABASE_URL": url}) == url


def test_database_url_defaults_to_a_sqlite_file_per_service_in_the_data_dir(tmp_path: Path) -> None:
    url = database_url("reporting", {"INTERLUDE_DATA_DIR": str(tmp_path / "data")})

    assert url == f"sqlite:///{tmp_path / 'data' / 'reporting.sqlite'}"
    assert sqlite_path(url) == str(tmp_path / "data" / "reporting.sqlite")


def test_database_url_resolves_the_default_data_dir_against_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    assert database_url("activities", {"DATABASE_URL": ""}) == f"sqlite:///{tmp_path / 'var/data/activities.sqlite'}"


def test_sqlite_path_refuses_other_urls() -> None:
    with pytest.raises(ValueError):
        sqlite_path("postgresql://localhost/db")


def test_is_postgres_accepts_both_schemes() -> None:
    assert is_postgres("postgresql://h/d")
    assert is_postgres("postgres://h/d")
    assert not is_postgres("sqlite:///tmp/x.sqlite")


def test_postgres_params_decode_the_url() -> None:
    assert postgres_params("postgresql://app:p%40ss%2Fword@db.internal:6543/interlude") == {
        "host": "db.internal",
        "port": "6543",
        "user": "app",
        "password": "p@ss/word",
        "dbname": "interlude",
    }


def test_postgres_params_fill_defaults() -> None:
    assert postgres_params("postgresql://") == {
        "host": "127.0.0.1",
        "port": "5432",
        "user": "postgres",
        "password": "",
        "dbname": "postgres",
    }


def test_eventstore_env_of_a_sqlite_url_names_the_file_and_creates_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "events.sqlite"

    env = eventstore_env(f"sqlite:///{path}")

    assert env == {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}
    assert path.parent.is_dir()


def test_eventstore_env_of_a_postgres_url_names_the_database(postgres_database) -> None:
    url = postgres_database("env")
    params = postgres_params(url)

    env = eventstore_env(url)

    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert env["POSTGRES_DBNAME"] == url.rsplit("/", 1)[1]
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_USER"]) == (
        params["host"],
        params["port"],
        params["user"],
    )
    assert env["POSTGRES_PASSWORD"] == params["password"]


def test_eventstore_env_of_either_store_selects_the_matching_module(database_url: str) -> None:
    expected = "eventsourcing.postgres" if is_postgres(database_url) else "eventsourcing.sqlite"

    assert eventstore_env(database_url)["PERSISTENCE_MODULE"] == expected


def test_eventstore_env_of_memory_persists_nothing() -> None:
    assert eventstore_env("memory://") == {"PERSISTENCE_MODULE": "eventsourcing.popo"}


def test_a_creation_race_is_retried_and_other_errors_are_not() -> None:
    from interlude_runtime.schema import created_despite_races

    attempts: list[int] = []

    def create() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError('duplicate key value violates unique constraint "pg_type_typname_nsp_index"')
        return "created"

    assert created_despite_races(create) == "created" and len(attempts) == 2

    def broken() -> None:
        raise ValueError("syntax error")

    with pytest.raises(ValueError):
        created_despite_races(broken)


def test_the_loser_seeing_the_type_itself_already_exist_is_a_creation_race() -> None:
    """CI saw this form: 'type "client_keys" already exists' (duplicate_object), not the catalogue index."""
    import psycopg

    from interlude_runtime.schema import is_creation_race

    assert is_creation_race(psycopg.errors.DuplicateObject('type "client_keys" already exists'))
    assert is_creation_race(psycopg.errors.DuplicateTable('relation "client_keys" already exists'))
    assert not is_creation_race(psycopg.errors.UndefinedTable('relation "client_keys" does not exist'))


def test_a_lost_race_wrapped_by_eventsourcing_is_a_creation_race() -> None:
    """eventsourcing raises its own ProgrammingError from psycopg's (seen under load: 'relation ... already exists')."""
    import psycopg
    from eventsourcing.persistence import ProgrammingError

    from interlude_runtime.schema import is_creation_race

    def wrapped(error: Exception) -> ProgrammingError:
        try:
            raise ProgrammingError(str(error)) from error
        except ProgrammingError as wrapper:
            return wrapper

    assert is_creation_race(wrapped(psycopg.errors.DuplicateTable('relation "assignments_events" already exists')))
    assert not is_creation_race(wrapped(psycopg.errors.SyntaxError("syntax error at or near")))


def test_processes_creating_the_same_event_store_at_once_all_succeed(postgres_database) -> None:
    """A service and its relay start together on a fresh database: both must come up."""
    import eventlet

    from interlude_assignments.application import create_application

    url = postgres_database("race")
    pool = eventlet.GreenPool()
    apps = list(pool.imap(lambda _: create_application({"DATABASE_URL": url}), range(4)))
    assert len(apps) == 4
    for app in apps:
        app.close()


RACE_SCRIPT = """
import sys, time
from interlude_runtime import schema
from interlude_runtime.storage import Database
schema.created_despite_races = lambda create: create()  # no second try: the lock alone must hold
start = float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
Database(sys.argv[1]).execute_script([
    "CREATE TABLE IF NOT EXISTS first_table (id INTEGER PRIMARY KEY)",
    "CREATE TABLE IF NOT EXISTS second_table (id INTEGER PRIMARY KEY, body TEXT)",
])
"""


def test_processes_creating_the_same_tables_at_the_same_moment_all_succeed(postgres_database) -> None:
    """Replicas starting together on a fresh database: without one lock, some lose the race on a table's type.

    The retry after a lost race is switched off here, so this fails unless creation is serialised.
    """
    import subprocess
    import sys
    import time

    for round_number in range(3):
        url = postgres_database(f"tables_{round_number}")
        start = time.time() + 1.5
        processes = [
            subprocess.Popen([sys.executable, "-c", RACE_SCRIPT, url, str(start)], stderr=subprocess.PIPE, text=True)
            for _ in range(8)
        ]
        failures = [process.communicate()[1] for process in processes if process.wait() != 0]
        assert failures == []


@pytest.mark.postgres
def test_a_pooled_connection_the_server_ended_is_replaced_and_a_healthy_one_costs_no_check(
    postgres_database, monkeypatch
) -> None:
    from psycopg_pool import ConnectionPool

    full_checks: list[object] = []
    full_check = ConnectionPool.check_connection
    monkeypatch.setattr(
        ConnectionPool, "check_connection", staticmethod(lambda conn: full_checks.append(conn) or full_check(conn))
    )
    store = Database(postgres_database("pool"))
    try:
        store.execute_script(SCHEMA)

        def backend() -> int:
            with store.transaction() as cursor:
                cursor.execute("SELECT pg_backend_pid() AS pid")
                row = cursor.fetchone()
                assert row is not None
                return int(row["pid"])

        for _ in range(3):
            backend()  # every pooled connection has been used once
        checks_before = len(full_checks)
        used = {backend() for _ in range(5)}
        assert len(full_checks) == checks_before  # handed out again without a round trip

        with psycopg.connect(postgres_conninfo(postgres_params(store.url)), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ANY(%s)", (sorted(used),))
        time.sleep(0.5)  # the server's goodbye reaches the pooled connections' sockets

        assert backend() not in used  # not handed out dead: checked, discarded and replaced
        assert len(full_checks) > checks_before
    finally:
        store.close()
