"""End to end, as an outsider with the databases: an erased client is in no store and no view, except the audit trail.

One stack on PostgreSQL. A client (Zoe) gets everything a client can have: a
personalised assignment answered with a risk flag, an open one with a due date,
a recurrence, a pathway enrolment with a released step, a group with a
programme sent to it, a follow-up, delivery preferences and the notifications
and alerts all of that makes. A second client (Max) shares the group and the
pathway. Zoe is erased; a message about her that was still on its way arrives
after the erasure. Then every table of every service's database is read —
state the master key opens is opened, as an operator holding it could — and
searched for Zoe's account id and the ids of her assignments, recurrence and
enrolment. Only the audit trail may name her, and only ciphertext under her
destroyed key may sit beside her objects' ids in the assignment log. The views
that once included her (the group, the pathway's enrolments) still work for Max.
"""

import base64
import json
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from kombu import Connection, Producer

from interlude_contracts.envelope import make_envelope
from interlude_contracts.topology import EVENTS_EXCHANGE
from interlude_runtime.shredding import DEVELOPMENT_MASTER_KEY, MASTER_KEY_VARIABLE, client_key_id
from interlude_runtime.storage import postgres_conninfo, postgres_params

from .test_flow import MOOD_CHECK_IN, SECRET, SERVICES, Api, Stack, login, wait_until

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from support import running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.rabbitmq, pytest.mark.postgres]

MASTER_KEY = DEVELOPMENT_MASTER_KEY
ADMIN = ("admin@demo.clinic", "admin-demo-pass")
THERAPIST = ("therapist@demo.clinic", "therapist-demo-pass")
PASSWORD = "a-long-enough-password"
CLINIC = "clinic-demo"
# The one table allowed to name an erased client: the trail is evidence (docs/security.md).
AUDIT_TRAIL = "audit_entries"


@pytest.fixture(scope="module")
def stack(tmp_path_factory, rabbit_vhost, postgres_database) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("stack-erasure")
    with running_stack(
        root,
        rabbit_vhost(),
        {name: postgres_database(name) for name in SERVICES},
        {"GATEWAY_TOKEN_SECRET": SECRET, MASTER_KEY_VARIABLE: MASTER_KEY},
    ) as running:
        yield running


def invite(base: str, therapist: Api, first_name: str) -> tuple[str, Api]:
    username = f"{first_name.lower()}-{uuid.uuid4().hex[:8]}@example.org"
    invitation = therapist.call(
        "POST", "/invitations", {"username": username, "role": "client", "display_name": first_name}, expect=201
    )
    Api(base).call("POST", "/invitations/redeem", {"code": invitation["code"], "password": PASSWORD}, expect=200)
    return invitation["account"]["account_id"], login(base, username, PASSWORD)


def published(therapist: Api, body: dict[str, Any]) -> str:
    activity = therapist.call("POST", "/activities", body, expect=201)
    therapist.call("POST", f"/activities/{activity['activity_id']}/publish", expect=201)
    return str(activity["activity_id"])


