"""Assignment aggregates. Pure domain: no nameko, no storage."""

from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from interlude_activity_model.answers import answer_errors
from interlude_activity_model.scoring import score_response

from .idempotency import Idempotency, create
from .snapshot import Personalisation, assignment_snapshot

ASSIGNED = "assigned"
SUBMITTED = "submitted"
CANCELLED = "cancelled"
EXPIRED = "expired"


class AssignmentError(Exception):
    """A command the assignment's state does not allow."""


class AlreadySubmitted(AssignmentError):
    pass


class AssignmentCancelled(AssignmentError):
    pass


class FlagAlreadyAcknowledged(AssignmentError):
    pass


class UnknownRiskFlag(AssignmentError):
    pass


class AssignmentExpired(AssignmentError):
    pass


class NotReleased(AssignmentError):
    pass


class DueDateNotLater(AssignmentError):
    """An extension must move the due date later, and not past when the assignment expires."""


class InvalidAnswers(AssignmentError):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("The answers do not fit the activity version.")
        self.errors = errors


class Assignment(Aggregate):
    """One activity version sent to one client; answered at most once."""

    @event("Assigned")
    def __init__(
        self,
        clinic_id: str,
        client_id: str,
        therapist_id: str,
        activity: dict[str, Any],
        due_at: datetime | None,
        correlation_id: str,
        release_at: datetime | None = None,
        expires_at: datetime | None = None,
        reminders: list[dict[str, Any]] | None = None,
        origin: dict[str, Any] | None = None,
        request_digest: str | None = None,
    ) -> None:
        self.request_digest = request_digest  # of the request that created it (idempotency.py)
        self.origin = origin  # {"enrolment_id", "step"} for a pathway step; None otherwise
        self.release_at = release_at
        self.expires_at = expires_at
        self.reminders = reminders
        self.opened_at: datetime | None = None
        self.expired_at: datetime | None = None
        self.clinic_id = clinic_id
        self.client_id = client_id
        self.therapist_id = therapist_id
        self.activity = activity
        self.due_at = due_at
        self.status = ASSIGNED
        self.answers: dict[str, Any] | None = None
        self.scores: dict[str, Any] = {}
        self.risk_flags: list[dict[str, Any]] = []
        self.submitted_at: datetime | None = None
        self.submission_correlation_id: str | None = None
        self.cancelled_at: datetime | None = None
        self.raised_flags: dict[str, dict[str, Any]] = {}
        self.acknowledged_flags: dict[str, dict[str, Any]] = {}
        self.submission_key: str | None = None

    def submit(self, answers: dict[str, Any], correlation_id: str, idempotency_key: str | None = None) -> bool:
        """Record the answers; False (and nothing recorded) when this is a retry of the submission already made.

        A retry is a submission with the same idempotency key as the recorded one.
        """
        if idempotency_key is not None and self.status == SUBMITTED and self.submission_key == idempotency_key:
            return False
        if self.is_recorded_submission(answers, correlation_id):
            return False
        self._require_open()
        errors = answer_errors(self.activity["items"], answers, self.activity.get("pages"))
        if errors:
            raise InvalidAnswers(errors)
        result = score_response(self.activity, answers)
        self._response_submitted(
            clinic_id=self.clinic_id,
            client_id=self.client_id,
            activity_id=self.activity["activity_id"],
            activity_version=self.activity["version"],
            answers=answers,
            submitted_at=datetime.now(UTC),
            correlation_id=correlation_id,
            measure=result["measure"],
            scores=result["scores"],
            risk_flags=result["risk_flags"],
            idempotency_key=idempotency_key,
        )
        self._raise_risk_flags(result, correlation_id)
        return True

    @event("ResponseSubmitted")
    def _response_submitted(
        self,
        clinic_id: str,
        client_id: str,
        activity_id: str,
        activity_version: int,
        answers: dict[str, Any],
        submitted_at: datetime,
        correlation_id: str,
        measure: str | None = None,
        scores: dict[str, Any] | None = None,
        risk_flags: list[dict[str, Any]] | None = None,
        idempotency_key: str | None = None,
    ) -> None:
        self.answers = answers
        self.submission_key = idempotency_key
        self.submitted_at = submitted_at
        self.submission_correlation_id = correlation_id
        self.status = SUBMITTED
        self.scores = scores or {}
        self.risk_flags = risk_flags or []

    def _raise_risk_flags(self, result: dict[str, Any], correlation_id: str) -> None:
        for flag in result["risk_flags"]:
            self._risk_flag_raised(
                flag_id=risk_flag_id(self.id, flag["rule_id"]),
                clinic_id=self.clinic_id,
                client_id=self.client_id,
                therapist_id=self.therapist_id,
                activity_id=self.activity["activity_id"],
                activity_version=self.activity["version"],
                measure=result["measure"],
                rule_id=flag["rule_id"],
                item_id=flag["item_id"],
                message=flag["message"],
                correlation_id=correlation_id,
            )

    # -- repair of snapshots stored without their scoring (docs/activities.md) ----

    def complete_snapshot(self, activity: dict[str, Any], correlation_id: str) -> None:
        """The activity completed from its exact version; a response already recorded is scored now."""
        self._snapshot_completed(clinic_id=self.clinic_id, client_id=self.client_id, activity=activity)
        if self.status == SUBMITTED and self.answers is not None and not self.scores:
            if self.submitted_at is None:
                raise AssignmentError("A submitted assignment has no submission time.")
            result = score_response(self.activity, self.answers)
            if result["scores"] or result["risk_flags"]:
                self._response_scored(
                    clinic_id=self.clinic_id,
                    client_id=self.client_id,
                    activity_id=self.activity["activity_id"],
                    activity_version=self.activity["version"],
                    submitted_at=self.submitted_at,
                    measure=result["measure"],
                    scores=result["scores"],
                    risk_flags=result["risk_flags"],
                    correlation_id=correlation_id,
                )
                self._raise_risk_flags(result, correlation_id)

    @event("SnapshotCompleted")
    def _snapshot_completed(self, clinic_id: str, client_id: str, activity: dict[str, Any]) -> None:
        self.activity = activity

    @event("ResponseScored")
    def _response_scored(
        self,
        clinic_id: str,
        client_id: str,
        activity_id: str,
        activity_version: int,
        submitted_at: datetime,
        measure: str | None,
        scores: dict[str, Any],
        risk_flags: list[dict[str, Any]],
        correlation_id: str,
    ) -> None:
        self.scores = scores
        self.risk_flags = risk_flags

    @event("RiskFlagRaised")
    def _risk_flag_raised(
        self,
        flag_id: UUID,
        clinic_id: str,
        client_id: str,
        therapist_id: str,
        activity_id: str,
        activity_version: int,
        measure: str | None,
        rule_id: str,
        item_id: str | None,
        message: str,
        correlation_id: str,
    ) -> None:
        self.raised_flags[str(flag_id)] = {"rule_id": rule_id, "item_id": item_id, "message": message}

    def is_recorded_submission(self, answers: dict[str, Any], correlation_id: str) -> bool:
        """The same request again (a redelivered RPC, a client retrying with its X-Correlation-Id): already done.

        Answering it with success instead of a conflict closes the window in which a response was stored but
        its caller saw an error (the service killed before replying, a gateway timeout, a dropped connection).
        """
        return self.status == SUBMITTED and self.submission_correlation_id == correlation_id and self.answers == answers

    def cancel(self, cancelled_by: str, reason: str | None, correlation_id: str) -> None:
        self._require_open()
        self._cancelled(
            clinic_id=self.clinic_id,
            client_id=self.client_id,
            cancelled_by=cancelled_by,
            reason=reason,
            cancelled_at=datetime.now(UTC),
            correlation_id=correlation_id,
        )

    def extend_due_date(self, due_at: datetime, extended_by: str, correlation_id: str) -> bool:
        """Move the due date of an open assignment later; the expiry moves with it. False when already there."""
        self._require_open()
        if due_at == self.due_at:
            return False
        if self.due_at is not None and due_at < self.due_at:
            raise DueDateNotLater("The new due date is earlier than the current one.")
        self._due_date_extended(
            clinic_id=self.clinic_id,
            client_id=self.client_id,
            activity_title=self.activity["title"],
            previous_due_at=self.due_at,
            due_at=due_at,
            expires_at=self._expiry_for(due_at),
            # Released on assignment when no release time was set: reminders anchored there stay put.
            release_at=self.release_at or self.created_on,
            reminders=self.reminders,
            extended_by=extended_by,
            correlation_id=correlation_id,
        )
        return True

    def _expiry_for(self, due_at: datetime) -> datetime | None:
        """The same grace after the new due date as after the old one (none without an expiry)."""
        if self.expires_at is None:
            return None
        if self.due_at is None:
            raise DueDateNotLater("An assignment with an expiry but no due date cannot be given one.")
        return due_at + (self.expires_at - self.due_at)

    @event("DueDateExtended")
    def _due_date_extended(
        self,
        clinic_id: str,
        client_id: str,
        activity_title: str,
        previous_due_at: datetime | None,
        due_at: datetime,
        expires_at: datetime | None,
        release_at: datetime | None,
        reminders: list[dict[str, Any]] | None,
        extended_by: str,
        correlation_id: str,
    ) -> None:
        self.due_at = due_at
        self.expires_at = expires_at

    @event("Cancelled")
    def _cancelled(
        self,
        clinic_id: str,
        client_id: str,
        cancelled_by: str,
        reason: str | None,
        cancelled_at: datetime,
        correlation_id: str,
    ) -> None:
        self.cancelled_at = cancelled_at
        self.status = CANCELLED

    def acknowledge_risk_flag(self, flag_id: UUID, acknowledged_by: str, note: str | None, correlation_id: str) -> None:
        """A therapist has seen the risk flag and records it (with who, when and an optional note); once per flag."""
        if not self._has_raised(flag_id):
            raise UnknownRiskFlag(f"No risk flag {flag_id} was raised on this assignment.")
        if str(flag_id) in self.acknowledged_flags:
            raise FlagAlreadyAcknowledged("This risk flag has already been acknowledged.")
        self._risk_flag_acknowledged(
            clinic_id=self.clinic_id,
            client_id=self.client_id,
            flag_id=str(flag_id),
            acknowledged_by=acknowledged_by,
            note=note,
            acknowledged_at=datetime.now(UTC),
            correlation_id=correlation_id,
        )

    def _has_raised(self, flag_id: UUID) -> bool:
        return str(flag_id) in self.raised_flags

    @event("RiskFlagAcknowledged")
    def _risk_flag_acknowledged(
        self,
        clinic_id: str,
        client_id: str,
        flag_id: str,
        acknowledged_by: str,
        note: str | None,
        acknowledged_at: datetime,
        correlation_id: str,
    ) -> None:
        self.acknowledged_flags[flag_id] = {
            "acknowledged_by": acknowledged_by,
            "acknowledged_at": acknowledged_at,
            "note": note,
        }

    def _require_open(self) -> None:
        if self.status == SUBMITTED:
            raise AlreadySubmitted("A response has already been submitted for this assignment.")
        if self.status == CANCELLED:
            raise AssignmentCancelled("This assignment has been cancelled.")
        if self.status == EXPIRED:
            raise AssignmentExpired("This assignment has expired.")

    # -- schedules: release, opened, expiry ------------------------------------

    def is_released(self, now: datetime) -> bool:
        return self.release_at is None or self.release_at <= now

    def open(self, now: datetime, correlation_id: str) -> bool:
        """Record the client's first opening; False when already opened (nothing recorded)."""
        if not self.is_released(now):
            raise NotReleased("This assignment is not released yet.")
        if self.opened_at is not None:
            return False
        self._opened(clinic_id=self.clinic_id, client_id=self.client_id, opened_at=now, correlation_id=correlation_id)
        return True

    @event("Opened")
    def _opened(self, clinic_id: str, client_id: str, opened_at: datetime, correlation_id: str) -> None:
        self.opened_at = opened_at

    def expire(self, now: datetime, correlation_id: str) -> bool:
        """Expire if still open and past ``expires_at``; False otherwise (a late or repeated trigger)."""
        if self.status != ASSIGNED or self.expires_at is None or now < self.expires_at:
            return False
        if self.due_at is None:  # an expiry is always the due date plus a grace (schedules.expiry_of)
            raise AssignmentError("An assignment with an expiry has no due date.")
        self._expired(
            clinic_id=self.clinic_id,
            client_id=self.client_id,
            due_at=self.due_at,
            expired_at=now,
            correlation_id=correlation_id,
        )
        return True

    @event("Expired")
    def _expired(
        self, clinic_id: str, client_id: str, due_at: datetime, expired_at: datetime, correlation_id: str
    ) -> None:
        self.expired_at = expired_at
        self.status = EXPIRED


