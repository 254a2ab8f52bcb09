"""A read-only FHIR R4 API for integrators: Questionnaires and QuestionnaireResponses.

The same tokens, roles and scoping as the rest of the API: a therapist reads the clinic's
Questionnaires and the responses of their own clients' assignments they made, a clinic admin
the clinic's, a client only their own responses. Searches answer ``searchset`` Bundles, paged by
``_count`` and ``_offset``; errors are OperationOutcomes (``web.operation_outcome``). The
resources themselves are the activities service's FHIR mapping, as the export routes give them.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from interlude_contracts.identity import DEFAULT_PAGE_SIZE, MAX_PAGE_OFFSET, MAX_PAGE_SIZE

from ..auth import CLIENT, CLINIC_ADMIN, THERAPIST, Caller
from ..clients import ActivitiesClient, AssignmentsClient, IdentityClient, Record
from ..routing import RouteTable
from ..scoping import audit, require_assignment, require_client, therapist_scope
from ..web import FHIR_JSON, HttpProblem, json_response

routes = RouteTable()

FHIR_VERSION = "4.0.1"
CAPABILITY_DATE = "2026-01-01"
QUESTIONNAIRE_STATUSES = ("draft", "active", "retired")
DATE_PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le")
PAGING = (
    ("_count", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}),
    ("_offset", {"type": "integer", "minimum": 0, "maximum": MAX_PAGE_OFFSET}),
)
CLIENT_ONLY_FIELDS = ("scores", "risk_flags")  # the therapist's to discuss, as in the client's own views


@routes.http("GET", "/fhir/metadata", answers=FHIR_JSON)
def fhir_metadata(request: Request) -> Response:
    """The CapabilityStatement: what this FHIR server reads and searches (no token needed)."""
    return _fhir(capability_statement(request.host_url.rstrip("/") + "/fhir"))


@routes.http("GET", "/fhir/Questionnaire/<activity_id>", THERAPIST, answers=FHIR_JSON)
def fhir_read_questionnaire(caller: Caller, activity_id: str, activities: ActivitiesClient) -> Response:
    """One of the clinic's activities as a Questionnaire: its latest version, or its draft before the first."""
    return _fhir(activities.fhir_questionnaire(caller.clinic_id, activity_id))


@routes.http(
    "GET",
    "/fhir/Questionnaire",
    THERAPIST,
    answers=FHIR_JSON,
    query=("url", "title", ("status", {"type": "string", "enum": list(QUESTIONNAIRE_STATUSES)}), *PAGING),
    errors=(400,),
)
def fhir_search_questionnaires(request: Request, caller: Caller, activities: ActivitiesClient) -> Response:
    """The clinic's Questionnaires by ``url``, ``title`` (starts with) and ``status`` (draft, active, retired)."""
    status = request.args.get("status")
    if status is not None and status not in QUESTIONNAIRE_STATUSES:
        raise HttpProblem(400, "invalid_search", "Unknown status.", {"status": list(QUESTIONNAIRE_STATUSES)})
    found = activities.search_questionnaires(
        caller.clinic_id, request.args.get("url"), request.args.get("title"), status
    )
    return _fhir(searchset(request, "Questionnaire", found))


@routes.http("GET", "/fhir/QuestionnaireResponse/<assignment_id>", THERAPIST, CLINIC_ADMIN, CLIENT, answers=FHIR_JSON)
def fhir_read_response(
    request: Request,
    caller: Caller,
    correlation_id: str,
    assignment_id: str,
    assignments: AssignmentsClient,
    activities: ActivitiesClient,
    identity: IdentityClient,
) -> Response:
    """A submitted assignment's QuestionnaireResponse (its id is the assignment's)."""
    assignment = require_assignment(assignments, caller, assignment_id)
    if assignment["status"] != "submitted":
        raise HttpProblem(404, "not_found", "No response has been submitted yet.", {"id": ["Not answered."]})
    audit(identity, caller, request, correlation_id, "read", assignment["client_id"])
    return _fhir(activities.questionnaire_response(_as_seen_by(caller, assignment)))


@routes.http(
    "GET",
    "/fhir/QuestionnaireResponse",
    THERAPIST,
    CLINIC_ADMIN,
    CLIENT,
    answers=FHIR_JSON,
    query=("subject", "patient", "questionnaire", "authored", *PAGING),
    errors=(400,),
)
def fhir_search_responses(
    request: Request,
    caller: Caller,
    correlation_id: str,
    assignments: AssignmentsClient,
    activities: ActivitiesClient,
    identity: IdentityClient,
) -> Response:
    """A client's QuestionnaireResponses, newest first, by ``subject`` (``Patient/{client_id}``; a client's
    own by default), ``questionnaire`` (canonical ``url`` or ``url|version``) and ``authored`` (dates with
    the prefixes eq, ne, gt, lt, ge, le; repeated for a range)."""
    client_id = _subject(request, caller)
    require_client(identity, caller, client_id)
    authored = [_date_test(value) for value in request.args.getlist("authored")]
    listed = assignments.list_for_client(caller.clinic_id, client_id, therapist_id=therapist_scope(caller))
    submitted = [
        _as_seen_by(caller, a)
        for a in listed
        if a["status"] == "submitted" and all(test(a["submitted_at"]) for test in authored)
    ]
    submitted.sort(key=lambda a: a["submitted_at"] or "", reverse=True)
    responses = activities.questionnaire_responses(submitted) if submitted else []
    wanted = request.args.get("questionnaire")
    if wanted is not None:
        responses = [r for r in responses if _names_questionnaire(r, wanted, submitted)]
    audit(identity, caller, request, correlation_id, "read", client_id)
    return _fhir(searchset(request, "QuestionnaireResponse", responses))


