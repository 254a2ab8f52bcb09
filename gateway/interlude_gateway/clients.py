"""The services as the gateway calls them: one typed client per service, naming every RPC the gateway uses.

Each method is a one-line delegation to the service's nameko RPC proxy, with
the arguments sent positionally or by keyword exactly as the service takes
them. A route names the clients it needs as parameters (see ``routing``), so
its dependencies are visible in its signature.
"""

from typing import Any, TypedDict

Record = dict[str, Any]


class AssignmentScope(TypedDict, total=False):
    """Whose assignment a caller may read: the client's own, a therapist's own, or (neither) the clinic's."""

    client_id: str
    therapist_id: str


class ServiceClient:
    """A client over one service's RPC proxy (``proxy`` is the proxy nameko injects into the worker)."""

    def __init__(self, proxy: Any) -> None:
        self._proxy = proxy

    def health_async(self) -> Any:
        """The health RPC sent, not awaited: the reply's ``result()`` waits for the answer."""
        return self._proxy.health.call_async()


class ActivitiesClient(ServiceClient):
    def list_activities(self, clinic_id: str) -> list[Record]:
        return self._proxy.list_activities(clinic_id)

    def list_activities_with_archived(self, clinic_id: str) -> list[Record]:
        return self._proxy.list_activities(clinic_id, True)

    def create_activity(self, clinic_id: str, created_by: str, draft: Record, correlation_id: str) -> Record:
        return self._proxy.create_activity(clinic_id, created_by, draft, correlation_id)

    def get_activity(self, clinic_id: str, activity_id: str) -> Record:
        return self._proxy.get_activity(clinic_id, activity_id)

    def edit_draft(
        self, clinic_id: str, activity_id: str, draft: Record, edited_by: str, correlation_id: str
    ) -> Record:
        return self._proxy.edit_draft(clinic_id, activity_id, draft, edited_by, correlation_id)

    def publish_activity(self, clinic_id: str, activity_id: str, published_by: str, correlation_id: str) -> Record:
        return self._proxy.publish_activity(clinic_id, activity_id, published_by, correlation_id)

    def get_version(self, clinic_id: str, activity_id: str, version: int) -> Record:
        return self._proxy.get_version(clinic_id, activity_id, version)

    def list_versions(self, clinic_id: str, activity_id: str) -> list[Record]:
        return self._proxy.list_versions(clinic_id, activity_id)

    def set_archived(
        self, clinic_id: str, activity_id: str, archived: bool, changed_by: str, correlation_id: str
    ) -> Record:
        return self._proxy.set_archived(clinic_id, activity_id, archived, changed_by, correlation_id)

    def import_questionnaire(
        self, clinic_id: str, created_by: str, questionnaire: Record, correlation_id: str
    ) -> Record:
        return self._proxy.import_questionnaire(clinic_id, created_by, questionnaire, correlation_id)

    def draft_questionnaire(self, clinic_id: str, activity_id: str) -> Record:
        return self._proxy.draft_questionnaire(clinic_id, activity_id)

    def version_questionnaire(self, clinic_id: str, activity_id: str, version: int) -> Record:
        return self._proxy.version_questionnaire(clinic_id, activity_id, version)

    def questionnaire_response(self, assignment: Record) -> Record:
        return self._proxy.questionnaire_response(assignment)

    def questionnaire_responses(self, assignments: list[Record]) -> list[Record]:
        return self._proxy.questionnaire_responses(assignments)

    def fhir_questionnaire(self, clinic_id: str, activity_id: str) -> Record:
        return self._proxy.fhir_questionnaire(clinic_id, activity_id)

    def search_questionnaires(
        self, clinic_id: str, url: str | None, title: str | None, status: str | None
    ) -> list[Record]:
        return self._proxy.search_questionnaires(clinic_id, url, title, status)

    def browse_library(self, tag: str | None) -> list[Record]:
        return self._proxy.browse_library(tag)

    def get_library_entry(self, slug: str) -> Record:
        return self._proxy.get_library_entry(slug)

    def copy_from_library(self, clinic_id: str, created_by: str, slug: str, correlation_id: str) -> Record:
        return self._proxy.copy_from_library(clinic_id, created_by, slug, correlation_id)


