"""The OpenAPI 3 document of the gateway, generated from its routes and the marshmallow contracts.

Every HTTP entrypoint of ``GatewayService`` is listed (so a new route appears
without editing this module), with its roles from ``@endpoint``, its path
parameters from the URL rule and its summary from the docstring. Bodies come
from ``CONTRACTS``: a route not named there is documented without a body
schema until it is added.
"""

import functools
import inspect
import re
from dataclasses import dataclass
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields
from nameko.web.handlers import HttpRequestHandler

from interlude_contracts.activity import ActivityDraftSchema, ActivitySchema, ActivityVersionSchema
from interlude_contracts.api import (
    AssignmentSchema,
    AssignRequest,
    CancelRequest,
    ClientReportSchema,
    CompletedAssignmentSchema,
    ExtendDueDateRequest,
    LoginRequest,
    NotificationSchema,
    SubmitResponseRequest,
)
from interlude_contracts.identity import (
    MAX_PAGE_OFFSET,
    MAX_PAGE_SIZE,
    AccountSchema,
    AuditEntrySchema,
    ClinicSchema,
    CreateClinicRequest,
    CreatedClinicSchema,
    InvitationRequest,
    InvitationSchema,
    PageSchema,
    RedeemRequest,
    RefreshRequest,
    TokenPairSchema,
)

from .web import roles_of

TITLE = "Interlude gateway"
VERSION = "1.0.0"


