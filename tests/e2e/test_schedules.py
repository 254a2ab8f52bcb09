"""End to end over HTTP: schedules, reminders, recurrences, pathways and real email delivery.

Every service, the three relays and the gateway run as processes on
PostgreSQL, with a real SMTP server (aiosmtpd) receiving the notifications
service's email. Short due times, zero grace and a SECONDLY rule keep the
waits to seconds; the scheduler ticks every 0.3 s.
"""

import mailbox
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from support import Stack, free_port, running_stack, wait_until

from .test_flow import SECRET, SERVICES, Api, create_published_activity, login

pytestmark = [pytest.mark.e2e, pytest.mark.rabbitmq]


@pytest.fixture(scope="module")
def maildir(tmp_path_factory) -> Iterator[tuple[int, Path]]:
    port, folder = free_port(), tmp_path_factory.mktemp("mail") / "maildir"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(folder),
        ]
    )
    wait_until(lambda: _listening(port), timeout=15, what="the SMTP server")
    yield port, folder
    process.terminate()
    process.wait(timeout=10)


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def stack(tmp_path_factory, rabbit_vhost, bus_users, postgres_database, maildir) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("stack-schedules")
    with running_stack(
        root,
        rabbit_vhost(),
        {name: postgres_database(name) for name in SERVICES},
        {
            "GATEWAY_TOKEN_SECRET": SECRET,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(maildir[0]),
            "SCHEDULER_TICK_SECONDS": "0.3",
        },
        bus_users=bus_users,
    ) as running:
        yield running


def emails(folder: Path) -> list[Any]:
    return list(mailbox.Maildir(folder).values()) if folder.exists() else []


def bodies_to(folder: Path, address: str) -> list[str]:
    return [m.get_payload(decode=True).decode() for m in emails(folder) if m["To"] == address]


@pytest.fixture(scope="module")
def people(stack: Stack) -> tuple[Api, Api, str]:
    therapist = login(stack.url, "therapist@demo.clinic", "therapist-demo-pass")
    client = login(stack.url, "ada@demo.client", "client-demo-pass")
    therapist.call(
        "PUT",
        "/clients/client-ada/notification-preferences",
        {"name": "Ada", "email": "ada@example.org", "time_zone": "Europe/London"},
        expect=200,
    )
    return therapist, client, create_published_activity(therapist)