class AssignmentsClient(ServiceClient):
    # -- assignments ---------------------------------------------------------------

    def assign(
        self, clinic_id: str, therapist_id: str, request: Record, correlation_id: str, *, idempotency_key: str | None
    ) -> Record:
        return self._proxy.assign(clinic_id, therapist_id, request, correlation_id, idempotency_key=idempotency_key)

    def get_assignment(
        self, clinic_id: str, assignment_id: str, client_id: str | None, *, therapist_id: str | None
    ) -> Record:
        return self._proxy.get_assignment(clinic_id, assignment_id, client_id, therapist_id=therapist_id)

    def get_assignment_in_scope(self, clinic_id: str, assignment_id: str, scope: AssignmentScope) -> Record:
        """``get_assignment`` with the caller's scope by keyword (none for a clinic-wide reader)."""
        return self._proxy.get_assignment(clinic_id, assignment_id, **scope)

    def extend_due_date(
        self,
        clinic_id: str,
        extended_by: str,
        assignment_id: str,
        request: Record,
        correlation_id: str,
        *,
        therapist_id: str | None,
    ) -> Record:
        return self._proxy.extend_due_date(
            clinic_id, extended_by, assignment_id, request, correlation_id, therapist_id=therapist_id
        )

    def cancel(
        self,
        clinic_id: str,
        cancelled_by: str,
        assignment_id: str,
        request: Record,
        correlation_id: str,
        *,
        therapist_id: str | None,
    ) -> Record:
        return self._proxy.cancel(
            clinic_id, cancelled_by, assignment_id, request, correlation_id, therapist_id=therapist_id
        )

    def submit_response(
        self,
        clinic_id: str,
        client_id: str,
        assignment_id: str,
        request: Record,
        correlation_id: str,
        *,
        idempotency_key: str | None,
    ) -> Record:
        return self._proxy.submit_response(
            clinic_id, client_id, assignment_id, request, correlation_id, idempotency_key=idempotency_key
        )

    def open_assignment(self, clinic_id: str, client_id: str, assignment_id: str, correlation_id: str) -> Record:
        return self._proxy.open_assignment(clinic_id, client_id, assignment_id, correlation_id)

    def todo(self, clinic_id: str, client_id: str) -> list[Record]:
        return self._proxy.todo(clinic_id, client_id)

    def list_for_client(self, clinic_id: str, client_id: str, *, therapist_id: str | None = None) -> list[Record]:
        return self._proxy.list_for_client(clinic_id, client_id, therapist_id=therapist_id)

    def erase_client(self, clinic_id: str, client_id: str) -> None:
        self._proxy.erase_client(clinic_id, client_id)

    def acknowledge_risk_flag(
        self, clinic_id: str, therapist_id: str, assignment_id: str, flag_id: str, request: Record, correlation_id: str
    ) -> Record:
        return self._proxy.acknowledge_risk_flag(
            clinic_id, therapist_id, assignment_id, flag_id, request, correlation_id
        )

    # -- recurrences -----------------------------------------------------------------

    def create_recurrence(
        self, clinic_id: str, therapist_id: str, request: Record, correlation_id: str, *, idempotency_key: str | None
    ) -> Record:
        return self._proxy.create_recurrence(
            clinic_id, therapist_id, request, correlation_id, idempotency_key=idempotency_key
        )

    def get_recurrence(self, clinic_id: str, recurrence_id: str, *, therapist_id: str | None) -> Record:
        return self._proxy.get_recurrence(clinic_id, recurrence_id, therapist_id=therapist_id)

    def cancel_recurrence(
        self, clinic_id: str, cancelled_by: str, recurrence_id: str, correlation_id: str, *, therapist_id: str | None
    ) -> Record:
        return self._proxy.cancel_recurrence(
            clinic_id, cancelled_by, recurrence_id, correlation_id, therapist_id=therapist_id
        )

    # -- pathways --------------------------------------------------------------------

    def create_pathway(
        self, clinic_id: str, therapist_id: str, request: Record, correlation_id: str, *, idempotency_key: str | None
    ) -> Record:
        key = idempotency_key
        return self._proxy.create_pathway(clinic_id, therapist_id, request, correlation_id, idempotency_key=key)

    def list_pathways(self, clinic_id: str, therapist_id: str) -> list[Record]:
        return list(self._proxy.list_pathways(clinic_id, therapist_id))

    def get_pathway(self, clinic_id: str, pathway_id: str, *, therapist_id: str | None) -> Record:
        return self._proxy.get_pathway(clinic_id, pathway_id, therapist_id=therapist_id)

    def enrol(
        self,
        clinic_id: str,
        therapist_id: str,
        pathway_id: str,
        request: Record,
        correlation_id: str,
        *,
        idempotency_key: str | None,
    ) -> Record:
        """On a pathway ``therapist_id`` created (the service refuses a colleague's)."""
        return self._proxy.enrol(
            clinic_id, therapist_id, pathway_id, request, correlation_id, idempotency_key=idempotency_key
        )

    def list_enrolments(self, clinic_id: str, pathway_id: str, *, therapist_id: str | None) -> list[Record]:
        return self._proxy.list_enrolments(clinic_id, pathway_id, therapist_id=therapist_id)

    def get_enrolment(self, clinic_id: str, enrolment_id: str, *, therapist_id: str | None) -> Record:
        return self._proxy.get_enrolment(clinic_id, enrolment_id, therapist_id=therapist_id)

    def change_enrolment(
        self,
        clinic_id: str,
        changed_by: str,
        enrolment_id: str,
        action: str,
        correlation_id: str,
        *,
        therapist_id: str | None,
    ) -> Record:
        return self._proxy.change_enrolment(
            clinic_id, changed_by, enrolment_id, action, correlation_id, therapist_id=therapist_id
        )

    # -- groups ----------------------------------------------------------------------

    def create_group(
        self, clinic_id: str, therapist_id: str, request: Record, correlation_id: str, *, idempotency_key: str | None
    ) -> Record:
        key = idempotency_key
        return self._proxy.create_group(clinic_id, therapist_id, request, correlation_id, idempotency_key=key)

    def list_groups(self, clinic_id: str, therapist_id: str) -> list[Record]:
        return list(self._proxy.list_groups(clinic_id, therapist_id))

    def get_group(self, clinic_id: str, group_id: str, *, therapist_id: str | None) -> Record:
        return self._proxy.get_group(clinic_id, group_id, therapist_id=therapist_id)

    def add_group_member(
        self, clinic_id: str, group_id: str, request: Record, correlation_id: str, *, therapist_id: str | None
    ) -> Record:
        return self._proxy.add_group_member(clinic_id, group_id, request, correlation_id, therapist_id=therapist_id)

    def remove_group_member(self, clinic_id: str, group_id: str, client_id: str, *, therapist_id: str | None) -> Record:
        return self._proxy.remove_group_member(clinic_id, group_id, client_id, therapist_id=therapist_id)

    def assign_to_group(
        self,
        clinic_id: str,
        therapist_id: str,
        group_id: str,
        kind: str,
        request: Record,
        correlation_id: str,
        *,
        idempotency_key: str | None,
    ) -> Record:
        """To a group ``therapist_id`` created (the service refuses a colleague's, and a colleague's pathway)."""
        return self._proxy.assign_to_group(
            clinic_id, therapist_id, group_id, kind, request, correlation_id, idempotency_key=idempotency_key
        )


