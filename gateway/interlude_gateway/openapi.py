"""The OpenAPI 3 document of the gateway, generated from its routes and their contracts.

Every HTTP entrypoint of ``GatewayService`` is listed (so a new route appears
without editing this module), with its roles from ``@endpoint``, its path
parameters from the URL rule, its summary from the docstring, and its bodies,
statuses and links from the ``Contract`` it was declared with
(``routing.RouteTable.http``): the same schema objects the route checks its
body with. Every response a route can give is documented (401 and 403 for a
route with roles, 400, 413, 415 and 422 for one with a body, ...).
"""

import functools
import inspect
import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin, resolver
from apispec.ext.marshmallow.common import resolve_schema_cls
from marshmallow import Schema, fields
from nameko.web.handlers import HttpRequestHandler

from interlude_contracts.analytics import CSV_REPORTS
from interlude_contracts.api import AssignmentSchema, ClientReportSchema, NotificationSchema
from interlude_contracts.fields import IDENTIFIER_PATTERN
from interlude_contracts.identity import MAX_PAGE_OFFSET, MAX_PAGE_SIZE, AccountSchema, PageSchema

from .routing import Contract, contract_of
from .web import BODY_METHODS, FHIR_JSON, FHIR_PREFIX, IDEMPOTENCY_KEY_PATTERN, MAX_IDEMPOTENCY_KEY, roles_of

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
    kind = fields.String(required=True, metadata={"example": "data-subject-access-request"})
    notice = fields.String(required=True, metadata={"description": "What the export holds, in words."})
    exported_at = fields.String(required=True)
    account = fields.Nested(AccountSchema, required=True)
    assignments = fields.List(fields.Nested(AssignmentSchema), required=True)
    notifications = fields.List(fields.Nested(NotificationSchema), required=True)
    report = fields.Nested(ClientReportSchema, required=True)


@functools.cache
def page_schema(key: str, item: type[Schema]) -> type[Schema]:
    """A list response: ``{key: [item...], page: {limit, offset, total}}``."""
    return Schema.from_dict(
        {key: fields.List(fields.Nested(item), required=True), "page": fields.Nested(PageSchema, required=True)},
        name=f"{item.__name__.removesuffix('Schema')}Page",
    )


@functools.cache
def list_schema(key: str, item: type[Schema]) -> type[Schema]:
    """A whole list: ``{key: [item...]}``."""
    return Schema.from_dict(
        {key: fields.List(fields.Nested(item), required=True)}, name=f"{item.__name__.removesuffix('Schema')}List"
    )


class OperationOutcomeSchema(Schema):
    """How the FHIR API (``/fhir/``) fails: a FHIR OperationOutcome (``application/fhir+json``)."""

    resourceType = fields.String(required=True, metadata={"example": "OperationOutcome"})  # noqa: N815 (FHIR's name)
    issue = fields.List(fields.Dict(), required=True)


class AnyObject(Schema):
    """A JSON object (its fields are not described in this document yet)."""

    class Meta:
        unknown = "include"


