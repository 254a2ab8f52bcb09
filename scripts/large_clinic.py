"""A large clinic for the bench's read phase: therapists, their clients, and assignments answered over time.

Written through the services' own write paths, in bulk, while the stack is stopped:

- identity's ``create_account`` for each therapist and client (active, with a password nobody knows: the
  bench signs its own tokens, as ``Stack.register_account`` does);
- the assignments application for the assignments: ``new_assignment`` (the one way an assignment comes to
  exist, scoring included), ``Assignment.submit`` (which scores and raises risk flags), and the client's
  index, one client's aggregates per save (one transaction), sealed under the client's key as every save is.

The seeded log is then marked as a deployment's history: the assignments relay's position is set to its
end, as if published long ago, so it is not sent over the bus again (notifications schedules no reminders
for it, identity's audit trail does not record it), and the daily snapshot repair's progress too (it would
otherwise load every seeded assignment at start, looking for snapshots an older release left incomplete).
The reporting projection is built from the log by ``interlude-reporting rebuild``, as an operator builds
it, which is the bench's rebuild measurement too.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from interlude_assignments.application import AssignmentsApplication, create_application
from interlude_assignments.domain import Assignment, ClientAssignments, new_assignment
from interlude_assignments.repair import RepairProgress
from interlude_assignments.snapshot import NO_NAMES
from interlude_identity import store
from interlude_identity.passwords import hash_password
from interlude_runtime.outbox import RelayTracking
from interlude_runtime.storage import Database

# The share of a client's assignments still open (their to-do list); the rest are answered.
OPEN_SHARE = 0.1
# How often an answered PHQ-9's item 9 ("thoughts that you would be better off dead") is above "not at all".
ITEM_9_POSITIVE = 0.02
DIFFICULTY = ("not", "somewhat", "very", "extremely")


@dataclass(frozen=True)
class ClinicSize:
    therapists: int = 100
    clients: int = 5000
    assignments: int = 200_000

    @property
    def per_client(self) -> int:
        return max(1, self.assignments // self.clients)


@dataclass(frozen=True)
class Caseload:
    therapist_id: str
    client_ids: list[str]


def therapist_id(index: int) -> str:
    return f"therapist-large-{index:03d}"


def client_id(index: int) -> str:
    return f"client-large-{index:05d}"


def caseloads(size: ClinicSize) -> list[Caseload]:
    """Clients shared evenly among the therapists (client i is therapist i mod n's)."""
    return [
        Caseload(therapist_id(t), [client_id(c) for c in range(t, size.clients, size.therapists)])
        for t in range(size.therapists)
    ]


def seed_accounts(identity: Database, clinic_id: str, clinic: list[Caseload]) -> None:
    """The therapists and their clients, active, with one random password hash nobody knows."""
    password_hash = hash_password(f"{random.random()}-{time.time()}")  # one scrypt, not one per account
    for caseload in clinic:
        accounts = [(caseload.therapist_id, "therapist", None)]
        accounts += [(client, "client", caseload.therapist_id) for client in caseload.client_ids]
        for account_id, role, therapist in accounts:
            store.create_account(
                identity,
                clinic_id=clinic_id,
                username=f"{account_id}@large.invalid",
                role=role,
                therapist_id=therapist,
                password_hash=password_hash,
                account_id=account_id,
            )


def phq9_answers(rng: random.Random, severity: float) -> dict[str, str]:
    """Answers to the library's PHQ-9 around ``severity`` (0 to 3 per item); item 9 rarely above zero."""
    answers = {f"phq9_{item}": str(min(3, max(0, round(rng.gauss(severity, 0.7))))) for item in range(1, 9)}
    answers["phq9_9"] = str(rng.randint(1, 3)) if rng.random() < ITEM_9_POSITIVE else "0"
    if any(value != "0" for value in answers.values()):  # asked only then (the item's show_if)
        answers["phq9_difficulty"] = DIFFICULTY[min(3, round(severity))]
    return answers


def client_aggregates(
    version: dict[str, Any], clinic_id: str, caseload: Caseload, client: str, count: int
) -> list[Assignment | ClientAssignments]:
    """One client's assignments (answered, their symptoms easing over time, except the newest few) and index."""
    rng = random.Random(client)
    index = ClientAssignments(clinic_id=clinic_id, client_id=client)
    assignments: list[Assignment | ClientAssignments] = [index]
    answered = count - max(1, round(count * OPEN_SHARE))
    start = rng.uniform(1.0, 2.6)
    for number in range(count):
        assignment = new_assignment(
            version,
            NO_NAMES,
            clinic_id=clinic_id,
            client_id=client,
            therapist_id=caseload.therapist_id,
            due_at=datetime.now(UTC) + timedelta(days=rng.randint(1, 28)),
            correlation_id=f"large-clinic-{client}-{number}",
        )
        if number < answered:
            severity = start * (1 - 0.6 * number / max(count - 1, 1))
            assignment.submit(phq9_answers(rng, severity), f"large-clinic-{client}-{number}-response")
        index.add(assignment.id)
        assignments.append(assignment)
    return assignments


_app: AssignmentsApplication | None = None


def _worker_app(environ: Mapping[str, str]) -> None:
    global _app
    os.environ.update(environ)  # the service's own environment: its development mode and secrets too
    _app = create_application(environ)


def _seed_caseload(version: dict[str, Any], clinic_id: str, caseload: Caseload, per_client: int) -> int:
    """Save each of the caseload's clients in one transaction; return the events stored."""
    assert _app is not None
    stored = 0
    for client in caseload.client_ids:
        aggregates = client_aggregates(version, clinic_id, caseload, client, per_client)
        stored += sum(len(aggregate.pending_events) for aggregate in aggregates)
        _app.save(*aggregates)
    return stored


def seed_assignments(
    environ: Mapping[str, str],
    version: dict[str, Any],
    clinic_id: str,
    clinic: list[Caseload],
    size: ClinicSize,
    workers: int = 2,
) -> dict[str, float]:
    """Every client's assignments, by ``workers`` processes; the events stored, the seconds, events/s."""
    started = time.monotonic()
    with ProcessPoolExecutor(max_workers=workers, initializer=_worker_app, initargs=(dict(environ),)) as pool:
        futures = [pool.submit(_seed_caseload, version, clinic_id, caseload, size.per_client) for caseload in clinic]
        try:
            events = sum(future.result() for future in futures)
        except BaseException:  # Ctrl-C or a failed caseload: the rest is not worth waiting for
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    seconds = time.monotonic() - started
    return {"events": events, "seconds": round(seconds, 1), "events_per_second": round(events / max(seconds, 1e-9))}


def mark_history_processed(environ: Mapping[str, str], database_url: str) -> int:
    """The seeded log as a deployment's history: published long ago (the assignments relay's position) and read by
    the daily snapshot repair (its progress), so neither goes over it again at start; return the log's end."""
    os.environ.update(environ)
    app = create_application(environ)
    try:
        newest = app.recorder.max_notification_id() or 0
        progress = RepairProgress()
        progress.advance(newest)
        app.save(progress)
    finally:
        app.close()
    database = Database(database_url)
    try:
        RelayTracking(database, relay_name="assignments").advance(newest)
    finally:
        database.close()
    return newest
