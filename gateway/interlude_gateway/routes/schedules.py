"""Schedules and delivery: opening an assignment, preferences, reminder defaults, follow-ups, delivery records."""

from typing import Any

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from interlude_contracts.schedules import (
    EnrolRequest,
    FollowUpRequest,
    GroupAssignRequest,
    GroupPathwayRequest,
    GroupRecurrenceRequest,
    GroupRequest,
    MemberRequest,
    PathwayRequest,
    PreferencesSchema,
    RecurrenceRequest,
    ReminderDefaultsSchema,
)

from ..auth import CLIENT, THERAPIST, Caller
from ..scoping import require_client
from ..web import HttpProblem, endpoint, json_body, json_response


class ScheduleRoutes:
    @http("POST", "/assignments/<assignment_id>/open")
    @endpoint(CLIENT)
    def open_assignment(
        self, request: Request, caller: Caller, correlation_id: str, assignment_id: str, **_: Any
    ) -> Response:
        """The client opened the assignment (recorded once; the assignment is returned)."""
        return json_response(
            self.assignments.open_assignment(caller.clinic_id, caller.subject, assignment_id, correlation_id)
        )

    # -- recurring assignments -------------------------------------------------

    @http("POST", "/recurrences")
    @endpoint(THERAPIST)
    def create_recurrence(self, request: Request, caller: Caller, correlation_id: str, **_: Any) -> Response:
        body = self.names.fill(json_body(request, RecurrenceRequest()), caller.subject, caller.clinic_id)
        require_client(self, caller, body["client_id"])
        recurrence = self.assignments.create_recurrence(caller.clinic_id, caller.subject, body, correlation_id)
        return json_response(recurrence, 201)

    @http("GET", "/recurrences/<recurrence_id>")
    @endpoint(THERAPIST)
    def get_recurrence(self, request: Request, caller: Caller, recurrence_id: str, **_: Any) -> Response:
        return json_response(self.assignments.get_recurrence(caller.clinic_id, recurrence_id))

    @http("POST", "/recurrences/<recurrence_id>/cancel")
    @endpoint(THERAPIST)
    def cancel_recurrence(
        self, request: Request, caller: Caller, correlation_id: str, recurrence_id: str, **_: Any
    ) -> Response:
        return json_response(
            self.assignments.cancel_recurrence(caller.clinic_id, caller.subject, recurrence_id, correlation_id)
        )

    # -- pathways ----------------------------------------------------------------

    @http("POST", "/pathways")
    @endpoint(THERAPIST)
    def create_pathway(self, request: Request, caller: Caller, correlation_id: str, **_: Any) -> Response:
        body = json_body(request, PathwayRequest())
        return json_response(
            self.assignments.create_pathway(caller.clinic_id, caller.subject, body, correlation_id), 201
        )

    @http("GET", "/pathways/<pathway_id>")
    @endpoint(THERAPIST)
    def get_pathway(self, request: Request, caller: Caller, pathway_id: str, **_: Any) -> Response:
        return json_response(self.assignments.get_pathway(caller.clinic_id, pathway_id))

    @http("POST", "/pathways/<pathway_id>/enrolments")
    @endpoint(THERAPIST)
    def enrol(self, request: Request, caller: Caller, correlation_id: str, pathway_id: str, **_: Any) -> Response:
        body = self.names.fill(json_body(request, EnrolRequest()), caller.subject, caller.clinic_id)
        require_client(self, caller, body["client_id"])
        enrolment = self.assignments.enrol(caller.clinic_id, caller.subject, pathway_id, body, correlation_id)
        return json_response(enrolment, 201)

    @http("GET", "/pathways/<pathway_id>/enrolments")
    @endpoint(THERAPIST)
    def enrolments(self, request: Request, caller: Caller, pathway_id: str, **_: Any) -> Response:
        """Where each enrolled client stands, step by step."""
        return json_response({"enrolments": self.assignments.list_enrolments(caller.clinic_id, pathway_id)})

    @http("GET", "/enrolments/<enrolment_id>")
    @endpoint(THERAPIST)
    def get_enrolment(self, request: Request, caller: Caller, enrolment_id: str, **_: Any) -> Response:
        return json_response(self.assignments.get_enrolment(caller.clinic_id, enrolment_id))

    @http("POST", "/enrolments/<enrolment_id>/<any(pause, resume, cancel):action>")
    @endpoint(THERAPIST)
    def change_enrolment(
        self, request: Request, caller: Caller, correlation_id: str, enrolment_id: str, action: str, **_: Any
    ) -> Response:
        return json_response(
            self.assignments.change_enrolment(caller.clinic_id, caller.subject, enrolment_id, action, correlation_id)
        )

    # -- groups ------------------------------------------------------------------

    @http("POST", "/groups")
    @endpoint(THERAPIST)
    def create_group(self, request: Request, caller: Caller, correlation_id: str, **_: Any) -> Response:
        body = json_body(request, GroupRequest())
        for member in body.get("members", []):
            require_client(self, caller, member)
        return json_response(self.assignments.create_group(caller.clinic_id, caller.subject, body, correlation_id), 201)

    @http("GET", "/groups/<group_id>")
    @endpoint(THERAPIST)
    def get_group(self, request: Request, caller: Caller, group_id: str, **_: Any) -> Response:
        return json_response(require_own_group(self, caller, group_id))

    @http("POST", "/groups/<group_id>/members")
    @endpoint(THERAPIST)
    def add_group_member(
        self, request: Request, caller: Caller, correlation_id: str, group_id: str, **_: Any
    ) -> Response:
        require_own_group(self, caller, group_id)
        body = json_body(request, MemberRequest())
        require_client(self, caller, body["client_id"])
        return json_response(self.assignments.add_group_member(caller.clinic_id, group_id, body, correlation_id))

    @http("DELETE", "/groups/<group_id>/members/<client_id>")
    @endpoint(THERAPIST)
    def remove_group_member(
        self, request: Request, caller: Caller, group_id: str, client_id: str, **_: Any
    ) -> Response:
        require_own_group(self, caller, group_id)
        return json_response(self.assignments.remove_group_member(caller.clinic_id, group_id, client_id))

    @http("POST", "/groups/<group_id>/<any(assignments, recurrences, pathways):kind>")
    @endpoint(THERAPIST)
    def assign_to_group(
        self, request: Request, caller: Caller, correlation_id: str, group_id: str, kind: str, **_: Any
    ) -> Response:
        """Send an activity, a recurrence or a pathway to every member of the group."""
        require_own_group(self, caller, group_id)
        schemas = {
            "assignments": GroupAssignRequest(),
            "recurrences": GroupRecurrenceRequest(),
            "pathways": GroupPathwayRequest(),
        }
        body = self.names.fill(json_body(request, schemas[kind]), caller.subject, caller.clinic_id)
        what = {"assignments": "activity", "recurrences": "recurrence", "pathways": "pathway"}[kind]
        group = self.assignments.assign_to_group(caller.clinic_id, caller.subject, group_id, what, body, correlation_id)
        return json_response(group, 201)

    # -- delivery preferences ------------------------------------------------

    @http("GET", "/me/notification-preferences")
    @endpoint(CLIENT)
    def my_preferences(self, request: Request, caller: Caller, **_: Any) -> Response:
        return json_response(self.notifications.get_preferences(caller.clinic_id, caller.subject))

    @http("PUT", "/me/notification-preferences")
    @endpoint(CLIENT)
    def set_my_preferences(self, request: Request, caller: Caller, **_: Any) -> Response:
        body = json_body(request, PreferencesSchema())
        return json_response(self.notifications.set_preferences(caller.clinic_id, caller.subject, body))

    @http("GET", "/clients/<client_id>/notification-preferences")
    @endpoint(THERAPIST)
    def client_preferences(self, request: Request, caller: Caller, client_id: str, **_: Any) -> Response:
        require_client(self, caller, client_id)
        return json_response(self.notifications.get_preferences(caller.clinic_id, client_id))

    @http("PUT", "/clients/<client_id>/notification-preferences")
    @endpoint(THERAPIST)
    def set_client_preferences(self, request: Request, caller: Caller, client_id: str, **_: Any) -> Response:
        require_client(self, caller, client_id)
        body = json_body(request, PreferencesSchema())
        return json_response(self.notifications.set_preferences(caller.clinic_id, client_id, body))

    # -- reminders, follow-ups and what was sent -----------------------------

    @http("GET", "/clinic/reminder-defaults")
    @endpoint(THERAPIST)
    def reminder_defaults(self, request: Request, caller: Caller, **_: Any) -> Response:
        return json_response(self.notifications.get_reminder_defaults(caller.clinic_id))

    @http("PUT", "/clinic/reminder-defaults")
    @endpoint(THERAPIST)
    def set_reminder_defaults(self, request: Request, caller: Caller, **_: Any) -> Response:
        body = json_body(request, ReminderDefaultsSchema())
        return json_response(self.notifications.set_reminder_defaults(caller.clinic_id, body))

    @http("POST", "/clients/<client_id>/follow-ups")
    @endpoint(THERAPIST)
    def follow_up(self, request: Request, caller: Caller, correlation_id: str, client_id: str, **_: Any) -> Response:
        require_client(self, caller, client_id)
        body = json_body(request, FollowUpRequest())
        sent = self.notifications.send_follow_up(caller.clinic_id, caller.subject, client_id, body, correlation_id)
        return json_response(sent, 202)

    @http("GET", "/clients/<client_id>/deliveries")
    @endpoint(THERAPIST)
    def client_deliveries(self, request: Request, caller: Caller, client_id: str, **_: Any) -> Response:
        """Every NotificationSent / NotificationFailed attempt to the client, newest first."""
        require_client(self, caller, client_id)
        return json_response({"deliveries": self.notifications.deliveries_for_client(caller.clinic_id, client_id)})

    @http("GET", "/clients/<client_id>/schedule")
    @endpoint(THERAPIST)
    def client_schedule(self, request: Request, caller: Caller, client_id: str, **_: Any) -> Response:
        require_client(self, caller, client_id)
        return json_response({"entries": self.notifications.schedule_for_client(caller.clinic_id, client_id)})

    @http("GET", "/notifications/dead-letters")
    @endpoint(THERAPIST)
    def dead_letters(self, request: Request, caller: Caller, **_: Any) -> Response:
        return json_response({"dead_letters": self.notifications.dead_letters(caller.clinic_id)})


def require_own_group(service: Any, caller: Caller, group_id: str) -> dict[str, Any]:
    """A group is its therapist's: its members are their clients. Anyone else's looks absent (404)."""
    group = service.assignments.get_group(caller.clinic_id, group_id)
    if group["created_by"] != caller.subject:
        raise HttpProblem(404, "not_found", "No such group.", {"group_id": ["No such group of yours."]})
    return group
