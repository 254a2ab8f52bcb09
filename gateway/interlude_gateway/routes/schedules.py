"""Schedules and delivery: opening an assignment, preferences, reminder defaults, follow-ups, delivery records.

Recurrences, pathways, enrolments and groups are the therapist's who made them: every route passes
``therapist_scope(caller)`` and the assignments service answers NotFound (404) for a colleague's.
"""

from collections.abc import Callable

from marshmallow import Schema
from werkzeug.wrappers import Request, Response

from interlude_contracts.schedules import (
    DeliverySchema,
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
    ScheduledEntrySchema,
)

from ..auth import CLIENT, CLINIC_ADMIN, THERAPIST, Caller
from ..clients import AssignmentsClient, IdentityClient, NotificationsClient, Record
from ..names import DisplayNames
from ..openapi import list_schema
from ..routing import Handler, RouteTable
from ..scoping import created_for_own_client, require_client, therapist_scope
from ..web import IDEMPOTENCY_HEADER, checked_body, idempotency_key, json_response

routes = RouteTable()


@routes.http("POST", "/assignments/<assignment_id>/open", CLIENT)
def open_assignment(
    caller: Caller, correlation_id: str, assignment_id: str, assignments: AssignmentsClient
) -> Response:
    """The client opened the assignment (recorded once; the assignment is returned)."""
    return json_response(assignments.open_assignment(caller.clinic_id, caller.subject, assignment_id, correlation_id))


# -- recurring assignments -------------------------------------------------


create_recurrence = routes.http(
    "POST",
    "/recurrences",
    THERAPIST,
    body=RecurrenceRequest,
    status=201,
    headers=(IDEMPOTENCY_HEADER,),
    creates="recurrence_id",
)(created_for_own_client("create_recurrence", lambda assignments: assignments.create_recurrence, audited=False))


@routes.http("GET", "/recurrences/<recurrence_id>", THERAPIST)
def get_recurrence(caller: Caller, recurrence_id: str, assignments: AssignmentsClient) -> Response:
    return json_response(
        assignments.get_recurrence(caller.clinic_id, recurrence_id, therapist_id=therapist_scope(caller))
    )


@routes.http("POST", "/recurrences/<recurrence_id>/cancel", THERAPIST)
def cancel_recurrence(
    caller: Caller, correlation_id: str, recurrence_id: str, assignments: AssignmentsClient
) -> Response:
    cancelled = assignments.cancel_recurrence(
        caller.clinic_id, caller.subject, recurrence_id, correlation_id, therapist_id=therapist_scope(caller)
    )
    return json_response(cancelled)


# -- pathways ----------------------------------------------------------------


@routes.http(
    "POST", "/pathways", THERAPIST, body=PathwayRequest, status=201, headers=(IDEMPOTENCY_HEADER,), creates="pathway_id"
)
def create_pathway(request: Request, caller: Caller, correlation_id: str, assignments: AssignmentsClient) -> Response:
    body = checked_body(request)
    key = idempotency_key(request)
    pathway = assignments.create_pathway(caller.clinic_id, caller.subject, body, correlation_id, idempotency_key=key)
    return json_response(pathway, 201)


@routes.http("GET", "/pathways", THERAPIST)
def list_pathways(caller: Caller, assignments: AssignmentsClient) -> Response:
    """The pathways the caller made, oldest first, with their steps and release rules."""
    return json_response({"pathways": assignments.list_pathways(caller.clinic_id, caller.subject)})


@routes.http("GET", "/pathways/<pathway_id>", THERAPIST)
def get_pathway(caller: Caller, pathway_id: str, assignments: AssignmentsClient) -> Response:
    return json_response(assignments.get_pathway(caller.clinic_id, pathway_id, therapist_id=therapist_scope(caller)))


@routes.http(
    "POST",
    "/pathways/<pathway_id>/enrolments",
    THERAPIST,
    body=EnrolRequest,
    status=201,
    headers=(IDEMPOTENCY_HEADER,),
    creates="enrolment_id",
)
def enrol(
    request: Request,
    caller: Caller,
    correlation_id: str,
    pathway_id: str,
    assignments: AssignmentsClient,
    identity: IdentityClient,
    names: DisplayNames,
) -> Response:
    body = names.fill(checked_body(request), caller.subject, caller.clinic_id)
    require_client(identity, caller, body["client_id"])
    enrolment = assignments.enrol(
        caller.clinic_id, caller.subject, pathway_id, body, correlation_id, idempotency_key=idempotency_key(request)
    )
    return json_response(enrolment, 201)


