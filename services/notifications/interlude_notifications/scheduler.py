"""The scheduler: claims due entries and delivers them, with retries, back-off and dead letters.

Every replica runs ``tick`` on a timer; claims (``schedule.claim_due``) keep
replicas apart, and a replica that stops beating (``beat``) has its claims
taken over after ``heartbeat_timeout_seconds``, long before its lease ends.
For each claimed message the client's preferences pick the channels: the
in-app inbox always, email and the webhook when the client has an address there
and has not opted out. Quiet hours (client's time zone) postpone the whole
message to the window's end. Each channel is sent at most once per entry: a
channel already recorded as sent is skipped on a retry or after a replica died
mid-send. A failed attempt is retried with exponential back-off; after
``max_attempts`` the entry is dead (the dead-letter record) and a final
``NotificationFailed`` is published. Every attempt is a row in ``deliveries``
and an event in the outbox, in one transaction.
"""

import logging
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import Counter, Histogram

from interlude_contracts.events import (
    ASSIGNMENT_EXPIRY_DUE,
    NOTIFICATION_FAILED,
    NOTIFICATION_SENT,
    RELEASE_DUE,
    AssignmentExpiryDueV1,
    NotificationFailedV1,
    NotificationSentV1,
    ReleaseDueV1,
)
from interlude_contracts.schemas import shared
from interlude_runtime.storage import Cursor, Database
from interlude_runtime.tombstones import hold_client, is_erased

from .channels import Channel, DeliveryFailed, Message
from .outbox import write_event
from .planning import EXPIRY_DUE, TRIGGERS
from .preferences import Preferences, load_preferences
from .schedule import (
    CANCELLED,
    DEAD,
    DONE,
    Entry,
    beat,
    claim_due,
    finish,
    from_millis,
    release_until,
    still_mine,
    take_over_dead_claims,
    to_millis,
)
from .templates import render

log = logging.getLogger(__name__)

DELIVERY_ATTEMPTS = Counter(
    "interlude_notification_attempts_total", "Delivery attempts per channel and outcome.", ["channel", "outcome"]
)
DUE_TO_SENT = Histogram(
    "interlude_notification_due_to_sent_seconds",
    "From an entry's due time to its delivery on a channel.",
    ["channel"],
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 300, 3600, 86400),
)
DEAD_LETTERS = Counter("interlude_notification_dead_letters_total", "Entries whose retries ran out.", ["kind"])

