"""Contract-valid events for the tests of any consumer.

Every event is built as a bus envelope with ``make_envelope``, sent through a
JSON round trip and loaded with ``load_event``: a test event that breaks the
contract fails where it is made, not deep inside a test.

One ``EventFactory`` stands for the producers' logs: positions are numbered per
source (``activities``, ``assignments``) across all clinics, as the real logs
are, and event ids come from ``event_id_for`` (source, aggregate, version).
"""

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

from interlude_contracts.envelope import event_id_for, make_envelope
from interlude_contracts.events import (
    ACTIVITY_ASSIGNED,
    ACTIVITY_PUBLISHED,
    ASSIGNMENT_CANCELLED,
    ASSIGNMENT_EXPIRED,
    DUE_DATE_EXTENDED,
    RESPONSE_SUBMITTED,
    RISK_FLAG_ACKNOWLEDGED,
    RISK_FLAG_RAISED,
    Event,
    load_event,
)

ACTIVITIES = "activities"
ASSIGNMENTS = "assignments"
CLINIC = "clinic-a"
OTHER_CLINIC = "clinic-b"
THERAPIST = "therapist-1"

# Producers' clocks need not be in UTC: the consumers normalise.
PRODUCER_ZONE = timezone(timedelta(hours=2))
START = datetime(2025, 3, 3, 9, 0, tzinfo=PRODUCER_ZONE)
LONG_GAP = 8