def in_seconds(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def test_new_activity_email_opened_then_expired(stack: Stack, people, maildir) -> None:
    therapist, client, activity_id = people
    assignment = therapist.call(
        "POST",
        "/assignments",
        {
            "client_id": "client-ada",
            "activity_id": activity_id,
            "due_at": in_seconds(4),
            "grace_hours": 0,
            "reminders": [],
        },
        expect=201,
    )
    path = f"/assignments/{assignment['assignment_id']}"

    wait_until(
        lambda: any("new activity: Mood check-in" in b for b in bodies_to(maildir[1], "ada@example.org")),
        what="the new-activity email",
    )
    opened = client.call("POST", f"{path}/open", expect=200)
    assert opened["opened_at"] is not None

    wait_until(lambda: therapist.call("GET", path, expect=200)["status"] == "expired", timeout=30, what="the expiry")
    late = client.call("POST", f"{path}/responses", {"answers": {"mood": 5, "sleep": "good"}})
    assert late["status"] == 409


def test_submission_cancels_the_reminders(stack: Stack, people) -> None:
    therapist, client, activity_id = people
    assignment = therapist.call(
        "POST",
        "/assignments",
        {"client_id": "client-ada", "activity_id": activity_id, "due_at": in_seconds(3 * 86400)},
        expect=201,
    )

    def mine() -> list[dict[str, Any]]:
        entries = therapist.call("GET", "/clients/client-ada/schedule", expect=200)["entries"]
        return [e for e in entries if e["assignment_id"] == assignment["assignment_id"] and e["kind"] == "reminder"]

    wait_until(lambda: len(mine()) == 2, what="two default reminders")

    client.call(
        "POST",
        f"/assignments/{assignment['assignment_id']}/responses",
        {"answers": {"mood": 6, "sleep": "good"}},
        expect=201,
    )

    wait_until(lambda: {e["state"] for e in mine()} == {"cancelled"}, what="the reminders cancelled")


def test_a_follow_up_is_emailed_and_every_attempt_is_listed(stack: Stack, people, maildir) -> None:
    therapist, _, _ = people
    sent = therapist.call("POST", "/clients/client-ada/follow-ups", {"text": "See you on Thursday."}, expect=202)

    wait_until(
        lambda: any("Hi Ada, see you on Thursday." in b for b in bodies_to(maildir[1], "ada@example.org")),
        what="the follow-up email",
    )
    deliveries = therapist.call("GET", "/clients/client-ada/deliveries", expect=200)["deliveries"]
    channels = {(d["channel"], d["outcome"]) for d in deliveries if d["notification_id"] == sent["notification_id"]}
    assert channels == {("in_app", "sent"), ("email", "sent")}


def test_a_recurrence_releases_each_occurrence_through_the_scheduler(stack: Stack, people) -> None:
    therapist, client, activity_id = people
    local_start = (datetime.now(ZoneInfo("Europe/London")) + timedelta(seconds=3)).replace(microsecond=0, tzinfo=None)
    recurrence = therapist.call(
        "POST",
        "/recurrences",
        {
            "client_id": "client-ada",
            "activity_id": activity_id,
            "rule": "FREQ=SECONDLY;INTERVAL=2;COUNT=2",
            "starts_at": local_start.isoformat(),
            "time_zone": "Europe/London",
            "due_after_hours": 24,
        },
        expect=201,
    )
    path = f"/recurrences/{recurrence['recurrence_id']}"

    done = wait_until(
        lambda: (r := therapist.call("GET", path, expect=200))["status"] == "ended" and r,
        timeout=40,
        what="both occurrences released",
    )
    released = {item["assignment_id"] for item in done["released"]}
    assert len(released) == 2
    todo = {a["assignment_id"] for a in client.call("GET", "/me/todo", expect=200)["assignments"]}
    assert released <= todo


def test_a_pathway_step_follows_the_completion_of_the_previous(stack: Stack, people) -> None:
    therapist, client, activity_id = people
    step = {"activity_id": activity_id}
    pathway = therapist.call(
        "POST",
        "/pathways",
        {
            "name": "Two steps",
            "steps": [
                {**step, "release": {"type": "immediately"}},
                {**step, "release": {"type": "after_previous_completed"}},
            ],
        },
        expect=201,
    )
    enrolment = therapist.call(
        "POST", f"/pathways/{pathway['pathway_id']}/enrolments", {"client_id": "client-ada"}, expect=201
    )
    first = enrolment["steps"][0]["assignment_id"]
    assert [s["status"] for s in enrolment["steps"]] == ["released", "waiting"]

    client.call("POST", f"/assignments/{first}/responses", {"answers": {"mood": 7, "sleep": "good"}}, expect=201)

    path = f"/enrolments/{enrolment['enrolment_id']}"
    wait_until(
        lambda: [s["status"] for s in therapist.call("GET", path, expect=200)["steps"]] == ["completed", "released"],
        timeout=30,
        what="the second step released",
    )


def test_extending_the_due_date_moves_the_reminders_the_report_and_the_clients_view(stack: Stack, people) -> None:
    """The worked example of docs/architecture.md, used as a therapist would: a client asks for two more days."""
    therapist, client, activity_id = people
    first_due = datetime.now(UTC) + timedelta(days=3)
    assignment = therapist.call(
        "POST",
        "/assignments",
        {"client_id": "client-ada", "activity_id": activity_id, "due_at": first_due.isoformat()},
        expect=201,
    )
    path = f"/assignments/{assignment['assignment_id']}"

    def reminders(state: str) -> list[datetime]:
        entries = therapist.call("GET", "/clients/client-ada/schedule", expect=200)["entries"]
        return sorted(
            datetime.fromisoformat(e["due_at"])
            for e in entries
            if e["assignment_id"] == assignment["assignment_id"] and e["kind"] == "reminder" and e["state"] == state
        )

    wait_until(lambda: len(reminders("pending")) == 2, what="two default reminders")
    before_due = reminders("pending")[-1]
    assert abs((first_due - before_due) - timedelta(hours=2)) < timedelta(seconds=1)

    earlier = therapist.call("POST", f"{path}/due-date", {"due_at": (first_due - timedelta(days=1)).isoformat()})
    assert earlier["status"] == 422 and "due_at" in earlier["errors"]
    past = therapist.call("POST", f"{path}/due-date", {"due_at": "2020-01-01T09:00:00+00:00"})
    assert past["status"] == 422 and "due_at" in past["errors"]

    new_due = first_due + timedelta(days=2)
    extended = therapist.call("POST", f"{path}/due-date", {"due_at": new_due.isoformat()}, expect=200)
    assert datetime.fromisoformat(extended["due_at"]) == new_due
    again = therapist.call("POST", f"{path}/due-date", {"due_at": new_due.isoformat()}, expect=200)
    assert again["due_at"] == extended["due_at"]

    wait_until(lambda: before_due in reminders("cancelled"), what="the reminder before the old due date cancelled")
    wait_until(
        lambda: any(abs((new_due - r) - timedelta(hours=2)) < timedelta(seconds=1) for r in reminders("pending")),
        what="a reminder two hours before the new due date",
    )
    assert len([r for r in reminders("pending") if r > first_due - timedelta(hours=3)]) == 1

    todo = client.call("GET", "/me/todo", expect=200)["assignments"]
    [seen] = [a for a in todo if a["assignment_id"] == assignment["assignment_id"]]
    assert datetime.fromisoformat(seen["due_at"]) == new_due

    def reported_due() -> datetime | None:
        rows = therapist.call("GET", "/clients/client-ada/report", expect=200)["assignments"]
        [row] = [r for r in rows if r["assignment_id"] == assignment["assignment_id"]] or [None]
        return datetime.fromisoformat(row["due_at"]) if row and row["due_at"] else None

    wait_until(lambda: reported_due() == new_due, what="the report showing the new due date")

    client.call("POST", f"{path}/responses", {"answers": {"mood": 6, "sleep": "good"}}, expect=201)
    closed = therapist.call("POST", f"{path}/due-date", {"due_at": (new_due + timedelta(days=1)).isoformat()})
    assert closed["status"] == 409
