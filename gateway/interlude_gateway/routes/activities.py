"""A therapist's activities: drafts and published versions."""

from werkzeug.wrappers import Request, Response

from interlude_activity_model.draft import CheckedDraftSchema
from interlude_contracts.activity import ActivitySchema, ActivityVersionSchema

from ..auth import THERAPIST, Caller
from ..clients import ActivitiesClient
from ..openapi import page_schema
from ..routing import RouteTable
from ..scoping import paginated
from ..web import checked_body, json_response

routes = RouteTable()


@routes.http("GET", "/activities", THERAPIST, response=page_schema("activities", ActivitySchema), listed=True)
def list_activities(request: Request, caller: Caller, activities: ActivitiesClient) -> Response:
    return json_response(paginated(request, "activities", activities.list_activities(caller.clinic_id)))


@routes.http(
    "POST",
    "/activities",
    THERAPIST,
    body=CheckedDraftSchema,
    response=ActivitySchema,
    status=201,
    creates="activity_id",
)
def create_activity(request: Request, caller: Caller, correlation_id: str, activities: ActivitiesClient) -> Response:
    draft = checked_body(request)
    activity = activities.create_activity(caller.clinic_id, caller.subject, draft, correlation_id)
    return json_response(activity, 201)


@routes.http("GET", "/activities/<activity_id>", THERAPIST, response=ActivitySchema)
def get_activity(caller: Caller, activity_id: str, activities: ActivitiesClient) -> Response:
    return json_response(activities.get_activity(caller.clinic_id, activity_id))


@routes.http("PUT", "/activities/<activity_id>/draft", THERAPIST, body=CheckedDraftSchema, response=ActivitySchema)
def edit_draft(
    request: Request, caller: Caller, correlation_id: str, activity_id: str, activities: ActivitiesClient
) -> Response:
    draft = checked_body(request)
    return json_response(activities.edit_draft(caller.clinic_id, activity_id, draft, caller.subject, correlation_id))


@routes.http("POST", "/activities/<activity_id>/publish", THERAPIST, response=ActivityVersionSchema, status=201)
def publish(caller: Caller, correlation_id: str, activity_id: str, activities: ActivitiesClient) -> Response:
    version = activities.publish_activity(caller.clinic_id, activity_id, caller.subject, correlation_id)
    return json_response(version, 201)


@routes.http("GET", "/activities/<activity_id>/versions/<int:version>", THERAPIST, response=ActivityVersionSchema)
def get_version(caller: Caller, activity_id: str, version: int, activities: ActivitiesClient) -> Response:
    return json_response(activities.get_version(caller.clinic_id, activity_id, version))
