"""Schedules and delivery: opening an assignment, preferences, reminder defaults, follow-ups, delivery records.

Recurrences, pathways, enrolments and groups are the therapist's who made them: every route passes
``therapist_scope(caller)`` and the assignments service answers NotFound (404) for a colleague's.
"""

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

from ..auth import CLIENT, CLINIC_ADMIN, THERAPIST, Caller
from ..clients import AssignmentsClient, IdentityClient, NotificationsClient, Record
from ..names import DisplayNames
from ..routing import RouteTable
from ..scoping import require_client, therapist_scope
from ..web import idempotency_key, json_body, json_response

routes = RouteTable()


@routes.http("POST", "/assignments/<assignment_id>/open", CLIENT)
def open_assignment(
    caller: Caller, correlation_id: str, assignment_id: str, assignments: AssignmentsClient
) -> Response:
    """The client opened the assignment (recorded once; the assignment is returned)."""
    return json_response(assignments.open_assignment(caller.clinic_id, caller.subject, assignment_id, correlation_id))


# -- recurring assignments -------------------------------------------------


@routes.http("POST", "/recurrences", THERAPIST)
def create_recurrence(
    request: Request,
    caller: Caller,
    correlation_id: str,
    assignments: AssignmentsClient,
    identity: IdentityClient,
    names: DisplayNames,
) -> Response:
    body = names.fill(json_body(request, RecurrenceRequest()), caller.subject, caller.clinic_id)
    require_client(identity, caller, body["client_id"])
    recurrence = assignments.create_recurrence(
        caller.clinic_id, caller.subject, body, correlation_id, idempotency_key=idempotency_key(request)
    )
    return json_response(recurrence, 201)


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


@routes.http("POST", "/pathways", THERAPIST)
def create_pathway(request: Request, caller: Caller, correlation_id: str, assignments: AssignmentsClient) -> Response:
    body = json_body(request, PathwayRequest())
    key = idempotency_key(request)
    pathway = assignments.create_pathway(caller.clinic_id, caller.subject, body, correlation_id, idempotency_key=key)
    return json_response(pathway, 201)


@routes.http("GET", "/pathways/<pathway_id>", THERAPIST)
def get_pathway(caller: Caller, pathway_id: str, assignments: AssignmentsClient) -> Response:
    return json_response(assignments.get_pathway(caller.clinic_id, pathway_id, therapist_id=therapist_scope(caller)))


@routes.http("POST", "/pathways/<pathway_id>/enrolments", THERAPIST)
def enrol(
    request: Request,
    caller: Caller,
    correlation_id: str,
    pathway_id: str,
    assignments: AssignmentsClient,
    identity: IdentityClient,
    names: DisplayNames,
) -> Response:
    body = names.fill(json_body(request, EnrolRequest()), caller.subject, caller.clinic_id)
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


@routes.http("POST", "/groups", THERAPIST)
def create_group(
    request: Request, caller: Caller, correlation_id: str, assignments: AssignmentsClient, identity: IdentityClient
) -> Response:
    body = json_body(request, GroupRequest())
    for member in body.get("members", []):
        require_client(identity, caller, member)
    key = idempotency_key(request)
    group = assignments.create_group(caller.clinic_id, caller.subject, body, correlation_id, idempotency_key=key)
    return json_response(group, 201)


@routes.http("GET", "/groups/<group_id>", THERAPIST)
def get_group(caller: Caller, group_id: str, assignments: AssignmentsClient) -> Response:
    return json_response(require_own_group(assignments, caller, group_id))


@routes.http("POST", "/groups/<group_id>/members", THERAPIST)
def add_group_member(
    request: Request,
    caller: Caller,
    correlation_id: str,
    group_id: str,
    assignments: AssignmentsClient,
    identity: IdentityClient,
) -> Response:
    require_own_group(assignments, caller, group_id)
    body = json_body(request, MemberRequest())
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


