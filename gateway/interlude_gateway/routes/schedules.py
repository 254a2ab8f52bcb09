"""Schedules and delivery: opening an assignment, preferences, reminder defaults, follow-ups, delivery records."""

from typing import Any

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from interlude_contracts.schedules import (
    FollowUpRequest,
    PreferencesSchema,
    RecurrenceRequest,
    ReminderDefaultsSchema,
)

from ..auth import CLIENT, THERAPIST, Caller
from ..web import endpoint, json_body, json_response


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
        body = json_body(request, RecurrenceRequest())
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
        return json_response(self.notifications.get_preferences(caller.clinic_id, client_id))

    @http("PUT", "/clients/<client_id>/notification-preferences")
    @endpoint(THERAPIST)
    def set_client_preferences(self, request: Request, caller: Caller, client_id: str, **_: Any) -> Response:
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
        body = json_body(request, FollowUpRequest())
        sent = self.notifications.send_follow_up(caller.clinic_id, caller.subject, client_id, body, correlation_id)
        return json_response(sent, 202)

    @http("GET", "/clients/<client_id>/deliveries")
    @endpoint(THERAPIST)
    def client_deliveries(self, request: Request, caller: Caller, client_id: str, **_: Any) -> Response:
        """Every NotificationSent / NotificationFailed attempt to the client, newest first."""
        return json_response({"deliveries": self.notifications.deliveries_for_client(caller.clinic_id, client_id)})

    @http("GET", "/clients/<client_id>/schedule")
    @endpoint(THERAPIST)
    def client_schedule(self, request: Request, caller: Caller, client_id: str, **_: Any) -> Response:
        return json_response({"entries": self.notifications.schedule_for_client(caller.clinic_id, client_id)})

    @http("GET", "/notifications/dead-letters")
    @endpoint(THERAPIST)
    def dead_letters(self, request: Request, caller: Caller, **_: Any) -> Response:
        return json_response({"dead_letters": self.notifications.dead_letters(caller.clinic_id)})
