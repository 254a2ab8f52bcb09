"""A therapist's report holds only the assignments they made; erasure purges a client's rows for good."""

from pathlib import Path

import pytest
from cursor_spy import spy_on_cursors

from interlude_contracts.errors import NotFound
from interlude_reporting.projection import apply_event, client_report, purge_client
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