def later(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def zoes_world(stack: Stack) -> dict[str, Any]:
    """Everything a client can have, for Zoe; Max shares her group and pathway. Returns ids and sessions."""
    base = stack.url
    therapist = login(base, *THERAPIST)
    zoe, zoe_session = invite(base, therapist, f"Zoe{uuid.uuid4().hex[:6]}")
    max_id, _ = invite(base, therapist, "Max")
    personal = published(therapist, {**MOOD_CHECK_IN, "title": "{{client.first_name}}'s mood check-in"})
    phq9 = therapist.call("POST", "/library/phq-9/copy", expect=201)["activity_id"]
    therapist.call("POST", f"/activities/{phq9}/publish", expect=201)

    def assign(activity_id: str, **extra: Any) -> str:
        body = {"client_id": zoe, "activity_id": activity_id, **extra}
        return str(therapist.call("POST", "/assignments", body, expect=201)["assignment_id"])

    answered, flagged, open_one = assign(personal), assign(phq9), assign(personal, due_at=later(3))
    zoe_session.call("POST", f"/assignments/{answered}/responses", {"answers": {"mood": 3, "sleep": "poor"}}, 201)
    answers = {f"phq9_{n}": "1" for n in range(1, 9)} | {"phq9_9": "2", "phq9_difficulty": "somewhat"}
    zoe_session.call("POST", f"/assignments/{flagged}/responses", {"answers": answers}, expect=201)
    zoe_session.call("PUT", "/me/notification-preferences", {"name": "Zoe", "email": "zoe@example.org"}, 200)
    recurrence = therapist.call(
        "POST",
        "/recurrences",
        {
            "client_id": zoe,
            "activity_id": personal,
            "rule": "FREQ=WEEKLY;COUNT=4",
            "starts_at": "2030-01-07T09:00:00",
            "time_zone": "Europe/London",
        },
        expect=201,
    )["recurrence_id"]
    steps = [
        {"activity_id": personal, "release": {"type": "immediately"}},
        {"activity_id": personal, "release": {"type": "days_after_enrolment", "days": 30}},
    ]
    pathway = therapist.call("POST", "/pathways", {"name": "Steps", "steps": steps}, expect=201)["pathway_id"]
    enrolments = {
        client: therapist.call("POST", f"/pathways/{pathway}/enrolments", {"client_id": client}, 201)["enrolment_id"]
        for client in (zoe, max_id)
    }
    group = therapist.call("POST", "/groups", {"name": "Tuesday group", "members": [zoe, max_id]}, 201)["group_id"]
    therapist.call("POST", f"/groups/{group}/assignments", {"activity_id": personal}, expect=201)
    therapist.call("POST", f"/clients/{zoe}/follow-ups", {"text": "How did the week go?"}, expect=202)

    def everything_arrived() -> bool:
        report = therapist.call("GET", f"/clients/{zoe}/report", expect=200)
        alerts = therapist.call("GET", "/me/alerts", expect=200)["alerts"]
        inbox = zoe_session.call("GET", "/me/notifications", expect=200)["notifications"]
        return (
            report["completed"] == 2
            and any(alert.get("client_id") == zoe for alert in alerts)
            and len(inbox) >= 4
            and bool(therapist.call("GET", f"/clients/{zoe}/schedule", expect=200)["entries"])
        )

    wait_until(everything_arrived, timeout=60, what="Zoe's reports, alerts, inbox and schedule")
    assignments = [a["assignment_id"] for a in therapist.call("GET", f"/clients/{zoe}/assignments", 200)["assignments"]]
    assert {answered, flagged, open_one} <= set(assignments) and len(assignments) >= 5  # + pathway step, group
    return {
        "therapist": therapist,
        "zoe": zoe,
        "zoe_session": zoe_session,
        "max": max_id,
        "objects": [*assignments, recurrence, enrolments[zoe]],
        "recurrence": recurrence,
        "enrolment": enrolments[zoe],
        "max_enrolment": enrolments[max_id],
        "pathway": pathway,
        "group": group,
        "personal": personal,
    }


def publish_late(stack: Stack, client_id: str, activity_id: str) -> str:
    """An ActivityAssigned for the client that was still on its way when they were erased; its assignment id."""
    assignment_id = str(uuid.uuid4())
    envelope = make_envelope(
        event_id=str(uuid.uuid4()),
        event_type="ActivityAssigned",
        schema_version=1,
        occurred_at=datetime.now(UTC),
        clinic_id=CLINIC,
        correlation_id=f"late-{assignment_id}",
        source="assignments",
        # Reporting tracks (source, position): a position the relay has not reached, so the event is not a repeat.
        position=10**9 + uuid.uuid4().int % 10**9,
        payload={
            "assignment_id": assignment_id,
            "activity_id": activity_id,
            "activity_version": 1,
            "activity_title": "A late one",
            "client_id": client_id,
            "therapist_id": "therapist-demo",
            "due_at": later(2),
        },
    )
    with Connection(stack.amqp_uri, transport_options={"confirm_publish": True}) as connection:
        Producer(connection.default_channel).publish(
            envelope, exchange=EVENTS_EXCHANGE, routing_key="assignments.ActivityAssigned", serializer="json"
        )
    return assignment_id


def plaintexts(value: Any, master: AESGCM) -> list[str]:
    """What a value says to someone holding the database and the master key."""
    if isinstance(value, memoryview | bytes):
        raw = bytes(value)
        if raw[:1] == b"M":  # sealed under the master key: an operator can open it
            try:
                return [master.decrypt(raw[1:13], raw[13:], b"M").decode(errors="replace")]
            except Exception:
                return [raw.decode(errors="replace")]
        return [raw.decode(errors="replace")]
    return [str(value)]


def traces(url: str, needles: list[str], erased_key: bytes) -> list[str]:
    """Every (table, column, needle) where a needle shows, leaving out the audit trail and what only
    ciphertext under the erased key sits beside (an event's originator id in the append-only log)."""
    master = AESGCM(base64.b64decode(MASTER_KEY))
    found = []
    with psycopg.connect(postgres_conninfo(postgres_params(url))) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchall()
        ]
        for table in tables:
            if table == AUDIT_TRAIL:
                continue
            cursor = connection.execute(f'SELECT * FROM "{table}"')
            columns = [column.name for column in cursor.description or []]
            for row in cursor.fetchall():
                values = dict(zip(columns, row, strict=True))
                state = values.get("state")
                shredded = isinstance(state, memoryview | bytes) and bytes(state)[:17] == b"C" + erased_key
                for column, value in values.items():
                    if shredded and column == "originator_id":
                        continue
                    for text in plaintexts(value, master):
                        found.extend(f"{table}.{column}: {needle}" for needle in needles if needle in text)
    return found