@routes.http("GET", "/pathways/<pathway_id>/enrolments", THERAPIST)
def enrolments(caller: Caller, pathway_id: str, assignments: AssignmentsClient) -> Response:
    """Where each client the caller enrolled stands, step by step (a colleague's pathway is a 404)."""
    listed = assignments.list_enrolments(caller.clinic_id, pathway_id, therapist_id=therapist_scope(caller))
    return json_response({"enrolments": listed})


@routes.http("GET", "/enrolments/<enrolment_id>", THERAPIST)
def get_enrolment(caller: Caller, enrolment_id: str, assignments: AssignmentsClient) -> Response:
    return json_response(
        assignments.get_enrolment(caller.clinic_id, enrolment_id, therapist_id=therapist_scope(caller))
    )


@routes.http("POST", "/enrolments/<enrolment_id>/<any(pause, resume, cancel):action>", THERAPIST)
def change_enrolment(
    caller: Caller, correlation_id: str, enrolment_id: str, action: str, assignments: AssignmentsClient
) -> Response:
    changed = assignments.change_enrolment(
        caller.clinic_id, caller.subject, enrolment_id, action, correlation_id, therapist_id=therapist_scope(caller)
    )
    return json_response(changed)


# -- groups ------------------------------------------------------------------


@routes.http(
    "POST", "/groups", THERAPIST, body=GroupRequest, status=201, headers=(IDEMPOTENCY_HEADER,), creates="group_id"
)
def create_group(
    request: Request, caller: Caller, correlation_id: str, assignments: AssignmentsClient, identity: IdentityClient
) -> Response:
    body = checked_body(request)
    for member in body.get("members", []):
        require_client(identity, caller, member)
    key = idempotency_key(request)
    group = assignments.create_group(caller.clinic_id, caller.subject, body, correlation_id, idempotency_key=key)
    return json_response(group, 201)


@routes.http("GET", "/groups", THERAPIST)
def list_groups(caller: Caller, assignments: AssignmentsClient) -> Response:
    """The groups the caller made, oldest first, with their members and programmes."""
    return json_response({"groups": assignments.list_groups(caller.clinic_id, caller.subject)})


@routes.http("GET", "/groups/<group_id>", THERAPIST)
def get_group(caller: Caller, group_id: str, assignments: AssignmentsClient) -> Response:
    return json_response(require_own_group(assignments, caller, group_id))


@routes.http("POST", "/groups/<group_id>/members", THERAPIST, body=MemberRequest)
def add_group_member(
    request: Request,
    caller: Caller,
    correlation_id: str,
    group_id: str,
    assignments: AssignmentsClient,
    identity: IdentityClient,
) -> Response:
    require_own_group(assignments, caller, group_id)
    body = checked_body(request)
    require_client(identity, caller, body["client_id"])
    added = assignments.add_group_member(
        caller.clinic_id, group_id, body, correlation_id, therapist_id=therapist_scope(caller)
    )
    return json_response(added)


@routes.http("DELETE", "/groups/<group_id>/members/<client_id>", THERAPIST)
def remove_group_member(caller: Caller, group_id: str, client_id: str, assignments: AssignmentsClient) -> Response:
    require_own_group(assignments, caller, group_id)
    removed = assignments.remove_group_member(
        caller.clinic_id, group_id, client_id, therapist_id=therapist_scope(caller)
    )
    return json_response(removed)


def _sent_to_group(what: str, doc: str) -> Handler:
    """The route sending ``what`` (an activity, a recurrence or a pathway) to every member of a group."""

    def route(
        request: Request,
        caller: Caller,
        correlation_id: str,
        group_id: str,
        assignments: AssignmentsClient,
        names: DisplayNames,
    ) -> Response:
        require_own_group(assignments, caller, group_id)
        body = names.fill(checked_body(request), caller.subject, caller.clinic_id)
        key = idempotency_key(request)
        group = assignments.assign_to_group(
            caller.clinic_id, caller.subject, group_id, what, body, correlation_id, idempotency_key=key
        )
        return json_response(group, 201)

    route.__name__ = route.__qualname__ = f"assign_{what}_to_group"
    route.__doc__ = doc
    return route


def _to_group(path: str, body: type[Schema]) -> Callable[[Handler], Handler]:
    return routes.http(
        "POST", f"/groups/<group_id>/{path}", THERAPIST, body=body, status=201, headers=(IDEMPOTENCY_HEADER,)
    )


