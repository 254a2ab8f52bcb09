"""The activity builder beyond drafts: the shared library, versions, archive, FHIR, media, client rendering."""

from typing import Any

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from interlude_contracts.activity import pages_of
from interlude_contracts.fhir import to_questionnaire, to_questionnaire_response

from ..auth import CLIENT, THERAPIST, Caller
from ..media import CONTENT_TYPES, MAX_MEDIA_BYTES
from ..scoping import require_assignment
from ..web import HttpProblem, endpoint, json_response, parse_json

QUESTIONNAIRE_URL = "urn:interlude:activity:{activity_id}"


class LibraryRoutes:
    # -- the shared library ---------------------------------------------------

    @http("GET", "/library")
    @endpoint(THERAPIST)
    def browse_library(self, request: Request, caller: Caller, **_: Any) -> Response:
        return json_response({"entries": self.activities.browse_library(request.args.get("tag"))})

    @http("GET", "/library/<slug>")
    @endpoint(THERAPIST)
    def library_entry(self, request: Request, caller: Caller, slug: str, **_: Any) -> Response:
        return json_response(self.activities.get_library_entry(slug))

    @http("POST", "/library/<slug>/copy")
    @endpoint(THERAPIST)
    def copy_library_entry(
        self, request: Request, caller: Caller, correlation_id: str, slug: str, **_: Any
    ) -> Response:
        activity = self.activities.copy_from_library(caller.clinic_id, caller.subject, slug, correlation_id)
        return json_response(activity, 201)

    # -- versions and archive -------------------------------------------------

    @http("GET", "/activities/<activity_id>/versions")
    @endpoint(THERAPIST)
    def list_versions(self, request: Request, caller: Caller, activity_id: str, **_: Any) -> Response:
        return json_response({"versions": self.activities.list_versions(caller.clinic_id, activity_id)})

    @http("POST", "/activities/<activity_id>/archive")
    @endpoint(THERAPIST)
    def archive(self, request: Request, caller: Caller, correlation_id: str, activity_id: str, **_: Any) -> Response:
        return json_response(
            self.activities.set_archived(caller.clinic_id, activity_id, True, caller.subject, correlation_id)
        )

    @http("POST", "/activities/<activity_id>/restore")
    @endpoint(THERAPIST)
    def restore(self, request: Request, caller: Caller, correlation_id: str, activity_id: str, **_: Any) -> Response:
        return json_response(
            self.activities.set_archived(caller.clinic_id, activity_id, False, caller.subject, correlation_id)
        )

    @http("GET", "/activities/archived")
    @endpoint(THERAPIST)
    def archived_activities(self, request: Request, caller: Caller, **_: Any) -> Response:
        everything = self.activities.list_activities(caller.clinic_id, True)
        return json_response({"activities": [a for a in everything if a["archived"]]})

    # -- FHIR R4 --------------------------------------------------------------

    @http("POST", "/activities/fhir")
    @endpoint(THERAPIST)
    def import_questionnaire(self, request: Request, caller: Caller, correlation_id: str, **_: Any) -> Response:
        questionnaire = parse_json(request)
        imported = self.activities.import_questionnaire(caller.clinic_id, caller.subject, questionnaire, correlation_id)
        return json_response(imported, 201)

    @http("GET", "/activities/<activity_id>/fhir")
    @endpoint(THERAPIST)
    def export_draft(self, request: Request, caller: Caller, activity_id: str, **_: Any) -> Response:
        activity = self.activities.get_activity(caller.clinic_id, activity_id)
        return _fhir_json(to_questionnaire(activity["draft"], QUESTIONNAIRE_URL.format(activity_id=activity_id)))

    @http("GET", "/activities/<activity_id>/versions/<int:version>/fhir")
    @endpoint(THERAPIST)
    def export_version(self, request: Request, caller: Caller, activity_id: str, version: int, **_: Any) -> Response:
        published = self.activities.get_version(caller.clinic_id, activity_id, version)
        return _fhir_json(to_questionnaire(published, QUESTIONNAIRE_URL.format(activity_id=activity_id)))

    @http("GET", "/assignments/<assignment_id>/fhir")
    @endpoint(THERAPIST, CLIENT)
    def export_response(self, request: Request, caller: Caller, assignment_id: str, **_: Any) -> Response:
        assignment = require_assignment(self, caller, assignment_id)
        if assignment["status"] != "submitted":
            raise HttpProblem(
                409, "conflict", "No response has been submitted yet.", {"assignment_id": ["Not answered."]}
            )
        url = QUESTIONNAIRE_URL.format(activity_id=assignment["activity_id"])
        return _fhir_json(to_questionnaire_response(assignment, url))

    # -- rendering for clients ------------------------------------------------

    @http("GET", "/assignments/<assignment_id>/render")
    @endpoint(THERAPIST, CLIENT)
    def render_assignment(self, request: Request, caller: Caller, assignment_id: str, **_: Any) -> Response:
        """The personalised activity as a front end shows it: pages of items with choices, rules and media URLs."""
        assignment = require_assignment(self, caller, assignment_id)
        return json_response(render(assignment, request.host_url.rstrip("/")))

    # -- media ----------------------------------------------------------------

    @http("POST", "/media")
    @endpoint(THERAPIST)
    def upload_media(self, request: Request, caller: Caller, **_: Any) -> Response:
        content_type = (request.mimetype or "").lower()
        if content_type not in CONTENT_TYPES:
            allowed = sorted(CONTENT_TYPES)
            raise HttpProblem(415, "unsupported_media_type", "Not a supported media type.", {"Content-Type": allowed})
        if request.content_length and request.content_length > MAX_MEDIA_BYTES:
            raise HttpProblem(413, "body_too_large", f"Media files are limited to {MAX_MEDIA_BYTES} bytes.")
        content = request.get_data()
        if not content:
            raise HttpProblem(422, "validation_failed", "The upload is empty.", {"_body": ["Empty."]})
        stored = self.media.put(content, content_type)
        stored["absolute_url"] = request.host_url.rstrip("/") + stored["url"]
        return json_response(stored, 201)

    @http("GET", "/media/<name>")
    @endpoint(THERAPIST, CLIENT)
    def get_media(self, request: Request, caller: Caller, name: str, **_: Any) -> Response:
        found = self.media.get(name)
        if found is None:
            raise HttpProblem(404, "not_found", "No such media file.", {"name": ["Not found."]})
        content, content_type = found
        return Response(content, mimetype=content_type, headers={"Cache-Control": "private, max-age=86400"})


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