@routes.http("POST", "/groups/<group_id>/<any(assignments, recurrences, pathways):kind>", THERAPIST)
def assign_to_group(
    request: Request,
    caller: Caller,
    correlation_id: str,
    group_id: str,
    kind: str,
    assignments: AssignmentsClient,
    names: DisplayNames,
) -> Response:
    """Send an activity, a recurrence or a pathway to every member of the group."""
    require_own_group(assignments, caller, group_id)
    schemas = {
        "assignments": GroupAssignRequest(),
        "recurrences": GroupRecurrenceRequest(),
        "pathways": GroupPathwayRequest(),
    }
    body = names.fill(json_body(request, schemas[kind]), caller.subject, caller.clinic_id)
    what = {"assignments": "activity", "recurrences": "recurrence", "pathways": "pathway"}[kind]
    key = idempotency_key(request)
    group = assignments.assign_to_group(
        caller.clinic_id, caller.subject, group_id, what, body, correlation_id, idempotency_key=key
    )
    return json_response(group, 201)


# -- delivery preferences ------------------------------------------------


@routes.http("GET", "/me/notification-preferences", CLIENT)
def my_preferences(caller: Caller, notifications: NotificationsClient) -> Response:
    return json_response(notifications.get_preferences(caller.clinic_id, caller.subject))


@routes.http("PUT", "/me/notification-preferences", CLIENT)
def set_my_preferences(request: Request, caller: Caller, notifications: NotificationsClient) -> Response:
    body = json_body(request, PreferencesSchema())
    return json_response(notifications.set_preferences(caller.clinic_id, caller.subject, body))


@routes.http("GET", "/clients/<client_id>/notification-preferences", THERAPIST)
def client_preferences(
    caller: Caller, client_id: str, identity: IdentityClient, notifications: NotificationsClient
) -> Response:
    require_client(identity, caller, client_id)
    return json_response(notifications.get_preferences(caller.clinic_id, client_id))


@routes.http("PUT", "/clients/<client_id>/notification-preferences", THERAPIST)
def set_client_preferences(
    request: Request, caller: Caller, client_id: str, identity: IdentityClient, notifications: NotificationsClient
) -> Response:
    require_client(identity, caller, client_id)
    body = json_body(request, PreferencesSchema())
    return json_response(notifications.set_preferences(caller.clinic_id, client_id, body))


# -- reminders, follow-ups and what was sent -----------------------------


@routes.http("GET", "/clinic/reminder-defaults", THERAPIST, CLINIC_ADMIN)
def reminder_defaults(caller: Caller, notifications: NotificationsClient) -> Response:
    """The clinic's default reminders (a clinic admin's setting, also read and set by its therapists)."""
    return json_response(notifications.get_reminder_defaults(caller.clinic_id))


@routes.http("PUT", "/clinic/reminder-defaults", THERAPIST, CLINIC_ADMIN)
def set_reminder_defaults(request: Request, caller: Caller, notifications: NotificationsClient) -> Response:
    body = json_body(request, ReminderDefaultsSchema())
    return json_response(notifications.set_reminder_defaults(caller.clinic_id, body))


@routes.http("POST", "/clients/<client_id>/follow-ups", THERAPIST)
def follow_up(
    request: Request,
    caller: Caller,
    correlation_id: str,
    client_id: str,
    identity: IdentityClient,
    notifications: NotificationsClient,
) -> Response:
    require_client(identity, caller, client_id)
    body = json_body(request, FollowUpRequest())
    key = idempotency_key(request)
    sent = notifications.send_follow_up(
        caller.clinic_id, caller.subject, client_id, body, correlation_id, idempotency_key=key
    )
    return json_response(sent, 202)


@routes.http("GET", "/clients/<client_id>/deliveries", THERAPIST)
def client_deliveries(
    caller: Caller, client_id: str, identity: IdentityClient, notifications: NotificationsClient
) -> Response:
    """Every NotificationSent / NotificationFailed attempt to the client, newest first."""
    require_client(identity, caller, client_id)
    return json_response({"deliveries": notifications.deliveries_for_client(caller.clinic_id, client_id)})


@routes.http("GET", "/clients/<client_id>/schedule", THERAPIST)
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

    Checked first, so a colleague's group is a 404 whatever the body; the service checks again on the change.
    """
    return assignments.get_group(caller.clinic_id, group_id, therapist_id=therapist_scope(caller))