assign_activity_to_group = _to_group("assignments", GroupAssignRequest)(
    _sent_to_group("activity", "Send an activity to every member of the group.")
)
assign_recurrence_to_group = _to_group("recurrences", GroupRecurrenceRequest)(
    _sent_to_group("recurrence", "Send a recurrence to every member of the group.")
)
assign_pathway_to_group = _to_group("pathways", GroupPathwayRequest)(
    _sent_to_group("pathway", "Enrol every member of the group on a pathway.")
)


# -- delivery preferences ------------------------------------------------


@routes.http("GET", "/me/notification-preferences", CLIENT)
def my_preferences(caller: Caller, notifications: NotificationsClient) -> Response:
    return json_response(notifications.get_preferences(caller.clinic_id, caller.subject))


@routes.http("PUT", "/me/notification-preferences", CLIENT, body=PreferencesSchema)
def set_my_preferences(request: Request, caller: Caller, notifications: NotificationsClient) -> Response:
    body = checked_body(request)
    return json_response(notifications.set_preferences(caller.clinic_id, caller.subject, body))


@routes.http("GET", "/clients/<client_id>/notification-preferences", THERAPIST)
def client_preferences(
    caller: Caller, client_id: str, identity: IdentityClient, notifications: NotificationsClient
) -> Response:
    require_client(identity, caller, client_id)
    return json_response(notifications.get_preferences(caller.clinic_id, client_id))


@routes.http("PUT", "/clients/<client_id>/notification-preferences", THERAPIST, body=PreferencesSchema)
def set_client_preferences(
    request: Request, caller: Caller, client_id: str, identity: IdentityClient, notifications: NotificationsClient
) -> Response:
    require_client(identity, caller, client_id)
    body = checked_body(request)
    return json_response(notifications.set_preferences(caller.clinic_id, client_id, body))


# -- reminders, follow-ups and what was sent -----------------------------


@routes.http("GET", "/clinic/reminder-defaults", THERAPIST, CLINIC_ADMIN)
def reminder_defaults(caller: Caller, notifications: NotificationsClient) -> Response:
    """The clinic's default reminders (a clinic admin's setting, also read and set by its therapists)."""
    return json_response(notifications.get_reminder_defaults(caller.clinic_id))


@routes.http("PUT", "/clinic/reminder-defaults", THERAPIST, CLINIC_ADMIN, body=ReminderDefaultsSchema)
def set_reminder_defaults(request: Request, caller: Caller, notifications: NotificationsClient) -> Response:
    body = checked_body(request)
    return json_response(notifications.set_reminder_defaults(caller.clinic_id, body))


@routes.http(
    "POST",
    "/clients/<client_id>/follow-ups",
    THERAPIST,
    body=FollowUpRequest,
    status=202,
    headers=(IDEMPOTENCY_HEADER,),
)
def follow_up(
    request: Request,
    caller: Caller,
    correlation_id: str,
    client_id: str,
    identity: IdentityClient,
    notifications: NotificationsClient,
) -> Response:
    require_client(identity, caller, client_id)
    body = checked_body(request)
    key = idempotency_key(request)
    sent = notifications.send_follow_up(
        caller.clinic_id, caller.subject, client_id, body, correlation_id, idempotency_key=key
    )
    return json_response(sent, 202)


@routes.http("GET", "/clients/<client_id>/deliveries", THERAPIST, response=list_schema("deliveries", DeliverySchema))
def client_deliveries(
    caller: Caller, client_id: str, identity: IdentityClient, notifications: NotificationsClient
) -> Response:
    """Every NotificationSent / NotificationFailed attempt to the client, newest first."""
    require_client(identity, caller, client_id)
    return json_response({"deliveries": notifications.deliveries_for_client(caller.clinic_id, client_id)})


@routes.http("GET", "/clients/<client_id>/schedule", THERAPIST, response=list_schema("entries", ScheduledEntrySchema))
def client_schedule(
    caller: Caller, client_id: str, identity: IdentityClient, notifications: NotificationsClient
) -> Response:
    require_client(identity, caller, client_id)
    return json_response({"entries": notifications.schedule_for_client(caller.clinic_id, client_id)})


@routes.http("GET", "/notifications/dead-letters", THERAPIST)
def dead_letters(caller: Caller, notifications: NotificationsClient) -> Response:
    return json_response({"dead_letters": notifications.dead_letters(caller.clinic_id)})


def require_own_group(assignments: AssignmentsClient, caller: Caller, group_id: str) -> Record:
    """A group is its therapist's: its members are their clients. Anyone else's looks absent (404).

    Checked before any change (the body was checked before the route ran); the service checks again on the change.
    """
    return assignments.get_group(caller.clinic_id, group_id, therapist_id=therapist_scope(caller))
