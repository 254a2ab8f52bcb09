"""The fault harness's checks: every store a fault can touch, held to what the clients were told.

Each ``*_report`` reads one store (straight from the run's PostgreSQL, or the broker's queues) and
returns its figures with ``lost`` and ``duplicated`` counts; ``pending`` says what has not settled yet
(events still travelling), so the harness waits for it before judging.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
from chaos_load import Sessions, Submissions, Tally
from kombu import Connection

from interlude_contracts.topology import SUBSCRIPTIONS, dead_letter_queue_name
from interlude_reporting.projection import dump_tables
from interlude_runtime.storage import Database

ASSIGNED = "%:Assignment.Assigned"
SUBMITTED = "%:Assignment.ResponseSubmitted"


def rows(url: str, query: str, *params: Any) -> list[tuple]:
    with psycopg.connect(url) as connection:
        return connection.execute(query, params).fetchall()


def log_counts(url: str, topic: str) -> Counter:
    """Events of ``topic`` per assignment in the assignment log (the event store itself)."""
    found = rows(url, "SELECT originator_id::text FROM assignments_events WHERE topic LIKE %s", topic)
    return Counter(row[0] for row in found)


def once(counts: Counter, expected: set[str]) -> dict[str, int]:
    """How many of ``expected`` are missing from ``counts``, there more than once, or there unexpected."""
    return {
        "lost": len(expected - set(counts)),
        "duplicated": sum(1 for key, n in counts.items() if n > 1),
        "unexpected": len(set(counts) - expected),
    }


def submissions_report(urls: dict[str, str], tally: Submissions) -> dict[str, Any]:
    """Accepted submissions in the log and in the reporting projection, once each."""
    logged = log_counts(urls["assignments"], SUBMITTED)
    projected = {
        r[0] for r in rows(urls["reporting"], "SELECT assignment_id FROM assignments WHERE submitted_at IS NOT NULL")
    }
    [(tracked,)] = rows(urls["reporting"], "SELECT count(*) FROM tracking WHERE event_type = 'ResponseSubmitted'")
    accepted = set(tally.accepted)
    stored_unconfirmed = set(logged) - accepted - tally.conflict_after_error
    return {
        **tally.summary(),
        "in_log": len(logged),
        "in_projection": len(projected),
        "projection_tracking_rows": tracked,
        "lost": len(accepted - set(logged)) + len(accepted - projected),
        "duplicated": sum(1 for n in logged.values() if n > 1) + max(tracked - len(projected), 0),
        "in_log_not_in_projection": len(set(logged) - projected),
        "in_log_never_confirmed_to_client": len(stored_unconfirmed),
    }


def assignments_report(urls: dict[str, str], prepared: set[str], tally: Tally) -> dict[str, Any]:
    """Every assignment created once per Idempotency-Key: in the log, the projection and the client's inbox."""
    created = {assignment for assignment, _ in tally.accepted.values()}
    expected = prepared | created
    logged = log_counts(urls["assignments"], ASSIGNED)
    projected = Counter(r[0] for r in rows(urls["reporting"], "SELECT assignment_id FROM assignments"))
    inbox = Counter(
        r[0] for r in rows(urls["notifications"], "SELECT assignment_id FROM notifications WHERE kind = 'new_activity'")
    )
    in_log, in_projection, in_inbox = once(logged, expected), once(projected, expected), once(inbox, expected)
    return {
        **tally.summary(),
        "in_log": len(logged),
        "log": in_log,
        "projection": in_projection,
        "inbox_new_activity_rows": in_inbox,
        "client_gave_up": len(tally.failed),
        "lost": len(tally.failed) + in_log["lost"] + in_projection["lost"] + in_inbox["lost"],
        "duplicated": sum(part["duplicated"] + part["unexpected"] for part in (in_log, in_projection, in_inbox)),
    }


def follow_ups_report(urls: dict[str, str], tally: Tally) -> dict[str, Any]:
    """Every accepted follow-up planned once, in the inbox once, delivered in-app once."""
    expected = set(tally.accepted.values())
    url = urls["notifications"]
    planned = Counter(r[0] for r in rows(url, "SELECT entry_id FROM schedule WHERE kind = 'follow_up'"))
    inbox = Counter(r[0] for r in rows(url, "SELECT notification_id FROM notifications WHERE kind = 'follow_up'"))
    sent = Counter(
        r[0]
        for r in rows(
            url,
            "SELECT entry_id FROM deliveries WHERE kind = 'follow_up' AND channel = 'in_app' AND outcome = 'sent'",
        )
    )
    parts = {
        "schedule": once(planned, expected),
        "inbox": once(inbox, expected),
        "deliveries_sent": once(sent, expected),
    }
    return {
        **tally.summary(),
        **parts,
        "client_gave_up": len(tally.failed),
        "lost": len(tally.failed) + sum(part["lost"] for part in parts.values()),
        "duplicated": sum(part["duplicated"] + part["unexpected"] for part in parts.values()),
    }