class IdentityClient(ServiceClient):
    """``caller`` is always ``Caller.as_dict()``: identity checks the caller's role and clinic itself."""

    def authenticate(self, username: str, password: str) -> Record:
        return self._proxy.authenticate(username, password)

    def refresh(self, refresh_token: str, rotation_key: str | None = None) -> Record:
        return self._proxy.refresh(refresh_token, rotation_key)

    def revoke(self, refresh_token: str) -> None:
        self._proxy.revoke(refresh_token)

    def session_generation(self, account_id: str) -> int | None:
        return self._proxy.session_generation(account_id)

    def create_clinic(self, caller: Record, request: Record) -> Record:
        return self._proxy.create_clinic(caller, request)

    def list_clinics(self, caller: Record, limit: int, offset: int) -> Record:
        return self._proxy.list_clinics(caller, limit, offset)

    def invite(self, caller: Record, request: Record) -> Record:
        return self._proxy.invite(caller, request)

    def redeem_invitation(self, request: Record) -> Record:
        return self._proxy.redeem_invitation(request)

    def list_clients(self, caller: Record, limit: int, offset: int) -> Record:
        return self._proxy.list_clients(caller, limit, offset)

    def require_client(self, caller: Record, client_id: str) -> None:
        self._proxy.require_client(caller, client_id)

    def get_client(self, caller: Record, client_id: str) -> Record:
        return self._proxy.get_client(caller, client_id)

    def erase_client(self, caller: Record, client_id: str) -> None:
        self._proxy.erase_client(caller, client_id)

    def record_audit(self, caller: Record, entry: Record) -> None:
        self._proxy.record_audit(caller, entry)

    def audit_trail(self, caller: Record, client_id: str | None, limit: int, offset: int) -> Record:
        return self._proxy.audit_trail(caller, client_id, limit, offset)


