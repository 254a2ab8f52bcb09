"""The activity builder beyond drafts: the shared library, versions, archive, FHIR, media, client rendering."""

from typing import Any

from werkzeug.wrappers import Request, Response

from interlude_contracts.activity import pages_of
from interlude_contracts.api import QuestionnaireImportRequest

from ..auth import CLIENT, THERAPIST, Caller
from ..clients import ActivitiesClient, AssignmentsClient
from ..media import CONTENT_TYPES, MAX_MEDIA_BYTES, MediaStore, matches_declared_type
from ..routing import RouteTable
from ..scoping import require_assignment
from ..web import FHIR_JSON, FHIR_JSON_TYPES, HttpProblem, checked_body, json_response

routes = RouteTable()

# -- the shared library ---------------------------------------------------


@routes.http("GET", "/library", THERAPIST)
def browse_library(request: Request, activities: ActivitiesClient) -> Response:
    return json_response({"entries": activities.browse_library(request.args.get("tag"))})


@routes.http("GET", "/library/<slug>", THERAPIST)
def library_entry(slug: str, activities: ActivitiesClient) -> Response:
    return json_response(activities.get_library_entry(slug))


@routes.http("POST", "/library/<slug>/copy", THERAPIST, status=201, creates="activity_id")
def copy_library_entry(caller: Caller, correlation_id: str, slug: str, activities: ActivitiesClient) -> Response:
    activity = activities.copy_from_library(caller.clinic_id, caller.subject, slug, correlation_id)
    return json_response(activity, 201)


# -- versions and archive -------------------------------------------------


@routes.http("GET", "/activities/<activity_id>/versions", THERAPIST)
def list_versions(caller: Caller, activity_id: str, activities: ActivitiesClient) -> Response:
    return json_response({"versions": activities.list_versions(caller.clinic_id, activity_id)})


@routes.http("POST", "/activities/<activity_id>/archive", THERAPIST)
def archive(caller: Caller, correlation_id: str, activity_id: str, activities: ActivitiesClient) -> Response:
    return json_response(activities.set_archived(caller.clinic_id, activity_id, True, caller.subject, correlation_id))


@routes.http("POST", "/activities/<activity_id>/restore", THERAPIST)
def restore(caller: Caller, correlation_id: str, activity_id: str, activities: ActivitiesClient) -> Response:
    return json_response(activities.set_archived(caller.clinic_id, activity_id, False, caller.subject, correlation_id))


@routes.http("GET", "/activities/archived", THERAPIST)
def archived_activities(caller: Caller, activities: ActivitiesClient) -> Response:
    everything = activities.list_activities_with_archived(caller.clinic_id)
    return json_response({"activities": [a for a in everything if a["archived"]]})


# -- FHIR R4 --------------------------------------------------------------


@routes.http(
    "POST",
    "/activities/fhir",
    THERAPIST,
    body=QuestionnaireImportRequest,
    json_body=FHIR_JSON_TYPES,
    status=201,
)
def import_questionnaire(
    request: Request, caller: Caller, correlation_id: str, activities: ActivitiesClient
) -> Response:
    questionnaire = checked_body(request)
    imported = activities.import_questionnaire(caller.clinic_id, caller.subject, questionnaire, correlation_id)
    return json_response(imported, 201)


@routes.http("GET", "/activities/<activity_id>/fhir", THERAPIST, answers=FHIR_JSON)
def export_draft(caller: Caller, activity_id: str, activities: ActivitiesClient) -> Response:
    return _fhir_json(activities.draft_questionnaire(caller.clinic_id, activity_id))


@routes.http("GET", "/activities/<activity_id>/versions/<int:version>/fhir", THERAPIST, answers=FHIR_JSON)
def export_version(caller: Caller, activity_id: str, version: int, activities: ActivitiesClient) -> Response:
    return _fhir_json(activities.version_questionnaire(caller.clinic_id, activity_id, version))


