"""Analytics: timelines, adherence, progress and charts, the caseload, clinic usage, CSV export, risk flags.

Therapists and analysts read the reports of their own clinic; only therapists
see their caseload and alerts and acknowledge risk flags.
"""

import csv
import io
import logging
import os
from collections.abc import Iterator
from typing import Any

from nameko.web.handlers import http
from werkzeug.wrappers import Request, Response

from interlude_contracts.analytics import AcknowledgeRiskFlagRequest

from ..auth import ANALYST, THERAPIST, Caller
from ..charts import render_score_chart
from ..scoping import require_assignment, require_client
from ..web import endpoint, json_body, json_response

log = logging.getLogger(__name__)

READERS = (THERAPIST, ANALYST)
# Rows per RPC page while streaming a CSV export.
CSV_PAGE_SIZE = int(os.environ.get("GATEWAY_CSV_PAGE_SIZE", "1000"))
CSV_FILTERS = ("client_id", "assignment_id", "measure", "therapist_id")
# A spreadsheet runs a cell that starts like a formula: such text is quoted (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class AnalyticsRoutes:
    @http("GET", "/assignments/<assignment_id>/timeline")
    @endpoint(*READERS)
    def assignment_timeline(self, request: Request, caller: Caller, assignment_id: str, **_: Any) -> Response:
        require_assignment(self, caller, assignment_id)
        return json_response(self.reporting.assignment_timeline(caller.clinic_id, assignment_id))

    @http("GET", "/clients/<client_id>/adherence")
    @endpoint(*READERS)
    def client_adherence(self, request: Request, caller: Caller, client_id: str, **_: Any) -> Response:
        require_client(self, caller, client_id)
        return json_response(self.reporting.client_adherence(caller.clinic_id, client_id))

    @http("GET", "/clients/<client_id>/progress")
    @endpoint(*READERS)
    def client_progress(self, request: Request, caller: Caller, client_id: str, **_: Any) -> Response:
        require_client(self, caller, client_id)
        return json_response(self.reporting.client_progress(caller.clinic_id, client_id))

    @http("GET", "/clients/<client_id>/risk-flags")
    @endpoint(*READERS)
    def client_risk_flags(self, request: Request, caller: Caller, client_id: str, **_: Any) -> Response:
        require_client(self, caller, client_id)
        return json_response({"risk_flags": self.reporting.client_risk_flags(caller.clinic_id, client_id)})

    @http("GET", "/clients/<client_id>/measures/<measure>/chart.svg")
    @endpoint(*READERS)
    def score_chart(self, request: Request, caller: Caller, client_id: str, measure: str, **_: Any) -> Response:
        require_client(self, caller, client_id)
        progress = self.reporting.measure_progress(caller.clinic_id, client_id, measure)
        svg = render_score_chart(client_id, measure, progress["norms"], progress["series"])
        return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "private, no-store"})

    @http("GET", "/me/caseload")
    @endpoint(THERAPIST)
    def my_caseload(self, request: Request, caller: Caller, **_: Any) -> Response:
        return json_response({"clients": self.reporting.caseload(caller.clinic_id, caller.subject)})

    @http("GET", "/clinic/usage")
    @endpoint(*READERS)
    def clinic_usage(self, request: Request, caller: Caller, **_: Any) -> Response:
        return json_response(self.reporting.clinic_usage(caller.clinic_id))

    @http("GET", "/reports/<report>.csv")
    @endpoint(*READERS)
    def export_csv(self, request: Request, caller: Caller, report: str, **_: Any) -> Response:
        filters = {key: request.args[key] for key in CSV_FILTERS if request.args.get(key)}
        if caller.role == THERAPIST:
            filters["therapist_id"] = caller.subject  # a therapist exports their own caseload
        first = self.reporting.export_page(caller.clinic_id, report, filters, 0, CSV_PAGE_SIZE)
        rows = csv_lines(
            first, lambda offset: self.reporting.export_page(caller.clinic_id, report, filters, offset, CSV_PAGE_SIZE)
        )
        return Response(
            rows,
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{report}.csv"', "Cache-Control": "no-store"},
            direct_passthrough=True,
        )

    @http("POST", "/assignments/<assignment_id>/risk-flags/<flag_id>/acknowledge")
    @endpoint(THERAPIST)
    def acknowledge_risk_flag(
        self, request: Request, caller: Caller, correlation_id: str, assignment_id: str, flag_id: str, **_: Any
    ) -> Response:
        body = json_body(request, AcknowledgeRiskFlagRequest())
        require_assignment(self, caller, assignment_id)
        acknowledgement = self.assignments.acknowledge_risk_flag(
            caller.clinic_id, caller.subject, assignment_id, flag_id, body, correlation_id
        )
        return json_response(acknowledgement, 201)

    @http("GET", "/me/alerts")
    @endpoint(THERAPIST)
    def my_alerts(self, request: Request, caller: Caller, **_: Any) -> Response:
        return json_response({"alerts": self.notifications.list_for_therapist(caller.clinic_id, caller.subject)})


def csv_lines(first: dict[str, Any], next_page: Any) -> Iterator[bytes]:
    """The report as CSV, one encoded line at a time; later pages are fetched as the client reads."""
    yield _line(first["columns"])
    page = first
    while True:
        for row in page["rows"]:
            yield _line([_cell(value) for value in row])
        if page["next_offset"] is None:
            return
        try:
            page = next_page(page["next_offset"])
        except Exception:
            # The status line is gone already: abort the transfer so the download fails visibly, not truncated.
            log.exception("CSV export failed after offset %s", page["next_offset"])
            raise


def _line(values: list[Any]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue().encode()


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
