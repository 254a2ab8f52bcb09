"""Table creation that lost a race with another process is tried again; other failures are not."""

import pytest

from interlude_runtime.schema import created_despite_races

RACE = 'duplicate key value violates unique constraint "pg_type_typname_nsp_index"'


def flaky(failures: list[Exception]):
    calls = []

    def create() -> str:
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return "created"

    return create, calls


def test_a_lost_creation_race_is_tried_again() -> None:
    create, calls = flaky([RuntimeError(RACE), RuntimeError(RACE)])
    assert created_despite_races(create, pause=0) == "created"
    assert len(calls) == 3


def test_other_errors_are_raised_at_once() -> None:
    create, calls = flaky([RuntimeError("password authentication failed")])
    with pytest.raises(RuntimeError, match="password"):
        created_despite_races(create, pause=0)
    assert len(calls) == 1


def test_gives_up_after_the_attempts() -> None:
    create, calls = flaky([RuntimeError(RACE)] * 3)
    with pytest.raises(RuntimeError):
        created_despite_races(create, attempts=3, pause=0)
    assert len(calls) == 3


def refused_connection() -> Exception:
    """The error psycopg raises for a database that is not there (a port nobody listens on)."""
    import socket

    import psycopg

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    try:
        psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/nothing", connect_timeout=5)
    except psycopg.OperationalError as error:
        return error
    raise AssertionError("a connection to a closed port succeeded")


def test_a_process_starting_while_its_database_restarts_waits_for_it() -> None:
    import psycopg

    recovering = psycopg.OperationalError(
        'connection failed: connection to server at "127.0.0.1", port 5432 failed: '
        "FATAL:  the database system is not yet accepting connections"
    )
    create, calls = flaky([refused_connection(), recovering])
    assert created_despite_races(create, retry_seconds=0) == "created"
    assert len(calls) == 3


def test_a_database_that_stays_away_fails_the_start_after_the_wait() -> None:
    import psycopg

    create, calls = flaky([refused_connection() for _ in range(1000)])
    with pytest.raises(psycopg.OperationalError):
        created_despite_races(create, wait_seconds=0.3, retry_seconds=0.05)
    assert 1 < len(calls) < 1000


def test_a_refused_login_is_not_waited_for() -> None:
    import psycopg

    create, calls = flaky(
        [
            psycopg.OperationalError(
                'connection failed: connection to server at "127.0.0.1", port 5432 failed: '
                'FATAL:  password authentication failed for user "x"'
            )
        ]
    )
    with pytest.raises(psycopg.OperationalError):
        created_despite_races(create, retry_seconds=0)
    assert len(calls) == 1


def test_a_process_opening_its_store_while_postgres_restarts_waits_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every store is opened through ensure_database (Database, the event stores, the relays)."""
    from interlude_runtime import schema, storage

    create, calls = flaky([refused_connection(), refused_connection()])
    monkeypatch.setattr(storage, "_ensure_postgres_database", lambda params: create())
    monkeypatch.setattr(schema, "DATABASE_RETRY_SECONDS", 0)

    storage.ensure_database("postgresql://postgres@127.0.0.1:5432/interlude_restarting")

    assert len(calls) == 3