def audit_report(urls: dict[str, str], creations: Tally, submitted: set[str]) -> dict[str, Any]:
    """One audit entry per assignment created (by its request) and per response stored (by its assignment)."""
    url = urls["identity"]
    assigned = Counter(r[0] for r in rows(url, "SELECT correlation_id FROM audit_entries WHERE action = 'assign'"))
    creation_requests = {correlation for _, correlation in creations.accepted.values()}
    submit_resources = rows(url, "SELECT resource FROM audit_entries WHERE action = 'submit'")
    submits = Counter(resource.split("/")[2] for (resource,) in submit_resources)
    parts = {"assign_entries": once(assigned, creation_requests), "submit_entries": once(submits, submitted)}
    # Assignments prepared before the faults were audited too; only the ones created under faults are judged.
    parts["assign_entries"]["unexpected"] = 0
    return {
        **parts,
        "lost": sum(part["lost"] for part in parts.values()),
        "duplicated": sum(part["duplicated"] + part["unexpected"] for part in parts.values()),
    }


def sessions_report(tally: Sessions) -> dict[str, Any]:
    return {
        **tally.summary(),
        "lost": tally.refresh_refused + tally.ended_sessions + len(tally.failed),
        "duplicated": 0,
    }


def analytics_report(urls: dict[str, str], fresh_url: str, env: dict[str, str]) -> dict[str, Any]:
    """The live projection and analytics against a fresh rebuild from the logs, table by table."""
    command = [str(Path(sys.executable).parent / "interlude-reporting"), "rebuild", "--into", fresh_url]
    rebuilt = subprocess.run(command, env=env, capture_output=True, text=True)
    if rebuilt.returncode != 0:
        return {
            "rebuild_failed": rebuilt.stderr.strip()[-500:],
            "lost": 0,
            "duplicated": 0,
            "equal_to_fresh_rebuild": False,
        }
    live_db, fresh_db = Database(urls["reporting"]), Database(fresh_url)
    try:
        live, fresh = dump_tables(live_db), dump_tables(fresh_db)
    finally:
        live_db.close()
        fresh_db.close()
    differing = {
        table: {"live_rows": len(live.get(table, [])), "rebuilt_rows": len(fresh.get(table, []))}
        for table in sorted(set(live) | set(fresh))
        if live.get(table) != fresh.get(table)
    }
    return {
        "tables": len(live),
        "tables_differing_from_a_fresh_rebuild": differing,
        "lost": 0,
        "duplicated": 0,
        "equal_to_fresh_rebuild": not differing,
    }


def dead_letters(amqp_uri: str, services: tuple[str, ...]) -> dict[str, int]:
    """Messages waiting in every dead-letter queue (RPC and events)."""
    names = [dead_letter_queue_name(f"rpc-{service}") for service in services]
    names += [dead_letter_queue_name(queue) for queue in SUBSCRIPTIONS]
    counts = {}
    with Connection(amqp_uri.replace("pyamqp://", "amqp://")) as connection:
        for name in names:
            channel = connection.channel()
            try:
                counts[name] = channel.queue_declare(queue=name, passive=True).message_count
            except Exception:
                counts[name] = -1  # never declared: nothing was ever dead-lettered there
            finally:
                channel.close()
    return counts


def poison_report(
    amqp_uri: str, services: tuple[str, ...], injected: Counter, exited: dict[str, int]
) -> dict[str, Any]:
    """Every poison message in its dead-letter queue, and no process down because of one.

    Dead-lettering is at least once: a service killed between copying a request to the dead-letter queue
    and acknowledging it copies it again when the request is redelivered. Extra copies are counted apart;
    they are not work done twice.
    """
    found = {name: max(count, 0) for name, count in dead_letters(amqp_uri, services).items()}
    missing = {name: count - found.get(name, 0) for name, count in injected.items() if found.get(name, 0) < count}
    unexpected = {name: count for name, count in found.items() if count and name not in injected}
    extra_copies = sum(found.get(name, 0) - count for name, count in injected.items() if found.get(name, 0) > count)
    return {
        "injected": sum(injected.values()),
        "dead_lettered": sum(found.values()),
        "not_dead_lettered": missing,
        "dead_lettered_but_not_injected": unexpected,
        "extra_copies_of_a_dead_letter": extra_copies,
        "processes_exited": exited,
        "lost": sum(missing.values()) + len(exited),
        "duplicated": sum(unexpected.values()),
    }
