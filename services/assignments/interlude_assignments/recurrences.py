"""Recurring assignments: an RFC 5545 rule evaluated in the client's time zone.

The rule runs over *local wall-clock* times from a local start (``dtstart``),
and each occurrence is then placed in the zone: "every day at 07:00" stays at
07:00 for the client when daylight saving time begins or ends, so its UTC time
moves by an hour. A local time that does not exist on the day the clocks go
forward (02:30 in Europe/London) is taken with the offset before the change
(zoneinfo's ``fold=0``), i.e. it lands an hour later in wall-clock terms.

Each occurrence becomes its own ``Assignment`` when it is released. The
recurrence keeps the next release time; the notifications scheduler fires it
(``ReleaseScheduled`` → ``ReleaseDue``) and the release schedules the next.
"""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr
from eventsourcing.domain import Aggregate, event

ACTIVE = "active"
ENDED = "ended"
CANCELLED = "cancelled"

# A recurrence without COUNT or UNTIL is capped here, so a forgotten one does not run for ever.
MAX_SEARCH = 1000


class InvalidRule(ValueError):
    pass


def parse_rule(rule: str, dtstart: datetime) -> rrule:
    """The rule (``FREQ=DAILY;BYHOUR=7`` or ``RRULE:...``) anchored at a naive local start."""
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if "DTSTART" in text.upper():
        raise InvalidRule("Give the start as starts_at, not DTSTART in the rule.")
    try:
        parsed = rrulestr(text, dtstart=dtstart, ignoretz=True)
    except (ValueError, TypeError) as error:
        raise InvalidRule(f"Not an RFC 5545 recurrence rule: {error}") from None
    if not isinstance(parsed, rrule):
        raise InvalidRule("Give one RRULE.")
    return parsed


def next_occurrence(rule: str, starts_at: datetime, time_zone: str, after: datetime) -> datetime | None:
    """The first occurrence strictly after ``after`` (aware), as an aware time in the zone; None when done."""
    zone = ZoneInfo(time_zone)
    recurrence = parse_rule(rule, starts_at)
    local_after = after.astimezone(zone).replace(tzinfo=None) - timedelta(hours=3)  # DST slack; filtered below
    for _ in range(MAX_SEARCH):
        local = recurrence.after(local_after, inc=False)
        if local is None:
            return None
        placed = local.replace(tzinfo=zone)
        if placed > after:
            return placed
        local_after = local
    return None


def occurrences(rule: str, starts_at: datetime, time_zone: str, after: datetime, until: datetime) -> list[datetime]:
    """Every occurrence in (after, until]: what the chain of releases will produce."""
    found = []
    moment = next_occurrence(rule, starts_at, time_zone, after)
    while moment is not None and moment <= until:
        found.append(moment)
        moment = next_occurrence(rule, starts_at, time_zone, moment)
    return found


class Recurrence(Aggregate):
    """One activity version sent to one client on a rule; each occurrence becomes an assignment."""

    @event("Created")
    def __init__(
        self,
        clinic_id: str,
        client_id: str,
        therapist_id: str,
        activity: dict[str, Any],
        rule: str,
        starts_at: datetime,
        time_zone: str,
        due_after_minutes: int | None,
        grace_minutes: int | None,
        reminders: list[dict[str, Any]] | None,
        correlation_id: str,
        personalisation: dict[str, Any] | None = None,
        request_digest: str | None = None,
    ) -> None:
        self.request_digest = request_digest  # of the request that created it (idempotency.py)
        self.personalisation = personalisation  # the names each occurrence is personalised with
        self.clinic_id = clinic_id
        self.client_id = client_id
        self.therapist_id = therapist_id
        self.activity = activity
        self.rule = rule
        self.starts_at = starts_at  # naive, local to time_zone
        self.time_zone = time_zone
        self.due_after_minutes = due_after_minutes
        self.grace_minutes = grace_minutes
        self.reminders = reminders
        self.status = ACTIVE
        self.next_release_at: datetime | None = None
        self.released: list[dict[str, Any]] = []

    @event("ActivityCompleted")
    def complete_activity(self, clinic_id: str, client_id: str, activity: dict[str, Any]) -> None:
        """The pinned version completed from the exact version (a recurrence created without its scoring)."""
        self.activity = activity

    def following(self, after: datetime) -> datetime | None:
        return next_occurrence(self.rule, self.starts_at, self.time_zone, after)

    def plan_next(self, after: datetime, correlation_id: str) -> None:
        """Schedule the first occurrence after ``after``, or end the recurrence when there is none."""
        upcoming = self.following(after)
        if upcoming is None:
            self._ended(clinic_id=self.clinic_id, correlation_id=correlation_id)
        else:
            self._occurrence_scheduled(
                clinic_id=self.clinic_id, client_id=self.client_id, release_at=upcoming, correlation_id=correlation_id
            )

    @event("OccurrenceScheduled")
    def _occurrence_scheduled(self, clinic_id: str, client_id: str, release_at: datetime, correlation_id: str) -> None:
        self.next_release_at = release_at

    def is_due(self, release_at: datetime) -> bool:
        """Whether a release trigger for ``release_at`` should create an occurrence (not stale, not repeated)."""
        return self.status == ACTIVE and self.next_release_at == release_at

    @event("OccurrenceReleased")
    def record_release(self, release_at: datetime, assignment_id: Any, correlation_id: str) -> None:
        self.released.append({"release_at": release_at, "assignment_id": assignment_id})
        self.next_release_at = None

    @event("Ended")
    def _ended(self, clinic_id: str, correlation_id: str) -> None:
        self.status = ENDED
        self.next_release_at = None

    def cancel(self, cancelled_by: str, correlation_id: str) -> bool:
        if self.status != ACTIVE:
            return False
        self._cancelled(clinic_id=self.clinic_id, cancelled_by=cancelled_by, correlation_id=correlation_id)
        return True

    @event("Cancelled")
    def _cancelled(self, clinic_id: str, cancelled_by: str, correlation_id: str) -> None:
        self.status = CANCELLED
        self.next_release_at = None

    def occurrence_times(self, release_at: datetime) -> dict[str, datetime | None]:
        """Due and expiry times of the occurrence released at ``release_at``."""
        due = release_at + timedelta(minutes=self.due_after_minutes) if self.due_after_minutes else None
        expires = (
            due + timedelta(minutes=self.grace_minutes if self.grace_minutes is not None else 24 * 60) if due else None
        )
        return {"due_at": due, "expires_at": expires}