class NotificationsClient(ServiceClient):
    def list_for_client(self, clinic_id: str, client_id: str) -> list[Record]:
        return self._proxy.list_for_client(clinic_id, client_id)

    def list_for_therapist(self, clinic_id: str, therapist_id: str) -> list[Record]:
        return self._proxy.list_for_therapist(clinic_id, therapist_id)

    def purge_client(self, clinic_id: str, client_id: str) -> None:
        self._proxy.purge_client(clinic_id, client_id)

    def get_preferences(self, clinic_id: str, client_id: str) -> Record:
        return self._proxy.get_preferences(clinic_id, client_id)

    def set_preferences(self, clinic_id: str, client_id: str, request: Record) -> Record:
        return self._proxy.set_preferences(clinic_id, client_id, request)

    def get_reminder_defaults(self, clinic_id: str) -> Record:
        return self._proxy.get_reminder_defaults(clinic_id)

    def set_reminder_defaults(self, clinic_id: str, request: Record) -> Record:
        return self._proxy.set_reminder_defaults(clinic_id, request)

    def send_follow_up(
        self,
        clinic_id: str,
        therapist_id: str,
        client_id: str,
        request: Record,
        correlation_id: str,
        *,
        idempotency_key: str | None,
    ) -> Record:
        """Delivered once per key (or, without one, per correlation id and request)."""
        return self._proxy.send_follow_up(
            clinic_id, therapist_id, client_id, request, correlation_id, idempotency_key=idempotency_key
        )

    def deliveries_for_client(self, clinic_id: str, client_id: str) -> list[Record]:
        return self._proxy.deliveries_for_client(clinic_id, client_id)

    def schedule_for_client(self, clinic_id: str, client_id: str) -> list[Record]:
        return self._proxy.schedule_for_client(clinic_id, client_id)

    def dead_letters(self, clinic_id: str) -> list[Record]:
        return self._proxy.dead_letters(clinic_id)


class ReportingClient(ServiceClient):
    def client_report(self, clinic_id: str, client_id: str, *, therapist_id: str | None = None) -> Record:
        return self._proxy.client_report(clinic_id, client_id, therapist_id=therapist_id)

    def purge_client(self, clinic_id: str, client_id: str) -> None:
        self._proxy.purge_client(clinic_id, client_id)

    def assignment_timeline(self, clinic_id: str, assignment_id: str) -> Record:
        return self._proxy.assignment_timeline(clinic_id, assignment_id)

    def client_adherence(self, clinic_id: str, client_id: str) -> Record:
        return self._proxy.client_adherence(clinic_id, client_id)

    def client_progress(self, clinic_id: str, client_id: str) -> Record:
        return self._proxy.client_progress(clinic_id, client_id)

    def measure_progress(self, clinic_id: str, client_id: str, measure: str) -> Record:
        return self._proxy.measure_progress(clinic_id, client_id, measure)

    def client_risk_flags(self, clinic_id: str, client_id: str) -> list[Record]:
        return self._proxy.client_risk_flags(clinic_id, client_id)

    def caseload(self, clinic_id: str, therapist_id: str) -> list[Record]:
        return self._proxy.caseload(clinic_id, therapist_id)

    def clinic_usage(self, clinic_id: str) -> Record:
        return self._proxy.clinic_usage(clinic_id)

    def export_page(self, clinic_id: str, report: str, filters: dict[str, str], offset: int, limit: int) -> Record:
        return self._proxy.export_page(clinic_id, report, filters, offset, limit)
