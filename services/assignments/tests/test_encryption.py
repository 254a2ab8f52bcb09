"""Client data at rest: per-client encryption of the assignment log, and crypto-shredding.

Over the SQLite file and a fresh PostgreSQL database (``database_url``). The
"raw" contents are every value of every table, as stored (bytes and text), and
for SQLite also the database files themselves, WAL included.
"""

import base64
import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from interlude_assignments.application import AssignmentsApplication, create_application
from interlude_assignments.handlers import (
    AddGroupMember,
    Assign,
    AssignToGroup,
    CreateGroup,
    CreatePathway,
    CreateRecurrence,
    Enrol,
    SubmitResponse,
    enrolments,
    get_enrolment,
    get_group,
    get_recurrence,
    handle,
)
from interlude_assignments.translation import to_envelope
from interlude_contracts.errors import NotFound
from interlude_runtime.outbox import log_page
from interlude_runtime.shredding import MASTER_KEY_VARIABLE, ClientDataErased, client_key_id
from interlude_runtime.storage import is_postgres, postgres_conninfo, postgres_params, sqlite_path

MASTER_KEY = base64.b64encode(os.urandom(32)).decode()

pytestmark = pytest.mark.postgres


@pytest.fixture
def app(database_url: str) -> Iterator[AssignmentsApplication]:
    app = create_application({"DATABASE_URL": database_url, MASTER_KEY_VARIABLE: MASTER_KEY})
    yield app
    app.close()


def raw_contents(url: str) -> bytes:
    """Everything the store holds, as bytes."""
    if not is_postgres(url):
        path = Path(sqlite_path(url))
        return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    chunks = []
    with psycopg.connect(postgres_conninfo(postgres_params(url))) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchall()
        for (table,) in tables:
            for row in connection.execute(f'SELECT * FROM "{table}"').fetchall():
                for value in row:
                    chunks.append(bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode())
    return b"\n".join(chunks)


def answered(app: AssignmentsApplication, snapshot: dict[str, Any], client_id: str, note: str) -> Any:
    assignment = handle(app, Assign("clinic-a", "therapist-1", client_id, snapshot, None, "corr-1"))
    handle(
        app, SubmitResponse("clinic-a", assignment.id, {"mood": 3, "sleep": "poor", "note": note}, "corr-2", client_id)
    )
    return assignment


def test_no_answer_or_client_id_is_stored_in_plaintext(
    app: AssignmentsApplication, database_url: str, snapshot: dict[str, Any]
) -> None:
    note = f"secret-{uuid.uuid4().hex[:12]}"
    client_id = f"client-{uuid.uuid4().hex[:10]}"
    assignment = answered(app, snapshot, client_id, note)

    raw = raw_contents(database_url)

    assert app.get("clinic-a", assignment.id).answers["note"] == note  # readable through the application
    assert note.encode() not in raw and client_id.encode() not in raw
    assert snapshot["title"].encode() not in raw  # the assigned version is sealed too


def test_erasure_shreds_one_client_and_leaves_the_others(
    app: AssignmentsApplication, database_url: str, snapshot: dict[str, Any]
) -> None:
    erased = answered(app, snapshot, "client-erased", "gone-for-good")
    kept = answered(app, snapshot, "client-kept", "still-here")
    wrapped_key = _wrapped_key_of(app)
    assert wrapped_key in raw_contents(database_url)

    app.erase_client("clinic-a", "client-erased")

    with pytest.raises(NotFound):
        app.get("clinic-a", erased.id)
    with pytest.raises(NotFound):
        app.for_client("clinic-a", "client-erased")
    assert app.get("clinic-a", kept.id).answers["note"] == "still-here"
    assert wrapped_key not in raw_contents(database_url)  # no copy of the destroyed key is left behind


def test_an_application_reopened_with_the_master_key_still_cannot_read_erased_events(
    app: AssignmentsApplication, database_url: str, snapshot: dict[str, Any]
) -> None:
    erased = answered(app, snapshot, "client-erased", "gone-for-good")
    app.erase_client("clinic-a", "client-erased")

    reopened = create_application({"DATABASE_URL": database_url, MASTER_KEY_VARIABLE: MASTER_KEY})
    try:
        with pytest.raises(NotFound):
            reopened.get("clinic-a", erased.id)
    finally:
        reopened.close()


def test_an_erased_clients_recurrence_and_enrolment_are_not_found_and_shared_pathways_still_list(
    app: AssignmentsApplication, snapshot: dict[str, Any]
) -> None:
    steps = [{"activity": snapshot, "release": {"type": "immediately"}, "due_after_hours": 48}]
    pathway = handle(app, CreatePathway("clinic-a", "therapist-1", "Sleep programme", steps))
    erased = handle(app, Enrol("clinic-a", "therapist-1", pathway.id, "client-erased", "corr-e"))
    kept = handle(app, Enrol("clinic-a", "therapist-1", pathway.id, "client-kept", "corr-k"))
    recurrence = handle(
        app,
        CreateRecurrence(
            "clinic-a", "therapist-1", "client-erased", snapshot, "FREQ=DAILY", datetime(2026, 3, 27, 7), "UTC", "c"
        ),
    )

    app.erase_client("clinic-a", "client-erased")

    with pytest.raises(NotFound):
        get_recurrence(app, "clinic-a", recurrence.id, "therapist-1")
    with pytest.raises(NotFound):
        get_enrolment(app, "clinic-a", erased.id, "therapist-1")
    assert [e.id for e in enrolments(app, "clinic-a", pathway.id, "therapist-1")] == [kept.id]
    assert get_enrolment(app, "clinic-a", kept.id).client_id == "client-kept"