NOT_DOCUMENTED = {"/openapi.json", "/docs", "/<path:path>", "/", "/app/", "/app/<path:path>"}
ERRORS = {
    400: "Malformed body: not JSON, not an object, too deep, or a number or text JSON may not carry",
    401: "Missing, invalid or expired token; or wrong credentials",
    403: "The caller's role does not allow this",
    404: "No such record for this caller (other clinics' and clients' records look absent)",
    409: "Conflicts with the record's state",
    413: "Body too large",
    415: "The body's Content-Type is not one this operation reads",
    422: "Invalid input; `errors` names the fields",
    429: "Too many requests; see Retry-After",
    503: "A service is briefly unavailable; see Retry-After",
    504: "A service did not answer in time",
}
# Path variables by name: ids the services hand out are UUIDs; accounts have opaque identifiers.
_UUID = {"type": "string", "format": "uuid"}
PATH_VARIABLES: dict[str, dict[str, Any]] = {
    **dict.fromkeys(
        ("activity_id", "assignment_id", "flag_id", "recurrence_id", "pathway_id", "enrolment_id", "group_id"), _UUID
    ),
    "client_id": {"type": "string", "pattern": IDENTIFIER_PATTERN},
    "report": {"type": "string", "enum": list(CSV_REPORTS)},
}
HEADERS: dict[str, dict[str, Any]] = {
    "Idempotency-Key": {
        "type": "string",
        "maxLength": MAX_IDEMPOTENCY_KEY,
        # Empty is no key; HTTP drops the whitespace around a header's value.
        "pattern": f"^[ \\t]*({IDEMPOTENCY_KEY_PATTERN.pattern})?[ \\t]*$",
    },
    "X-Interlude-Session": {"type": "string", "enum": ["cookie"]},
}
# werkzeug rule variables: <name>, <int:name>, <any(a, b):name>
_PARAMETER = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


def http_routes(service: type) -> list[tuple[str, str, Any]]:
    """(method, URL rule, handler) of every HTTP entrypoint of the service class."""
    routes = []
    for _, member in inspect.getmembers(service):
        for entrypoint in getattr(member, "nameko_entrypoints", ()):
            if isinstance(entrypoint, HttpRequestHandler):
                routes.append((entrypoint.method, entrypoint.url, member))
    return sorted(routes, key=lambda route: (route[1], route[0]))


class _SchemaNames:
    """Names schemas in one document: the class name without "Schema", led by its module's where two share it."""

    def __init__(self) -> None:
        self.classes: dict[str, type] = {}

    def __call__(self, schema: Any) -> str:
        resolved = resolve_schema_cls(schema)
        schema_class = resolved[0] if isinstance(resolved, list) else resolved
        name = resolver(schema_class)
        if self.classes.setdefault(name, schema_class) is not schema_class:
            name = schema_class.__module__.rsplit(".", 1)[-1].capitalize() + name
            self.classes.setdefault(name, schema_class)
        return name


def path_of(rule: str) -> str:
    """The OpenAPI path of a werkzeug URL rule: ``/groups/<group_id>`` is ``/groups/{group_id}``."""
    return _PARAMETER.sub(r"{\3}", rule)


def build_spec(service: type) -> dict[str, Any]:
    spec = APISpec(
        title=TITLE,
        version=VERSION,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin(schema_name_resolver=_SchemaNames())],
        info={"description": "The HTTP JSON API of Interlude for web and mobile front ends."},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", schema=ProblemSchema)
    spec.components.schema("OperationOutcome", schema=OperationOutcomeSchema)
    documented = [route for route in http_routes(service) if route[1] not in NOT_DOCUMENTED]
    for method, rule, handler in documented:
        operation = _operation(method, rule, handler)
        links = _links(contract_of(handler), documented)
        if links:
            operation["responses"][str(contract_of(handler).status)]["links"] = links
        spec.path(path=path_of(rule), operations={method.lower(): operation})
    return spec.to_dict()


def _operation(method: str, rule: str, handler: Any) -> dict[str, Any]:
    contract = contract_of(handler)
    roles = roles_of(handler)
    doc = inspect.getdoc(handler) or handler.__name__.replace("_", " ").capitalize()
    summary, _, description = doc.partition("\n")
    operation: dict[str, Any] = {
        "operationId": handler.__name__,
        "summary": summary.strip(),
        "description": (description.strip() + "\n\n" if description.strip() else "")
        + (f"Roles: {', '.join(roles)}." if roles else "No token needed."),
        "parameters": _parameters(rule, contract),
        "responses": _responses(method, rule, contract, roles),
    }
    if roles:
        operation["security"] = [{"bearer": []}]
    request_body = _request_body(method, contract)
    if request_body:
        operation["requestBody"] = request_body
    return operation


