"""Analytics: timelines, adherence, progress and charts, the caseload, clinic usage, CSV export, risk flags.

Therapists and analysts read the reports of their own clinic; only therapists
see their caseload and alerts and acknowledge risk flags.
"""

import logging
import os
from collections.abc import Callable, Iterator

import eventlet
from werkzeug.wrappers import Request, Response

from interlude_contracts.analytics import (
    AcknowledgementSchema,
    AcknowledgeRiskFlagRequest,
    AdherenceSchema,
    CaseloadEntrySchema,
    ClientProgressSchema,
    ClinicUsageSchema,
    RiskFlagSchema,
    TherapistAlertSchema,
    TimelineSchema,
)
from interlude_contracts.spreadsheet import csv_text

from ..auth import ANALYST, THERAPIST, Caller
from ..charts import render_score_chart
from ..clients import (
    ActivitiesClient,
    AssignmentsClient,
    IdentityClient,
    NotificationsClient,
    Record,
    ReportingClient,
)
from ..openapi import list_schema
from ..routing import RouteTable
from ..scoping import for_reader, require_assignment, require_read_client
from ..web import checked_body, json_response

log = logging.getLogger(__name__)

READERS = (THERAPIST, ANALYST)
# Rows per RPC page while streaming a CSV export.
CSV_PAGE_SIZE = int(os.environ.get("GATEWAY_CSV_PAGE_SIZE", "1000"))
CSV_FILTERS = ("client_id", "assignment_id", "measure", "therapist_id")


routes = RouteTable()


@routes.http("GET", "/assignments/<assignment_id>/timeline", *READERS, response=TimelineSchema)
def assignment_timeline(
    caller: Caller, assignment_id: str, assignments: AssignmentsClient, reporting: ReportingClient
) -> Response:
    require_assignment(assignments, caller, assignment_id)
    return json_response(for_reader(reporting, caller, reporting.assignment_timeline(caller.clinic_id, assignment_id)))


@routes.http("GET", "/clients/<client_id>/adherence", *READERS, response=AdherenceSchema)
def client_adherence(caller: Caller, client_id: str, identity: IdentityClient, reporting: ReportingClient) -> Response:
    client_id = require_read_client(identity, reporting, caller, client_id)
    return json_response(for_reader(reporting, caller, reporting.client_adherence(caller.clinic_id, client_id)))


@routes.http("GET", "/clients/<client_id>/progress", *READERS, response=ClientProgressSchema)
def client_progress(caller: Caller, client_id: str, identity: IdentityClient, reporting: ReportingClient) -> Response:
    client_id = require_read_client(identity, reporting, caller, client_id)
    return json_response(for_reader(reporting, caller, reporting.client_progress(caller.clinic_id, client_id)))


@routes.http("GET", "/clients/<client_id>/risk-flags", *READERS, response=list_schema("risk_flags", RiskFlagSchema))
def client_risk_flags(caller: Caller, client_id: str, identity: IdentityClient, reporting: ReportingClient) -> Response:
    client_id = require_read_client(identity, reporting, caller, client_id)
    flags = reporting.client_risk_flags(caller.clinic_id, client_id)
    return json_response({"risk_flags": for_reader(reporting, caller, flags)})


def scored_activity_norms(
    clinic_id: str, series: list[Record], assignments: AssignmentsClient, activities: ActivitiesClient
) -> Record | None:
    """The bands and cutoff of the activity version that gave the latest score, for a measure not in the library.

    A therapist's own measure has its bands in its activity's scoring only (reporting's norms are the
    library's); its direction is unknown, so the bands are drawn as a symptom measure's (higher worse).
    """
    if not series:
        return None
    assignment = assignments.get_assignment_in_scope(clinic_id, str(series[-1]["assignment_id"]), {})
    version = activities.get_version(clinic_id, assignment["activity_id"], assignment["activity_version"])
    total = (version.get("scoring") or {}).get("total") or {}
    rising = sorted(total.get("bands") or [], key=lambda band: band["min"])
    bands = [{"lower": b["min"], "upper": b["max"], "label": b["label"]} for b in rising]
    if not bands:
        return None
    values = [point["value"] for point in series]
    return {
        "minimum": min(bands[0]["lower"], *values),
        "maximum": max(bands[-1]["upper"], *values),
        "lower_is_better": True,
        "cutoff": total.get("cutoff"),
        "bands": bands,
    }