def master_sealed_plaintext(app: AssignmentsApplication) -> str:
    """What an operator holding the master key reads in the log: every event not sealed under a client's key."""
    master = AESGCM(app.master_key)
    texts = []
    for notification in app.recorder.select_notifications(1, 10_000):
        if notification.state[:1] == b"M":
            texts.append(master.decrypt(notification.state[1:13], notification.state[13:], b"M").decode())
    return "\n".join(texts)


def test_an_erased_member_leaves_no_trace_in_a_group_and_the_group_still_works(
    app: AssignmentsApplication, snapshot: dict[str, Any]
) -> None:
    """Finding 4 of issue 15: the group still listed the erased member (and, under the master key, their
    assignment ids: the group's deliveries, a pathway's index and its step records)."""
    spec = {"activity": snapshot, "due_at": None, "release_at": None, "expires_at": None, "reminders": None}
    group = handle(app, CreateGroup("clinic-a", "therapist-1", "Tuesdays", ["client-erased", "client-kept"]))
    handle(app, AssignToGroup("clinic-a", "therapist-1", group.id, "activity", spec, "corr"))
    steps = [{"activity": snapshot, "release": {"type": "immediately"}}]
    pathway = handle(app, CreatePathway("clinic-a", "therapist-1", "Sleep programme", steps))
    enrolment = handle(app, Enrol("clinic-a", "therapist-1", pathway.id, "client-erased", "corr-e"))
    theirs = [str(a.id) for a in app.for_client("clinic-a", "client-erased")]
    assert len(theirs) == 2

    app.erase_client("clinic-a", "client-erased")

    after = get_group(app, "clinic-a", group.id, "therapist-1")
    assert after.members == ["client-kept"]
    assert [d["client_id"] for d in after.programmes[0]["deliveries"]] == ["client-kept"]
    plaintext = master_sealed_plaintext(app)
    assert [trace for trace in ["client-erased", str(enrolment.id), *theirs] if trace in plaintext] == []
    handle(app, AddGroupMember("clinic-a", group.id, "client-new", "from_start", "corr-n"))
    assert get_group(app, "clinic-a", group.id).members == ["client-kept", "client-new"]


def test_an_erasure_through_one_replica_holds_at_once_in_another(
    app: AssignmentsApplication, database_url: str, snapshot: dict[str, Any]
) -> None:
    erased = answered(app, snapshot, "client-erased", "gone-for-good")
    replica = create_application({"DATABASE_URL": database_url, MASTER_KEY_VARIABLE: MASTER_KEY})
    try:
        assert replica.get("clinic-a", erased.id).answers["note"] == "gone-for-good"  # its key in memory now
        assert log_page(replica, to_envelope, 0, 100)[0]

        app.erase_client("clinic-a", "client-erased")

        with pytest.raises(ClientDataErased):
            replica.repository.get(erased.id)
        with pytest.raises(NotFound):
            replica.for_client("clinic-a", "client-erased")
        assert log_page(replica, to_envelope, 0, 100)[0] == []
    finally:
        replica.close()


def test_an_aggregate_load_looks_its_client_key_up_once(
    app: AssignmentsApplication, snapshot: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    assignment = answered(app, snapshot, "client-busy", "one")
    lookups: list[object] = []
    load = app.client_keys._load
    monkeypatch.setattr(app.client_keys, "_load", lambda key_ids: lookups.append(key_ids) or load(key_ids))

    loaded = app.repository.get(assignment.id)  # assigned, then answered: two events sealed with the client's key

    assert loaded.answers["note"] == "one" and len(lookups) == 1


def test_the_relay_skips_erased_events_and_publishes_the_rest(
    app: AssignmentsApplication, snapshot: dict[str, Any]
) -> None:
    answered(app, snapshot, "client-erased", "gone-for-good")
    kept = answered(app, snapshot, "client-kept", "still-here")
    app.erase_client("clinic-a", "client-erased")

    envelopes, _ = log_page(app, to_envelope, 0, 100)

    assert {e["payload"]["client_id"] for e in envelopes} == {"client-kept"}
    assert {e["payload"]["assignment_id"] for e in envelopes} == {str(kept.id)}


def test_another_master_key_reads_nothing(
    app: AssignmentsApplication, database_url: str, snapshot: dict[str, Any]
) -> None:
    assignment = answered(app, snapshot, "client-a", "sealed")
    other = create_application(
        {"DATABASE_URL": database_url, MASTER_KEY_VARIABLE: base64.b64encode(os.urandom(32)).decode()}
    )
    try:
        with pytest.raises(InvalidTag):  # the wrapped data key does not open under another master key
            other.repository.get(assignment.id)
    finally:
        other.close()


def _wrapped_key_of(app: AssignmentsApplication) -> bytes:
    """The erased client's wrapped data key as stored (another client's key is there too)."""
    database = app.client_keys._database
    assert database is not None
    with database.transaction() as cursor:
        cursor.execute("SELECT key_id, wrapped_key FROM client_keys")
        keys = {row["key_id"]: row["wrapped_key"] for row in cursor.fetchall()}
    assert len(keys) >= 2
    return keys[client_key_id("clinic-a", "client-erased").hex()].encode()
