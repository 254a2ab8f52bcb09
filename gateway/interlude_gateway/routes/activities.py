"""A therapist's activities: drafts and published versions."""

from typing import Any

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from interlude_contracts.activity import ActivityDraftSchema

from ..auth import THERAPIST, Caller
from ..scoping import paginated
from ..web import endpoint, json_body, json_response


class ActivityRoutes:
    @http("GET", "/activities")
    @endpoint(THERAPIST)
    def list_activities(self, request: Request, caller: Caller, **_: Any) -> Response:
        return json_response(paginated(request, "activities", self.activities.list_activities(caller.clinic_id)))

    @http("POST", "/activities")
    @endpoint(THERAPIST)
    def create_activity(self, request: Request, caller: Caller, correlation_id: str, **_: Any) -> Response:
        draft = json_body(request, ActivityDraftSchema())
        activity = self.activities.create_activity(caller.clinic_id, caller.subject, draft, correlation_id)
        return json_response(activity, 201)

    @http("GET", "/activities/<activity_id>")
    @endpoint(THERAPIST)
    def get_activity(self, request: Request, caller: Caller, activity_id: str, **_: Any) -> Response:
        return json_response(self.activities.get_activity(caller.clinic_id, activity_id))

    @http("PUT", "/activities/<activity_id>/draft")
    @endpoint(THERAPIST)
    def edit_draft(self, request: Request, caller: Caller, correlation_id: str, activity_id: str, **_: Any) -> Response:
        draft = json_body(request, ActivityDraftSchema())
        return json_response(
            self.activities.edit_draft(caller.clinic_id, activity_id, draft, caller.subject, correlation_id)
        )

    @http("POST", "/activities/<activity_id>/publish")
    @endpoint(THERAPIST)
    def publish(self, request: Request, caller: Caller, correlation_id: str, activity_id: str, **_: Any) -> Response:
        version = self.activities.publish_activity(caller.clinic_id, activity_id, caller.subject, correlation_id)
        return json_response(version, 201)

    @http("GET", "/activities/<activity_id>/versions/<int:version>")
    @endpoint(THERAPIST)
    def get_version(self, request: Request, caller: Caller, activity_id: str, version: int, **_: Any) -> Response:
        return json_response(self.activities.get_version(caller.clinic_id, activity_id, version))