def _request_body(method: str, contract: Contract) -> dict[str, Any] | None:
    schema = contract.body_schema(method)
    if schema is not None:
        content = {media_type: {"schema": schema} for media_type in contract.json_body}
        return {"required": contract.body is not None, "content": content}
    if method in BODY_METHODS and contract.uploads:
        binary = {"schema": {"type": "string", "format": "binary"}}
        return {"required": True, "content": {media_type: binary for media_type in contract.uploads}}
    return None


def _parameters(rule: str, contract: Contract) -> list[dict[str, Any]]:
    parameters = [
        {"in": "path", "name": name, "required": True, "schema": _path_schema(name, converter, arguments)}
        for converter, arguments, name in _PARAMETER.findall(rule)
    ]
    if contract.listed:
        parameters += [
            {"in": "query", "name": "limit", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}},
            {"in": "query", "name": "offset", "schema": {"type": "integer", "minimum": 0, "maximum": MAX_PAGE_OFFSET}},
        ]
    parameters += [
        {"in": "query", "name": name, "schema": schema}
        for name, schema in (
            entry if isinstance(entry, tuple) else (entry, {"type": "string"}) for entry in contract.query
        )
    ]
    parameters += [
        {"in": "header", "name": name, "required": name in contract.required_headers, "schema": HEADERS[name]}
        for name in contract.headers
    ]
    return parameters


def _path_schema(name: str, converter: str, arguments: str) -> dict[str, Any]:
    if name in PATH_VARIABLES:
        return PATH_VARIABLES[name]
    if converter == "int":
        return {"type": "integer"}
    if converter == "any":
        return {"type": "string", "enum": [value.strip() for value in arguments.split(",")]}
    # Not empty, one segment: what werkzeug's default converter matches.
    return {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}


def _responses(method: str, rule: str, contract: Contract, roles: tuple[str, ...]) -> dict[str, Any]:
    success: dict[str, Any] = {"description": "Success"}
    if contract.status != 204:
        schema: Any = contract.response or (AnyObject if contract.answers.endswith("json") else {"type": "string"})
        success["content"] = {contract.answers: {"schema": schema}}
    fhir = rule.startswith(FHIR_PREFIX)
    failure = (
        {FHIR_JSON: {"schema": "OperationOutcome"}} if fhir else {"application/problem+json": {"schema": "Problem"}}
    )
    statuses = {422, 429}
    if method in BODY_METHODS and (contract.json_body or contract.uploads):
        statuses |= {400, 413, 415}
    if roles:
        statuses |= {401, 403, 404, 409, 503, 504}
    statuses |= set(contract.errors)
    responses = {str(contract.status): success}
    responses.update({str(code): {"description": ERRORS[code], "content": failure} for code in sorted(statuses)})
    return responses


def _links(contract: Contract, routes: list[tuple[str, str, Any]]) -> dict[str, Any]:
    """From a create's answer to every operation on what it created (read, change, go on)."""
    if contract.creates is None:
        return {}
    links = {}
    for _, rule, handler in routes:
        # Only where the created id is all the path needs (besides a fixed choice such as an action).
        variables = {name: converter for converter, _, name in _PARAMETER.findall(rule)}
        others = {name for name, converter in variables.items() if converter != "any"} - {contract.creates}
        if contract.creates in variables and not others:
            links[handler.__name__] = {
                "operationId": handler.__name__,
                "parameters": {contract.creates: f"$response.body#/{contract.creates}"},
            }
    return links


DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Interlude API</title>
<link rel="stylesheet" href="https://unpkg.com/swagger-ui-dist@5/swagger-ui.css"></head>
<body><div id="docs"><p>The API document is at <a href="/openapi.json">/openapi.json</a>.</p></div>
<script src="https://unpkg.com/swagger-ui-dist@5/swagger-ui-bundle.js" crossorigin></script>
<script>window.onload = () => SwaggerUIBundle({url: "/openapi.json", dom_id: "#docs"});</script>
</body></html>
"""