IN_APP = "in_app"
SENT = "sent"
FAILED = "failed"

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    def __init__(
        self,
        database: Database,
        channels: Mapping[str, Channel],
        clock: Clock = system_clock,
        *,
        batch_size: int = 100,
        lease_seconds: float = 120.0,
        max_attempts: int = 5,
        backoff_seconds: float = 30.0,
        backoff_cap_seconds: float = 3600.0,
        heartbeat_timeout_seconds: float = 10.0,
        scheduler_id: str | None = None,
    ) -> None:
        self.database = database
        self.channels = dict(channels)
        self.clock = clock
        self.batch_size = batch_size
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.backoff_cap_seconds = backoff_cap_seconds
        self.heartbeat_timeout = timedelta(seconds=heartbeat_timeout_seconds)
        self.scheduler_id = scheduler_id or uuid.uuid4().hex
        self._last_beat: datetime | None = None

    def beat(self) -> None:
        """This scheduler is alive (called on every tick, between entries, and by a timer of its own)."""
        now = self.clock()
        beat(self.database, self.scheduler_id, now)
        self._last_beat = now

    def _beat_if_due(self) -> None:
        if self._last_beat is None or self.clock() - self._last_beat >= self.heartbeat_timeout / 5:
            self.beat()

    def claim(self) -> list[Entry]:
        """Beat, take over the claims of schedulers that stopped beating, and claim one batch of due entries."""
        self.beat()
        now = self.clock()
        taken_over = take_over_dead_claims(self.database, now, now - self.heartbeat_timeout)
        if taken_over:
            log.warning("took over %s claimed schedule entries of schedulers that stopped beating", taken_over)
        return claim_due(self.database, now, self.batch_size, self.lease_seconds, self.scheduler_id)

    def tick(self) -> int:
        """Claim and process one batch of due entries; how many were claimed."""
        entries = self.claim()
        for entry in entries:
            self._beat_if_due()
            try:
                self.process(entry)
            except Exception:
                # The claim lapses at the end of its lease and another tick takes the entry again.
                log.exception("processing schedule entry %s failed", entry.entry_id)
        return len(entries)

    def backoff(self, attempt: int) -> timedelta:
        return timedelta(seconds=min(self.backoff_seconds * 2 ** (attempt - 1), self.backoff_cap_seconds))

    def process(self, entry: Entry) -> None:
        if entry.kind in TRIGGERS:
            self._trigger(entry)
            return
        with self.database.transaction() as cursor:
            if not still_mine(cursor, entry):
                return
            preferences = load_preferences(cursor, entry.clinic_id, entry.client_id)
        external = [name for name in preferences.external_channels() if name in self.channels]
        quiet_until = preferences.quiet_until(self.clock()) if external else None
        if quiet_until is not None:
            with self.database.transaction() as cursor:
                release_until(cursor, entry, quiet_until, entry.attempts, None)
            return
        failures = {}
        for channel in [IN_APP, *external]:
            error = self._deliver(entry, channel, preferences)
            if error is not None:
                failures[channel] = error
        self._settle(entry, failures)

    def _deliver(self, entry: Entry, channel: str, preferences: Preferences) -> str | None:
        """Send on one channel unless already sent; the error, or None when it went out."""
        with self.database.transaction() as cursor:
            if _already_sent(cursor, entry, channel) or not still_mine(cursor, entry):
                return None
        message = render(entry, preferences)
        if channel == IN_APP:
            with self.database.transaction() as cursor:
                if self._erased_meanwhile(cursor, entry):
                    return None
                _add_to_inbox(cursor, entry, message, self.clock())
                self._record(cursor, entry, channel, None, final=False)
            return None
        try:
            self.channels[channel].send(message, preferences)
        except DeliveryFailed as error:
            return str(error)
        with self.database.transaction() as cursor:
            if not self._erased_meanwhile(cursor, entry):
                self._record(cursor, entry, channel, None, final=False)
        return None

    def _erased_meanwhile(self, cursor: Cursor, entry: Entry) -> bool:
        """Whether the entry's client was erased since it was claimed; until this transaction ends, their
        erasure waits (``hold_client``), so nothing written here outlives it."""
        hold_client(cursor, entry.clinic_id, entry.client_id, postgres=self.database.is_postgres)
        return is_erased(cursor, entry.clinic_id, entry.client_id)

    def _settle(self, entry: Entry, failures: dict[str, str]) -> None:
        attempt = entry.attempts + 1
        now = self.clock()
        with self.database.transaction() as cursor:
            if not failures:
                finish(cursor, _with_attempts(entry, attempt), DONE, now)
                return
            if self._erased_meanwhile(cursor, entry):
                return
            final = attempt >= self.max_attempts
            for channel, error in failures.items():
                self._record(cursor, entry, channel, error, final=final)
            summary = "; ".join(f"{channel}: {error}" for channel, error in failures.items())
            if final:
                finish(cursor, _with_attempts(entry, attempt), DEAD, now, summary)
                DEAD_LETTERS.labels(kind=entry.kind).inc()
                log.error("schedule entry %s dead after %s attempts: %s", entry.entry_id, attempt, summary)
            else:
                release_until(cursor, entry, now + self.backoff(attempt), attempt, summary)

    def _record(self, cursor: Cursor, entry: Entry, channel: str, error: str | None, *, final: bool) -> None:
        """One attempt on one channel: its delivery row and its event, in the caller's transaction."""
        attempt = entry.attempts + 1
        now = self.clock()
        outcome = SENT if error is None else FAILED
        DELIVERY_ATTEMPTS.labels(channel=channel, outcome=outcome).inc()
        if error is None:
            DUE_TO_SENT.labels(channel=channel).observe(max((now - entry.due_at).total_seconds(), 0))
        cursor.execute(
            """INSERT INTO deliveries (delivery_id, entry_id, clinic_id, client_id, assignment_id, kind, channel,
                attempt, outcome, error, due_at, attempted_at)
            VALUES (:delivery_id, :entry_id, :clinic_id, :client_id, :assignment_id, :kind, :channel,
                :attempt, :outcome, :error, :due_at, :attempted_at)
            ON CONFLICT (delivery_id) DO NOTHING""",
            {
                "delivery_id": f"{entry.entry_id}:{channel}:{attempt}",
                "entry_id": entry.entry_id,
                "clinic_id": entry.clinic_id,
                "client_id": entry.client_id,
                "assignment_id": entry.assignment_id,
                "kind": entry.kind,
                "channel": channel,
                "attempt": attempt,
                "outcome": outcome,
                "error": error,
                "due_at": to_millis(entry.due_at),
                "attempted_at": to_millis(now),
            },
        )
        payload = {
            "notification_id": entry.entry_id,
            "client_id": entry.client_id,
            "assignment_id": entry.assignment_id,
            "kind": entry.kind,
            "channel": channel,
            "attempt": attempt,
            "attempted_at": now,
        }
        if error is None:
            event_type, body = NOTIFICATION_SENT, shared(NotificationSentV1).dump(payload)
        else:
            event_type = NOTIFICATION_FAILED
            body = shared(NotificationFailedV1).dump({**payload, "error": error, "final": final})
        write_event(
            cursor,
            key=(entry.entry_id, channel, attempt),
            event_type=event_type,
            clinic_id=entry.clinic_id,
            correlation_id=entry.correlation_id,
            occurred_at=now,
            payload=body,
        )

    def _trigger(self, entry: Entry) -> None:
        """Publish the trigger event (through the outbox) and mark the entry done, in one transaction."""
        if entry.kind == EXPIRY_DUE:
            event_type = ASSIGNMENT_EXPIRY_DUE
            payload = shared(AssignmentExpiryDueV1).dump(
                {"assignment_id": entry.assignment_id, "client_id": entry.client_id, "expires_at": entry.due_at}
            )
        else:
            event_type = RELEASE_DUE
            payload = shared(ReleaseDueV1).dump(
                {**entry.payload, "client_id": entry.client_id, "release_at": entry.due_at}
            )
        with self.database.transaction() as cursor:
            if self._erased_meanwhile(cursor, entry) or not still_mine(cursor, entry):
                return
            write_event(
                cursor,
                key=(entry.entry_id,),
                event_type=event_type,
                clinic_id=entry.clinic_id,
                correlation_id=entry.correlation_id,
                occurred_at=self.clock(),
                payload=payload,
            )
            finish(cursor, _with_attempts(entry, 1), DONE, self.clock())


