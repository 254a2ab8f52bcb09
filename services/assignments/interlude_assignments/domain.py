"""Assignment aggregates. Pure domain: no nameko, no storage."""

from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from interlude_contracts.answers import answer_errors

ASSIGNED = "assigned"
SUBMITTED = "submitted"
CANCELLED = "cancelled"


class AssignmentError(Exception):
    """A command the assignment's state does not allow."""


class AlreadySubmitted(AssignmentError):
    pass


class AssignmentCancelled(AssignmentError):
    pass


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
    ) -> None:
        self.clinic_id = clinic_id
        self.client_id = client_id
        self.therapist_id = therapist_id
        self.activity = activity
        self.due_at = due_at
        self.status = ASSIGNED
        self.answers: dict[str, Any] | None = None
        self.submitted_at: datetime | None = None
        self.submission_correlation_id: str | None = None
        self.cancelled_at: datetime | None = None

    def submit(self, answers: dict[str, Any], correlation_id: str) -> None:
        if self.is_recorded_submission(answers, correlation_id):
            return
        self._require_open()
        errors = answer_errors(self.activity["items"], answers)
        if errors:
            raise InvalidAnswers(errors)
        self._response_submitted(
            clinic_id=self.clinic_id,
            client_id=self.client_id,
            activity_id=self.activity["activity_id"],
            activity_version=self.activity["version"],
            answers=answers,
            submitted_at=datetime.now(UTC),
            correlation_id=correlation_id,
        )

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
    ) -> None:
        self.answers = answers
        self.submitted_at = submitted_at
        self.submission_correlation_id = correlation_id
        self.status = SUBMITTED

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

    def _require_open(self) -> None:
        if self.status == SUBMITTED:
            raise AlreadySubmitted("A response has already been submitted for this assignment.")
        if self.status == CANCELLED:
            raise AssignmentCancelled("This assignment has been cancelled.")


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

    @event("AssignmentAdded")
    def add(self, assignment_id: UUID) -> None:
        self.assignment_ids.append(assignment_id)