@pytest.fixture(scope="module")
def erased(stack: Stack) -> dict[str, Any]:
    world = zoes_world(stack)
    admin = login(stack.url, *ADMIN)
    admin.call("DELETE", f"/clients/{world['zoe']}", expect=204)
    late = publish_late(stack, world["zoe"], world["personal"])
    marker = publish_late(stack, world["max"], world["personal"])  # queued behind Zoe's: handled after it

    def marker_handled() -> bool:
        """Both consumers (reporting, notifications) have handled the message queued behind Zoe's late one."""
        therapist, max_id = world["therapist"], world["max"]
        reported = therapist.call("GET", f"/clients/{max_id}/report", expect=200)["assignments"]
        scheduled = therapist.call("GET", f"/clients/{max_id}/schedule", expect=200)["entries"]
        return marker in {row["assignment_id"] for row in reported} and marker in {
            entry["assignment_id"] for entry in scheduled
        }

    wait_until(marker_handled, timeout=60, what="the message queued behind the late one")
    return {**world, "admin": admin, "late": late}


def test_no_store_keeps_the_erased_clients_ids_except_the_audit_trail(stack: Stack, erased: dict[str, Any]) -> None:
    needles = [erased["zoe"], *erased["objects"], erased["late"]]
    key = client_key_id(CLINIC, erased["zoe"])
    found = {service: traces(stack.database_urls[service], needles, key) for service in SERVICES}
    assert {service: rows for service, rows in found.items() if rows} == {}


def test_the_views_that_included_the_erased_client_still_work(erased: dict[str, Any]) -> None:
    therapist, admin, zoe = erased["therapist"], erased["admin"], erased["zoe"]
    group = therapist.call("GET", f"/groups/{erased['group']}", expect=200)
    assert group["members"] == [erased["max"]]
    assert zoe not in json.dumps(group)
    enrolments = therapist.call("GET", f"/pathways/{erased['pathway']}/enrolments", expect=200)["enrolments"]
    assert [e["enrolment_id"] for e in enrolments] == [erased["max_enrolment"]]
    therapist.call("GET", f"/recurrences/{erased['recurrence']}", expect=404)
    therapist.call("GET", f"/enrolments/{erased['enrolment']}", expect=404)
    therapist.call("GET", f"/enrolments/{erased['max_enrolment']}", expect=200)
    assert zoe not in json.dumps(therapist.call("GET", "/me/alerts", expect=200))
    assert zoe not in json.dumps(therapist.call("GET", "/me/caseload", expect=200))
    # A programme sent to the group now still reaches its members.
    therapist.call("POST", f"/groups/{erased['group']}/assignments", {"activity_id": erased["personal"]}, 201)
    for path in (f"/clients/{zoe}/report", f"/clients/{zoe}/assignments", f"/clients/{zoe}/schedule"):
        therapist.call("GET", path, expect=404)
    trail = admin.call("GET", f"/audit?client_id={zoe}", expect=200)["entries"]
    assert "erase" in {entry["action"] for entry in trail}
