"""A therapist's activities: drafts and published versions."""

from werkzeug.wrappers import Request, Response

from interlude_activity_model.draft import CheckedDraftSchema

from ..auth import THERAPIST, Caller
from ..clients import ActivitiesClient
from ..routing import RouteTable
from ..scoping import paginated
from ..web import json_body, json_response

routes = RouteTable()


@routes.http("GET", "/activities", THERAPIST)
def list_activities(request: Request, caller: Caller, activities: ActivitiesClient) -> Response:
    return json_response(paginated(request, "activities", activities.list_activities(caller.clinic_id)))


@routes.http("POST", "/activities", THERAPIST)
def create_activity(request: Request, caller: Caller, correlation_id: str, activities: ActivitiesClient) -> Response:
    draft = json_body(request, CheckedDraftSchema())
    activity = activities.create_activity(caller.clinic_id, caller.subject, draft, correlation_id)
    return json_response(activity, 201)


@routes.http("GET", "/activities/<activity_id>", THERAPIST)
def get_activity(caller: Caller, activity_id: str, activities: ActivitiesClient) -> Response:
    return json_response(activities.get_activity(caller.clinic_id, activity_id))


@routes.http("PUT", "/activities/<activity_id>/draft", THERAPIST)
def edit_draft(
    request: Request, caller: Caller, correlation_id: str, activity_id: str, activities: ActivitiesClient
) -> Response:
    draft = json_body(request, CheckedDraftSchema())
    return json_response(activities.edit_draft(caller.clinic_id, activity_id, draft, caller.subject, correlation_id))


@routes.http("POST", "/activities/<activity_id>/publish", THERAPIST)
def publish(caller: Caller, correlation_id: str, activity_id: str, activities: ActivitiesClient) -> Response:
    version = activities.publish_activity(caller.clinic_id, activity_id, caller.subject, correlation_id)
    return json_response(version, 201)


@routes.http("GET", "/activities/<activity_id>/versions/<int:version>", THERAPIST)
def get_version(caller: Caller, activity_id: str, version: int, activities: ActivitiesClient) -> Response:
    return json_response(activities.get_version(caller.clinic_id, activity_id, version))