class EventFactory:
    """Builds valid events in the order the producers would have stored them."""

    def __init__(
        self, clinic_id: str = CLINIC, *, start: datetime = START, step: timedelta = timedelta(minutes=7)
    ) -> None:
        self.clinic_id = clinic_id
        self._clock = start
        self._step = step
        self._positions: defaultdict[str, int] = defaultdict(int)
        self._versions: defaultdict[UUID, int] = defaultdict(int)
        self.envelopes: dict[str, list[dict[str, Any]]] = {ACTIVITIES: [], ASSIGNMENTS: []}
        self.events: list[Event] = []

    def skip(self, source: str, count: int = 1) -> None:
        """Leave a gap in a log's positions (events the source keeps private)."""
        self._positions[source] += count

    def activity_published(
        self,
        title: str,
        *,
        clinic_id: str | None = None,
        activity_id: UUID | None = None,
        item_count: int = 1,
    ) -> Event:
        activity_id = activity_id or uuid4()
        version = self._versions[activity_id] + 1
        items = [
            {"id": f"q{index}", "type": "free_text", "prompt": f"Question {index}?"} for index in range(item_count)
        ]
        payload = {
            "activity_id": str(activity_id),
            "version": version,
            "title": title,
            "instructions": f"About {title}.",
            "items": items,
            "published_by": THERAPIST,
        }
        return self._record(ACTIVITIES, ACTIVITY_PUBLISHED, activity_id, clinic_id, payload)

    def activity_assigned(
        self,
        activity: Event,
        client_id: str,
        *,
        due_at: datetime | None = None,
        therapist_id: str = THERAPIST,
        clinic_id: str | None = None,
    ) -> Event:
        """An assignment of the published version ``activity`` (an ActivityPublished event)."""
        assignment_id = uuid4()
        payload = {
            "assignment_id": str(assignment_id),
            "activity_id": str(activity.payload["activity_id"]),
            "activity_version": activity.payload["version"],
            "activity_title": activity.payload["title"],
            "client_id": client_id,
            "therapist_id": therapist_id,
            "due_at": due_at.isoformat() if due_at else None,
        }
        return self._record(ASSIGNMENTS, ACTIVITY_ASSIGNED, assignment_id, clinic_id or activity.clinic_id, payload)

    def response_submitted(
        self,
        assigned: Event,
        answers: dict[str, Any] | None = None,
        *,
        measure: str | None = None,
        scores: dict[str, dict[str, Any]] | None = None,
        risk_flags: list[dict[str, Any]] | None = None,
    ) -> Event:
        """The client's response to the assignment ``assigned`` (an ActivityAssigned event).

        ``scores`` as the contract has them: ``{"total": {"value": 12, "band": "moderate", "above_cutoff": True}}``.
        """
        payload = {
            "assignment_id": str(assigned.payload["assignment_id"]),
            "activity_id": str(assigned.payload["activity_id"]),
            "activity_version": assigned.payload["activity_version"],
            "client_id": assigned.payload["client_id"],
            "answers": answers if answers is not None else {"q0": "Fine."},
            "measure": measure,
            "scores": scores or {},
            "risk_flags": risk_flags or [],
        }
        return self._record(
            ASSIGNMENTS, RESPONSE_SUBMITTED, assigned.payload["assignment_id"], assigned.clinic_id, payload
        )

    def assignment_cancelled(self, assigned: Event, *, reason: str | None = None) -> Event:
        """The therapist's cancellation of the assignment ``assigned`` (an ActivityAssigned event)."""
        payload = {
            "assignment_id": str(assigned.payload["assignment_id"]),
            "client_id": assigned.payload["client_id"],
            "cancelled_by": assigned.payload["therapist_id"],
            "reason": reason,
        }
        return self._record(
            ASSIGNMENTS, ASSIGNMENT_CANCELLED, assigned.payload["assignment_id"], assigned.clinic_id, payload
        )

    def due_date_extended(self, assigned: Event, due_at: datetime) -> Event:
        """The therapist moved the due date of ``assigned`` (an ActivityAssigned event, not yet extended) later."""
        payload = {
            "assignment_id": str(assigned.payload["assignment_id"]),
            "client_id": assigned.payload["client_id"],
            "activity_title": assigned.payload["activity_title"],
            "previous_due_at": _iso(assigned.payload["due_at"]),
            "due_at": due_at.astimezone(PRODUCER_ZONE).isoformat(),
            "expires_at": None,
            "release_at": None,
            "reminders": None,
            "extended_by": assigned.payload["therapist_id"],
        }
        return self._record(
            ASSIGNMENTS, DUE_DATE_EXTENDED, assigned.payload["assignment_id"], assigned.clinic_id, payload
        )

    def assignment_expired(self, assigned: Event, due_at: datetime) -> Event:
        """The grace period after ``due_at`` passed without a response to ``assigned`` (an ActivityAssigned event)."""
        payload = {
            "assignment_id": str(assigned.payload["assignment_id"]),
            "client_id": assigned.payload["client_id"],
            "due_at": due_at.isoformat(),
            "expired_at": (self._clock + self._step).isoformat(),
        }
        return self._record(
            ASSIGNMENTS, ASSIGNMENT_EXPIRED, assigned.payload["assignment_id"], assigned.clinic_id, payload
        )

    def risk_flag_raised(
        self,
        assigned: Event,
        *,
        measure: str | None = "PHQ-9",
        rule_id: str = "phq9-item9",
        item_id: str | None = "q8",
        message: str = "Thoughts of self-harm reported (item 9 above 0).",
    ) -> Event:
        """A risk flag on the assignment ``assigned`` (an ActivityAssigned event), as its aggregate records it."""
        payload = {
            "flag_id": str(uuid4()),
            "assignment_id": str(assigned.payload["assignment_id"]),
            "activity_id": str(assigned.payload["activity_id"]),
            "activity_version": assigned.payload["activity_version"],
            "client_id": assigned.payload["client_id"],
            "therapist_id": assigned.payload["therapist_id"],
            "measure": measure,
            "rule_id": rule_id,
            "item_id": item_id,
            "message": message,
        }
        return self._record(
            ASSIGNMENTS, RISK_FLAG_RAISED, assigned.payload["assignment_id"], assigned.clinic_id, payload
        )

    def risk_flag_acknowledged(
        self, raised: Event, *, acknowledged_by: str = THERAPIST, note: str | None = None
    ) -> Event:
        """The therapist's acknowledgement of the flag ``raised`` (a RiskFlagRaised event)."""
        payload = {
            "flag_id": str(raised.payload["flag_id"]),
            "assignment_id": str(raised.payload["assignment_id"]),
            "client_id": raised.payload["client_id"],
            "acknowledged_by": acknowledged_by,
            "note": note,
        }
        return self._record(
            ASSIGNMENTS, RISK_FLAG_ACKNOWLEDGED, raised.payload["assignment_id"], raised.clinic_id, payload
        )

    def _record(
        self, source: str, event_type: str, aggregate_id: UUID, clinic_id: str | None, payload: dict[str, Any]
    ) -> Event:
        self._positions[source] += 1
        self._versions[aggregate_id] += 1
        self._clock += self._step
        position = self._positions[source]
        envelope = make_envelope(
            event_id=event_id_for(source, aggregate_id, self._versions[aggregate_id]),
            event_type=event_type,
            schema_version=1,
            occurred_at=self._clock,
            clinic_id=clinic_id or self.clinic_id,
            correlation_id=f"corr-{source}-{position}",
            source=source,
            position=position,
            payload=payload,
        )
        envelope = json.loads(json.dumps(envelope))  # as it travels on the bus
        event = load_event(envelope)  # and as a consumer receives it: proves the contract holds
        self.envelopes[source].append(envelope)
        self.events.append(event)
        return event


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


SCHEDULE_START = datetime(2030, 6, 3, 9, 0, tzinfo=UTC)


class Clock:
    """A clock a test sets by hand: ``clock.now = ...``; the application calls it for the time."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