def new_assignment(
    version: dict[str, Any], personalisation: Personalisation, idempotency: Idempotency | None = None, **details: Any
) -> Assignment:
    """The one way an assignment comes to exist: its activity is ``assignment_snapshot`` of the version.

    One-off, recurrence occurrence, group assignment, pathway step and late group joiner all come through here;
    with an ``idempotency``, under the id it derives.
    """
    return create(
        Assignment, "Assigned", idempotency, activity=assignment_snapshot(version, personalisation), **details
    )


def risk_flag_id(assignment_id: UUID, rule_id: str) -> UUID:
    """Stable per assignment and rule: an assignment is answered once, so a rule fires at most once."""
    return uuid5(NAMESPACE_URL, f"interlude:risk-flag:{assignment_id}:{rule_id}")


class ClientAssignments(Aggregate):
    """The index of one client's assignments in one clinic."""

    @staticmethod
    def create_id(clinic_id: str, client_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"interlude:client-assignments:{clinic_id}:{client_id}")

    @event("Started")
    def __init__(self, clinic_id: str, client_id: str) -> None:
        self.clinic_id = clinic_id
        self.client_id = client_id
        self.assignment_ids: list[UUID] = []
        # Who made each assignment, so a therapist's page of the list is chosen here, before any assignment
        # is loaded; None for one added before the index kept it (loaded to find out).
        self.made_by: dict[UUID, str | None] = {}

    @event("AssignmentAdded")
    def add(self, assignment_id: UUID, therapist_id: str | None = None) -> None:
        self.assignment_ids.append(assignment_id)
        self.made_by[assignment_id] = therapist_id


class TherapistProgrammes(Aggregate):
    """The index of the pathways and groups one therapist made in one clinic (their lists)."""

    @staticmethod
    def create_id(clinic_id: str, therapist_id: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"interlude:therapist-programmes:{clinic_id}:{therapist_id}")

    @event("Started")
    def __init__(self, clinic_id: str, therapist_id: str) -> None:
        self.clinic_id = clinic_id
        self.therapist_id = therapist_id
        self.pathway_ids: list[UUID] = []
        self.group_ids: list[UUID] = []

    @event("PathwayAdded")
    def add_pathway(self, pathway_id: UUID) -> None:
        self.pathway_ids.append(pathway_id)

    @event("GroupAdded")
    def add_group(self, group_id: UUID) -> None:
        self.group_ids.append(group_id)
