"""The gateway's HTTP routes: thin, each validating its body and calling a service by RPC."""

from typing import Any

import eventlet
from nameko.rpc import RpcProxy
from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from interlude_contracts.activity import ActivityDraftSchema
from interlude_contracts.api import AssignRequest, CancelRequest, LoginRequest, SubmitResponseRequest
from interlude_contracts.runtime.metrics import Metrics

from .auth import CLIENT, THERAPIST, Caller
from .dependencies import Tokens, Users
from .web import endpoint, json_body, json_response

SERVICES = ("activities", "assignments", "notifications", "reporting")
READINESS_TIMEOUT_SECONDS = 3


class GatewayService:
    name = "gateway"

    tokens = Tokens()
    users = Users()
    metrics = Metrics()
    activities = RpcProxy("activities")
    assignments = RpcProxy("assignments")
    notifications = RpcProxy("notifications")
    reporting = RpcProxy("reporting")

    # -- health and login ---------------------------------------------------

    @http("GET", "/health")
    @endpoint()
    def health(self, request: Request, **_: Any) -> Response:
        return json_response({"status": "ok"})

    @http("GET", "/health/ready")
    @endpoint()
    def ready(self, request: Request, **_: Any) -> Response:
        """Ready when every service answers its health RPC within a few seconds."""
        calls = {name: getattr(self, name).health.call_async() for name in SERVICES}
        checks = {name: _answered(reply) for name, reply in calls.items()}
        ready = all(checks.values())
        return json_response({"status": "ok" if ready else "degraded", "services": checks}, 200 if ready else 503)

    @http("POST", "/auth/token")
    @endpoint()
    def login(self, request: Request, **_: Any) -> Response:
        body = json_body(request, LoginRequest())
        caller = self.users.authenticate(body["username"], body["password"])
        token = self.tokens.issue(caller)
        return json_response({"access_token": token, "token_type": "Bearer", "expires_in": self.tokens.ttl_seconds})

    # -- activities (therapists) --------------------------------------------

    @http("GET", "/activities")
    @endpoint(THERAPIST)
    def list_activities(self, request: Request, caller: Caller, **_: Any) -> Response:
        return json_response({"activities": self.activities.list_activities(caller.clinic_id)})

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

    # -- assignments ----------------------------------------------------------

    @http("POST", "/assignments")
    @endpoint(THERAPIST)
    def assign(self, request: Request, caller: Caller, correlation_id: str, **_: Any) -> Response:
        body = json_body(request, AssignRequest())
        assignment = self.assignments.assign(caller.clinic_id, caller.subject, body, correlation_id)
        return json_response(assignment, 201)

    @http("GET", "/assignments/<assignment_id>")
    @endpoint(THERAPIST, CLIENT)
    def get_assignment(self, request: Request, caller: Caller, assignment_id: str, **_: Any) -> Response:
        own_only = caller.subject if caller.role == CLIENT else None
        return json_response(self.assignments.get_assignment(caller.clinic_id, assignment_id, own_only))

    @http("POST", "/assignments/<assignment_id>/cancel")
    @endpoint(THERAPIST)
    def cancel(self, request: Request, caller: Caller, correlation_id: str, assignment_id: str, **_: Any) -> Response:
        body = json_body(request, CancelRequest())
        return json_response(
            self.assignments.cancel(caller.clinic_id, caller.subject, assignment_id, body, correlation_id)
        )

    @http("POST", "/assignments/<assignment_id>/responses")
    @endpoint(CLIENT)
    def submit_response(
        self, request: Request, caller: Caller, correlation_id: str, assignment_id: str, **_: Any
    ) -> Response:
        body = json_body(request, SubmitResponseRequest())
        assignment = self.assignments.submit_response(
            caller.clinic_id, caller.subject, assignment_id, body, correlation_id
        )
        return json_response(assignment, 201)

    # -- a therapist's view of a client --------------------------------------

    @http("GET", "/clients/<client_id>/assignments")
    @endpoint(THERAPIST)
    def client_assignments(self, request: Request, caller: Caller, client_id: str, **_: Any) -> Response:
        return json_response({"assignments": self.assignments.list_for_client(caller.clinic_id, client_id)})

    @http("GET", "/clients/<client_id>/report")
    @endpoint(THERAPIST)
    def client_report(self, request: Request, caller: Caller, client_id: str, **_: Any) -> Response:
        return json_response(self.reporting.client_report(caller.clinic_id, client_id))

    @http("GET", "/clients/<client_id>/notifications")
    @endpoint(THERAPIST)
    def client_notifications(self, request: Request, caller: Caller, client_id: str, **_: Any) -> Response:
        return json_response({"notifications": self.notifications.list_for_client(caller.clinic_id, client_id)})

    # -- a client's own view --------------------------------------------------

    @http("GET", "/me/todo")
    @endpoint(CLIENT)
    def my_todo(self, request: Request, caller: Caller, **_: Any) -> Response:
        return json_response({"assignments": self.assignments.todo(caller.clinic_id, caller.subject)})

    @http("GET", "/me/notifications")
    @endpoint(CLIENT)
    def my_notifications(self, request: Request, caller: Caller, **_: Any) -> Response:
        return json_response({"notifications": self.notifications.list_for_client(caller.clinic_id, caller.subject)})


def _answered(reply: Any) -> bool:
    try:
        with eventlet.Timeout(READINESS_TIMEOUT_SECONDS):
            return reply.result().get("status") == "ok"
    except (Exception, eventlet.Timeout):
        return False