# -- resources ------------------------------------------------------------


def capability_statement(base_url: str) -> dict[str, Any]:
    read_and_search = [{"code": "read"}, {"code": "search-type"}]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": CAPABILITY_DATE,
        "kind": "instance",
        "software": {"name": "Interlude"},
        "implementation": {"description": "Interlude's read-only FHIR R4 API", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "security": {"description": "A bearer token from /auth/token; the same roles and scoping as the API."},
                "resource": [
                    {
                        "type": "Questionnaire",
                        "interaction": read_and_search,
                        "searchParam": [
                            {"name": "url", "type": "uri"},
                            {"name": "title", "type": "string"},
                            {"name": "status", "type": "token"},
                        ],
                    },
                    {
                        "type": "QuestionnaireResponse",
                        "interaction": read_and_search,
                        "searchParam": [
                            {"name": "subject", "type": "reference"},
                            {"name": "patient", "type": "reference"},
                            {"name": "questionnaire", "type": "reference"},
                            {"name": "authored", "type": "date"},
                        ],
                    },
                ],
            }
        ],
    }


def searchset(request: Request, resource_type: str, resources: list[Record]) -> dict[str, Any]:
    """One page (``_count``, ``_offset``) of the matches as a searchset Bundle with self/next/previous links."""
    count = _bounded(request, "_count", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    offset = _bounded(request, "_offset", 0, 0, MAX_PAGE_OFFSET)
    base = request.host_url.rstrip("/") + "/fhir"
    links = [_link(request, "self", offset, count)]
    if offset + count < len(resources):
        links.append(_link(request, "next", offset + count, count))
    if offset:
        links.append(_link(request, "previous", max(0, offset - count), count))
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "link": links,
        "entry": [
            {"fullUrl": f"{base}/{resource_type}/{r['id']}", "resource": r, "search": {"mode": "match"}}
            for r in resources[offset : offset + count]
        ],
    }


def _link(request: Request, relation: str, offset: int, count: int) -> dict[str, str]:
    query = [(k, v) for k, v in request.args.items(multi=True) if k not in ("_count", "_offset")]
    query += [("_count", str(count)), ("_offset", str(offset))]
    return {"relation": relation, "url": f"{request.base_url}?{urlencode(query)}"}


def _bounded(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, str(default))
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise HttpProblem(400, "invalid_search", f"{name} must be a whole number from {low} to {high}.", {name: [raw]})
    return int(raw)


def _fhir(resource: dict[str, Any]) -> Response:
    response = json_response(resource)
    response.headers["Content-Type"] = FHIR_JSON
    return response


# -- scoping and search parameters ----------------------------------------


def _subject(request: Request, caller: Caller) -> str:
    """The client a search is about: ``subject`` or ``patient`` (``Patient/{id}`` or the id); a client's own."""
    named = request.args.get("subject") or request.args.get("patient")
    if named is None:
        if caller.role == CLIENT:
            return caller.subject
        raise HttpProblem(400, "invalid_search", "Name the client: subject=Patient/{client_id}.", {"subject": []})
    return named.removeprefix("Patient/")


def _as_seen_by(caller: Caller, assignment: Record) -> Record:
    if caller.role != CLIENT:
        return assignment
    return {key: value for key, value in assignment.items() if key not in CLIENT_ONLY_FIELDS}


def _names_questionnaire(response: Record, wanted: str, submitted: list[Record]) -> bool:
    """``questionnaire=`` matches the canonical url, ``url|version``, or ``Questionnaire/{activity_id}``."""
    canonical = response["questionnaire"]
    if wanted in (canonical, canonical.split("|", 1)[0]):
        return True
    activity_id = next((a["activity_id"] for a in submitted if str(a["assignment_id"]) == response["id"]), None)
    return wanted == f"Questionnaire/{activity_id}"


def _date_test(value: str) -> Callable[[str | None], bool]:
    """An ``authored`` parameter as a test of a submission time: prefix and date (year to seconds)."""
    prefix, text = (value[:2], value[2:]) if value[:2] in DATE_PREFIXES else ("eq", value)
    start, end = _date_range(text)

    def holds(submitted_at: str | None) -> bool:
        if not submitted_at:
            return False
        moment = _aware(datetime.fromisoformat(submitted_at))
        return {
            "eq": start <= moment < end,
            "ne": not start <= moment < end,
            "gt": moment >= end,
            "ge": moment >= start,
            "lt": moment < start,
            "le": moment < end,
        }[prefix]

    return holds


def _date_range(text: str) -> tuple[datetime, datetime]:
    """The instants a FHIR date of some precision covers: [start, end)."""
    try:
        if len(text) == 4:
            start = datetime(int(text), 1, 1, tzinfo=UTC)
            return start, start.replace(year=start.year + 1)
        if len(text) == 7:
            start = datetime(int(text[:4]), int(text[5:7]), 1, tzinfo=UTC)
            following = (
                start.replace(year=start.year + 1, month=1)
                if start.month == 12
                else start.replace(month=start.month + 1)
            )
            return start, following
        if len(text) == 10:
            start = datetime.fromisoformat(text).replace(tzinfo=UTC)
            return start, start + timedelta(days=1)
        moment = _aware(datetime.fromisoformat(text.replace("Z", "+00:00")))
        return moment, moment + timedelta(seconds=1)
    except ValueError:
        raise HttpProblem(400, "invalid_search", "authored is not a FHIR date.", {"authored": [text]}) from None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