@routes.http("GET", "/assignments/<assignment_id>/fhir", THERAPIST, CLIENT, answers=FHIR_JSON)
def export_response(
    caller: Caller, assignment_id: str, assignments: AssignmentsClient, activities: ActivitiesClient
) -> Response:
    assignment = require_assignment(assignments, caller, assignment_id)
    if assignment["status"] != "submitted":
        raise HttpProblem(409, "conflict", "No response has been submitted yet.", {"assignment_id": ["Not answered."]})
    return _fhir_json(activities.questionnaire_response(assignment))


# -- rendering for clients ------------------------------------------------


@routes.http("GET", "/assignments/<assignment_id>/render", THERAPIST, CLIENT)
def render_assignment(request: Request, caller: Caller, assignment_id: str, assignments: AssignmentsClient) -> Response:
    """The personalised activity as a front end shows it: pages of items with choices, rules and media URLs."""
    assignment = require_assignment(assignments, caller, assignment_id)
    return json_response(render(assignment, request.host_url.rstrip("/")))


# -- media ----------------------------------------------------------------


@routes.http("POST", "/media", THERAPIST, json_body=(), uploads=tuple(sorted(CONTENT_TYPES)), status=201)
def upload_media(request: Request, caller: Caller, media: MediaStore) -> Response:
    content_type = (request.mimetype or "").lower()
    if content_type not in CONTENT_TYPES:
        allowed = sorted(CONTENT_TYPES)
        raise HttpProblem(415, "unsupported_media_type", "Not a supported media type.", {"Content-Type": allowed})
    if request.content_length and request.content_length > MAX_MEDIA_BYTES:
        raise HttpProblem(413, "body_too_large", f"Media files are limited to {MAX_MEDIA_BYTES} bytes.")
    content = request.get_data()
    if not content:
        raise HttpProblem(422, "validation_failed", "The upload is empty.", {"_body": ["Empty."]})
    if not matches_declared_type(content, content_type):
        raise HttpProblem(
            415,
            "unsupported_media_type",
            f"The file's content is not {content_type}.",
            {"Content-Type": [f"The bytes uploaded do not begin as {content_type} does."]},
        )
    stored = media.put(caller.clinic_id, content, content_type)
    stored["absolute_url"] = request.host_url.rstrip("/") + stored["url"]
    return json_response(stored, 201)


@routes.http("GET", "/media/<name>", THERAPIST, CLIENT, answers="image/*")
def get_media(caller: Caller, name: str, media: MediaStore) -> Response:
    found = media.get(caller.clinic_id, name)
    if found is None:  # another clinic's file too: a 404, so its name tells nothing
        raise HttpProblem(404, "not_found", "No such media file.", {"name": ["Not found."]})
    content, content_type = found
    headers = {"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"}
    return Response(content, mimetype=content_type, headers=headers)


def render(assignment: dict[str, Any], base_url: str) -> dict[str, Any]:
    by_id = {item["id"]: item for item in assignment["items"]}
    pages = [
        {
            "id": page["id"],
            "title": page.get("title"),
            "show_if": page.get("show_if"),
            "items": [_rendered_item(by_id[item_id], base_url) for item_id in page["item_ids"]],
        }
        for page in pages_of(assignment)
    ]
    return {
        "assignment_id": assignment["assignment_id"],
        "activity_id": assignment["activity_id"],
        "activity_version": assignment["activity_version"],
        "title": assignment["title"],
        "instructions": assignment["instructions"],
        "measure": assignment.get("measure"),
        "status": assignment["status"],
        "due_at": assignment["due_at"],
        "pages": pages,
        "answers": assignment["answers"],
        "submit_url": f"{base_url}/assignments/{assignment['assignment_id']}/responses",
    }


def _rendered_item(item: dict[str, Any], base_url: str) -> dict[str, Any]:
    rendered = {**item, "answerable": item["type"] not in ("heading", "display_text", "media")}
    if "media" in item:
        url = item["media"]["url"]
        rendered["media"] = {**item["media"], "url": base_url + url if url.startswith("/media/") else url}
    if "options" in item:
        # Scores stay with the therapist: a client choosing sees labels, not points.
        rendered["options"] = [{"value": o["value"], "label": o["label"]} for o in item["options"]]
    return rendered


def _fhir_json(resource: dict[str, Any]) -> Response:
    response = json_response(resource)
    response.headers["Content-Type"] = "application/fhir+json"
    return response