class ProblemSchema(Schema):
    """RFC 9457 problem details: every failure has this shape (``application/problem+json``)."""

    type = fields.String(required=True, metadata={"example": "urn:interlude:problem:validation_failed"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    correlation_id = fields.String(required=True)
    errors = fields.Dict(metadata={"description": "The failing fields, each with its messages."})


class HealthSchema(Schema):
    status = fields.String(required=True)
    services = fields.Dict(keys=fields.String(), values=fields.Boolean())


class ClientExportSchema(Schema):
    exported_at = fields.String(required=True)
    account = fields.Nested(AccountSchema, required=True)
    assignments = fields.List(fields.Nested(AssignmentSchema), required=True)
    notifications = fields.List(fields.Nested(NotificationSchema), required=True)
    report = fields.Nested(ClientReportSchema, required=True)


@functools.cache
def page_of(key: str, item: type[Schema]) -> type[Schema]:
    """A list response: ``{key: [item...], page: {limit, offset, total}}``."""
    return Schema.from_dict(
        {key: fields.List(fields.Nested(item), required=True), "page": fields.Nested(PageSchema, required=True)},
        name=f"{item.__name__.removesuffix('Schema')}Page",
    )


@dataclass(frozen=True)
class Contract:
    request: type[Schema] | None = None
    response: type[Schema] | None = None
    status: int = 200
    listed: bool = False  # takes ?limit=&offset=
    query: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()


CONTRACTS: dict[tuple[str, str], Contract] = {
    ("GET", "/health"): Contract(response=HealthSchema),
    ("GET", "/health/ready"): Contract(response=HealthSchema),
    ("POST", "/auth/token"): Contract(LoginRequest, TokenPairSchema, headers=("X-Interlude-Session",)),
    ("POST", "/auth/refresh"): Contract(RefreshRequest, TokenPairSchema, headers=("X-Interlude-Session",)),
    ("DELETE", "/auth/refresh"): Contract(None, None, 204, headers=("X-Interlude-Session",)),
    ("POST", "/auth/logout"): Contract(RefreshRequest, None, 204),
    ("POST", "/clinics"): Contract(CreateClinicRequest, CreatedClinicSchema, 201),
    ("GET", "/clinics"): Contract(response=page_of("clinics", ClinicSchema), listed=True),
    ("POST", "/invitations"): Contract(InvitationRequest, InvitationSchema, 201),
    ("POST", "/invitations/redeem"): Contract(RedeemRequest, AccountSchema),
    ("GET", "/clients"): Contract(response=page_of("clients", AccountSchema), listed=True),
    ("GET", "/audit"): Contract(response=page_of("entries", AuditEntrySchema), listed=True, query=("client_id",)),
    ("GET", "/activities"): Contract(response=page_of("activities", ActivitySchema), listed=True),
    ("POST", "/activities"): Contract(ActivityDraftSchema, ActivitySchema, 201),
    ("GET", "/activities/<activity_id>"): Contract(response=ActivitySchema),
    ("PUT", "/activities/<activity_id>/draft"): Contract(ActivityDraftSchema, ActivitySchema),
    ("POST", "/activities/<activity_id>/publish"): Contract(response=ActivityVersionSchema, status=201),
    ("GET", "/activities/<activity_id>/versions/<int:version>"): Contract(response=ActivityVersionSchema),
    ("POST", "/assignments"): Contract(AssignRequest, AssignmentSchema, 201),
    ("GET", "/assignments/<assignment_id>"): Contract(response=AssignmentSchema),
    ("POST", "/assignments/<assignment_id>/cancel"): Contract(CancelRequest, AssignmentSchema),
    ("POST", "/assignments/<assignment_id>/due-date"): Contract(ExtendDueDateRequest, AssignmentSchema),
    ("POST", "/assignments/<assignment_id>/responses"): Contract(
        SubmitResponseRequest, AssignmentSchema, 201, headers=("Idempotency-Key",)
    ),
    ("GET", "/clients/<client_id>/assignments"): Contract(
        response=page_of("assignments", AssignmentSchema), listed=True
    ),
    ("GET", "/clients/<client_id>/report"): Contract(response=ClientReportSchema),
    ("GET", "/clients/<client_id>/notifications"): Contract(
        response=page_of("notifications", NotificationSchema), listed=True
    ),
    ("GET", "/me/history"): Contract(response=page_of("assignments", CompletedAssignmentSchema), listed=True),
    ("GET", "/me/todo"): Contract(response=page_of("assignments", AssignmentSchema), listed=True),
    ("GET", "/me/notifications"): Contract(response=page_of("notifications", NotificationSchema), listed=True),
    ("GET", "/clients/<client_id>/export"): Contract(response=ClientExportSchema),
    ("GET", "/me/export"): Contract(response=ClientExportSchema),
    ("DELETE", "/clients/<client_id>"): Contract(status=204),
}

NOT_DOCUMENTED = {"/openapi.json", "/docs", "/<path:path>", "/app/", "/app/<path:path>"}
ERRORS = {
    400: "Malformed JSON",
    401: "Missing, invalid or expired token; or wrong credentials",
    403: "The caller's role does not allow this",
    404: "No such record for this caller (other clinics' and clients' records look absent)",
    409: "Conflicts with the record's state",
    413: "Body too large",
    422: "Invalid input; `errors` names the fields",
    429: "Too many requests; see Retry-After",
}
# werkzeug rule variables: <name>, <int:name>, <any(a, b):name>
_PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def http_routes(service: type) -> list[tuple[str, str, Any]]:
    """(method, URL rule, handler) of every HTTP entrypoint of the service class."""
    routes = []
    for _, member in inspect.getmembers(service):
        for entrypoint in getattr(member, "nameko_entrypoints", ()):
            if isinstance(entrypoint, HttpRequestHandler):
                routes.append((entrypoint.method, entrypoint.url, member))
    return sorted(routes, key=lambda route: (route[1], route[0]))


def build_spec(service: type) -> dict[str, Any]:
    spec = APISpec(
        title=TITLE,
        version=VERSION,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "The HTTP JSON API of Interlude for web and mobile front ends."},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", schema=ProblemSchema)
    for method, rule, handler in http_routes(service):
        if rule in NOT_DOCUMENTED:
            continue
        path = _PARAMETER.sub(r"{\2}", rule)
        spec.path(path=path, operations={method.lower(): _operation(method, rule, handler)})
    return spec.to_dict()


def _operation(method: str, rule: str, handler: Any) -> dict[str, Any]:
    contract = CONTRACTS.get((method, rule), Contract())
    roles = roles_of(handler)
    doc = inspect.getdoc(handler) or handler.__name__.replace("_", " ").capitalize()
    summary, _, description = doc.partition("\n")
    operation: dict[str, Any] = {
        "operationId": handler.__name__,
        "summary": summary.strip(),
        "description": (description.strip() + "\n\n" if description.strip() else "")
        + (f"Roles: {', '.join(roles)}." if roles else "No token needed."),
        "parameters": _parameters(rule, contract),
        "responses": _responses(contract, roles),
    }
    if roles:
        operation["security"] = [{"bearer": []}]
    if contract.request is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": contract.request}}}
    return operation


def _parameters(rule: str, contract: Contract) -> list[dict[str, Any]]:
    parameters = [
        {
            "in": "path",
            "name": name,
            "required": True,
            "schema": {"type": "integer"} if converter == "int" else {"type": "string"},
        }
        for converter, name in _PARAMETER.findall(rule)
    ]
    if contract.listed:
        parameters += [
            {"in": "query", "name": "limit", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}},
            {"in": "query", "name": "offset", "schema": {"type": "integer", "minimum": 0, "maximum": MAX_PAGE_OFFSET}},
        ]
    parameters += [{"in": "query", "name": name, "schema": {"type": "string"}} for name in contract.query]
    parameters += [
        {"in": "header", "name": name, "schema": {"type": "string", "maxLength": 100}} for name in contract.headers
    ]
    return parameters


def _responses(contract: Contract, roles: tuple[str, ...]) -> dict[str, Any]:
    success: dict[str, Any] = {"description": "Success"}
    if contract.response is not None:
        success["content"] = {"application/json": {"schema": contract.response}}
    problem = {"application/problem+json": {"schema": "Problem"}}
    statuses = [400, 413, 422, 429] if contract.request else [422, 429]
    if roles:
        statuses += [401, 403, 404, 409]
    responses = {str(contract.status): success}
    responses.update({str(code): {"description": ERRORS[code], "content": problem} for code in sorted(statuses)})
    return responses


DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Interlude API</title>
<link rel="stylesheet" href="https://unpkg.com/swagger-ui-dist@5/swagger-ui.css"></head>
<body><div id="docs"><p>The API document is at <a href="/openapi.json">/openapi.json</a>.</p></div>
<script src="https://unpkg.com/swagger-ui-dist@5/swagger-ui-bundle.js" crossorigin></script>
<script>window.onload = () => SwaggerUIBundle({url: "/openapi.json", dom_id: "#docs"});</script>
</body></html>
"""
