"""A therapist's report holds only the assignments they made; erasure purges a client's rows for good."""

import threading
from pathlib import Path

import pytest
from cursor_spy import spy_on_cursors

from interlude_contracts.errors import NotFound
from interlude_reporting import projection as projection_module
from interlude_reporting.projection import apply_event, client_report, create_tables, purge_client
from interlude_reporting.pseudonyms import client_of, pseudonyms_of
from interlude_runtime.storage import Database, sqlite_path
from interlude_testing import CLINIC, EventFactory


def test_a_therapists_report_is_of_their_own_assignments(projection: Database) -> None:
    factory = EventFactory()
    activity = factory.activity_published("Mood check-in")
    mine = factory.activity_assigned(activity, "client-1", therapist_id="therapist-1")
    theirs = factory.activity_assigned(activity, "client-1", therapist_id="therapist-2")
    for event in factory.events:
        apply_event(projection, event)

    own = client_report(projection, CLINIC, "client-1", "therapist-1")
    everything = client_report(projection, CLINIC, "client-1")

    assert [row["assignment_id"] for row in own["assignments"]] == [str(mine.payload["assignment_id"])]
    assert {row["assignment_id"] for row in everything["assignments"]} == {
        str(mine.payload["assignment_id"]),
        str(theirs.payload["assignment_id"]),
    }


def test_purging_a_client_removes_their_rows_and_only_theirs(projection: Database) -> None:
    factory = EventFactory()
    activity = factory.activity_published("Mood check-in")
    factory.activity_assigned(activity, "client-gone-7c1f")
    kept = factory.activity_assigned(activity, "client-kept")
    for event in factory.events:
        apply_event(projection, event)

    purge_client(projection, CLINIC, "client-gone-7c1f")

    assert client_report(projection, CLINIC, "client-gone-7c1f")["assignments"] == []
    assert [r["assignment_id"] for r in client_report(projection, CLINIC, "client-kept")["assignments"]] == [
        str(kept.payload["assignment_id"])
    ]
    if not projection.is_postgres:
        path = Path(sqlite_path(projection.url))
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert b"client-gone-7c1f" not in raw


def test_an_event_about_an_erased_client_arriving_late_writes_nothing(projection: Database) -> None:
    """Finding 4 of issue 15: an event still queued at the erasure re-created the client's rows."""
    factory = EventFactory()
    activity = factory.activity_published("Mood check-in")
    apply_event(projection, activity)
    apply_event(projection, factory.activity_assigned(activity, "client-gone-7c1f"))
    purge_client(projection, CLINIC, "client-gone-7c1f")

    late = factory.activity_assigned(activity, "client-gone-7c1f")
    apply_event(projection, late)
    purge_client(projection, CLINIC, "client-gone-7c1f")  # idempotent

    assert client_report(projection, CLINIC, "client-gone-7c1f")["assignments"] == []
    with projection.transaction() as cursor:
        cursor.execute("SELECT COUNT(*) AS n FROM client_pseudonyms WHERE client_id = 'client-gone-7c1f'")
        assert cursor.fetchone()["n"] == 0


def test_analysts_name_clients_by_a_stable_pseudonym_only(projection: Database) -> None:
    factory = EventFactory()
    activity = factory.activity_published("Mood check-in")
    for event in (activity, factory.activity_assigned(activity, "client-1")):
        apply_event(projection, event)

    first = pseudonyms_of(projection, CLINIC, ["client-1"])["client-1"]

    assert first.startswith("anon-") and "client-1" not in first
    assert pseudonyms_of(projection, CLINIC, ["client-1", "client-1"]) == {"client-1": first}
    assert client_of(projection, CLINIC, first) == "client-1"
    for wrong in ("client-1", "anon-0000000000000000"):
        with pytest.raises(NotFound):
            client_of(projection, CLINIC, wrong)
    with pytest.raises(NotFound):
        client_of(projection, "another-clinic", first)


def test_pseudonyms_of_known_clients_are_read_without_a_write_per_client(projection: Database, monkeypatch) -> None:
    factory = EventFactory()
    activity = factory.activity_published("Mood check-in")
    known = [f"client-{n}" for n in range(30)]
    for event in (activity, *(factory.activity_assigned(activity, client) for client in known)):
        apply_event(projection, event)
    statements: list[str] = []
    spy_on_cursors(
        projection,
        monkeypatch,
        "execute",
        lambda execute: lambda sql, params=None: statements.append(sql) or execute(sql, params),
    )

    names = pseudonyms_of(projection, CLINIC, [*known, "client-new"])

    assert set(names) == {*known, "client-new"} and len(set(names.values())) == 31
    writes = [sql for sql in statements if sql.lstrip().upper().startswith("INSERT")]
    assert len(writes) == 1  # the new client's only; the other thirty are read in one query
    assert pseudonyms_of(projection, CLINIC, known) == {client: names[client] for client in known}


def test_a_page_read_before_an_erasure_names_the_erased_client_without_keeping_a_pseudonym_for_them(
    projection: Database,
) -> None:
    """A report computed just before the erasure names the client after it: they get a pseudonym for this answer
    only (never their id), and no row that names them again."""
    factory = EventFactory()
    activity = factory.activity_published("Mood check-in")
    for event in (activity, factory.activity_assigned(activity, "client-gone-9d3b")):
        apply_event(projection, event)
    purge_client(projection, CLINIC, "client-gone-9d3b")

    names = pseudonyms_of(projection, CLINIC, ["client-gone-9d3b"])

    assert names["client-gone-9d3b"].startswith("anon-")
    with projection.transaction() as cursor:
        cursor.execute("SELECT COUNT(*) AS n FROM client_pseudonyms WHERE client_id = 'client-gone-9d3b'")
        assert cursor.fetchone()["n"] == 0


def test_a_client_erased_while_an_event_about_them_is_applied_keeps_no_trace_of_it(
    postgres_database, monkeypatch
) -> None:
    """The erasure lands after the consumer found no tombstone and before it wrote (PostgreSQL, READ COMMITTED:
    SQLite has one writer at a time). Without a lock between them, the purge deleted nothing it could see yet,
    and the consumer's rows, pseudonym included, outlived the erasure."""
    projection = Database(postgres_database("reporting_erasure_race"))
    create_tables(projection)
    factory = EventFactory()
    activity = factory.activity_published("Mood check-in")
    apply_event(projection, activity)
    assigned = factory.activity_assigned(activity, "client-gone-5e2a")
    checking = projection_module.is_erased
    erasures: list[threading.Thread] = []

    def erased_meanwhile(cursor, clinic_id: str, client_id: str | None) -> bool:
        found = checking(cursor, clinic_id, client_id)
        erasure = threading.Thread(target=purge_client, args=(projection, CLINIC, "client-gone-5e2a"))
        erasures.append(erasure)
        erasure.start()
        erasure.join(timeout=1.0)  # as far as it gets while this event's transaction is open
        return found

    monkeypatch.setattr(projection_module, "is_erased", erased_meanwhile)
    apply_event(projection, assigned)
    erasures[0].join(timeout=30)

    assert not erasures[0].is_alive()
    with projection.transaction() as cursor:
        for table in ("assignments", "assignment_events", "scores", "risk_flags", "client_pseudonyms"):
            cursor.execute(f"SELECT COUNT(*) AS n FROM {table} WHERE client_id = 'client-gone-5e2a'")
            assert (table, cursor.fetchone()["n"]) == (table, 0)
    projection.close()