@routes.http("GET", "/clients/<client_id>/measures/<measure>/chart.svg", *READERS, answers="image/svg+xml")
def score_chart(
    caller: Caller,
    client_id: str,
    measure: str,
    identity: IdentityClient,
    reporting: ReportingClient,
    assignments: AssignmentsClient,
    activities: ActivitiesClient,
) -> Response:
    shown = client_id
    client_id = require_read_client(identity, reporting, caller, client_id)
    progress = reporting.measure_progress(caller.clinic_id, client_id, measure)
    norms = progress["norms"] or scored_activity_norms(caller.clinic_id, progress["series"], assignments, activities)
    svg = render_score_chart(shown, measure, norms, progress["series"])
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "private, no-store"})


@routes.http("GET", "/me/caseload", THERAPIST, response=list_schema("clients", CaseloadEntrySchema))
def my_caseload(caller: Caller, reporting: ReportingClient) -> Response:
    return json_response({"clients": reporting.caseload(caller.clinic_id, caller.subject)})


@routes.http("GET", "/clinic/usage", *READERS, response=ClinicUsageSchema)
def clinic_usage(caller: Caller, reporting: ReportingClient) -> Response:
    return json_response(for_reader(reporting, caller, reporting.clinic_usage(caller.clinic_id)))


@routes.http("GET", "/reports/<report>.csv", *READERS, answers="text/csv", query=CSV_FILTERS)
def export_csv(request: Request, caller: Caller, report: str, reporting: ReportingClient) -> Response:
    filters = {key: request.args[key] for key in CSV_FILTERS if request.args.get(key)}
    if caller.role == THERAPIST:
        filters["therapist_id"] = caller.subject  # a therapist exports their own caseload
    if caller.role == ANALYST and "client_id" in filters:
        filters["client_id"] = reporting.client_of_pseudonym(caller.clinic_id, filters["client_id"])

    def page(offset: int | str) -> Record:
        # An analyst's pages name clients by pseudonym only (reporting reads them with the rows).
        pseudonymised = caller.role == ANALYST
        return reporting.export_page(caller.clinic_id, report, filters, offset, CSV_PAGE_SIZE, pseudonymised, True)

    rows = csv_lines(page(0), page)
    return Response(
        rows,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{report}.csv"', "Cache-Control": "no-store"},
        direct_passthrough=True,
    )


@routes.http(
    "POST",
    "/assignments/<assignment_id>/risk-flags/<flag_id>/acknowledge",
    THERAPIST,
    body=AcknowledgeRiskFlagRequest,
    response=AcknowledgementSchema,
    status=201,
)
def acknowledge_risk_flag(
    request: Request,
    caller: Caller,
    correlation_id: str,
    assignment_id: str,
    flag_id: str,
    assignments: AssignmentsClient,
) -> Response:
    body = checked_body(request)
    require_assignment(assignments, caller, assignment_id)
    acknowledgement = assignments.acknowledge_risk_flag(
        caller.clinic_id, caller.subject, assignment_id, flag_id, body, correlation_id
    )
    return json_response(acknowledgement, 201)


@routes.http("GET", "/me/alerts", THERAPIST, response=list_schema("alerts", TherapistAlertSchema))
def my_alerts(caller: Caller, notifications: NotificationsClient) -> Response:
    return json_response({"alerts": notifications.list_for_therapist(caller.clinic_id, caller.subject)})


def csv_lines(first: Record, next_page: Callable[[int | str], Record]) -> Iterator[bytes]:
    """The report as CSV, a page of lines at a time (one write each, not one per line), as reporting
    wrote them (``csv=True``).

    The next page is asked for before this one is written, so the service reads it while the gateway
    writes (one after the other, each waited on the other: half the rate).
    """
    yield csv_text([first["columns"]]).encode()
    page = first
    while True:
        upcoming = None if page["next_offset"] is None else eventlet.spawn(next_page, page["next_offset"])
        try:
            yield page["csv"].encode()
            if upcoming is None:
                return
            page = upcoming.wait()
        except Exception:
            # The status line is gone already: abort the transfer so the download fails visibly, not truncated.
            log.exception("CSV export failed after offset %s", page["next_offset"])
            raise
        finally:
            if upcoming is not None and not upcoming.dead:
                upcoming.kill()  # the client went away: its page is not wanted