def _with_attempts(entry: Entry, attempts: int) -> Entry:
    return Entry(**{**entry.__dict__, "attempts": attempts})


def _already_sent(cursor: Cursor, entry: Entry, channel: str) -> bool:
    cursor.execute(
        """SELECT 1 AS sent FROM deliveries WHERE entry_id = :entry_id AND channel = :channel AND outcome = 'sent'
        LIMIT 1""",
        {"entry_id": entry.entry_id, "channel": channel},
    )
    return cursor.fetchone() is not None


def _add_to_inbox(cursor: Cursor, entry: Entry, message: Message, now: datetime) -> None:
    cursor.execute(
        """INSERT INTO notifications (notification_id, event_id, clinic_id, client_id, kind,
            assignment_id, title, body, created_at)
        VALUES (:notification_id, :event_id, :clinic_id, :client_id, :kind,
            :assignment_id, :title, :body, :created_at)
        ON CONFLICT (notification_id) DO NOTHING""",
        {
            "notification_id": entry.entry_id,
            "event_id": entry.payload.get("event_id", entry.entry_id),
            "clinic_id": entry.clinic_id,
            "client_id": entry.client_id,
            "kind": entry.kind,
            "assignment_id": entry.assignment_id,
            "title": message.subject,
            "body": message.text,
            "created_at": now.astimezone(UTC).isoformat(),
        },
    )


def deliveries_for_client(database: Database, clinic_id: str, client_id: str) -> list[dict[str, Any]]:
    """Every delivery attempt to a client, newest first."""
    with database.transaction() as cursor:
        cursor.execute(
            """SELECT entry_id AS notification_id, assignment_id, kind, channel, attempt, outcome, error,
                due_at, attempted_at
            FROM deliveries WHERE clinic_id = :clinic_id AND client_id = :client_id
            ORDER BY attempted_at DESC, delivery_id""",
            {"clinic_id": clinic_id, "client_id": client_id},
        )
        rows = cursor.fetchall()
    return [
        {**row, "due_at": from_millis(int(row["due_at"])), "attempted_at": from_millis(int(row["attempted_at"]))}
        for row in rows
    ]


def dead_letters(database: Database, clinic_id: str) -> list[dict[str, Any]]:
    """Entries whose retries ran out, for operators and therapists of the clinic."""
    with database.transaction() as cursor:
        cursor.execute(
            """SELECT entry_id AS notification_id, client_id, assignment_id, kind, attempts, last_error, due_at
            FROM schedule WHERE clinic_id = :clinic_id AND state = :dead ORDER BY due_at""",
            {"clinic_id": clinic_id, "dead": DEAD},
        )
        rows = cursor.fetchall()
    return [{**row, "due_at": from_millis(int(row["due_at"]))} for row in rows]


__all__ = ["CANCELLED", "Scheduler", "dead_letters", "deliveries_for_client"]
