"""Interface tests of the analytics routes: roles, clinic scoping, CSV streaming, SVG charts, risk flags.

Mocking policy as in test_routes (whose gateway fixture this reuses): only the
RPC proxies are mocks; the nameko HTTP server, tokens and contracts are real.
"""

import csv
import io
import sys
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from interlude_contracts.errors import NotFound, ValidationFailed
from interlude_contracts.spreadsheet import csv_text
from interlude_gateway.auth import ANALYST, CLIENT, Caller
from interlude_gateway.charts import MARGIN_LEFT, MARGIN_TOP, PLOT_HEIGHT, PLOT_WIDTH, point_positions
from interlude_gateway.routes.analytics import csv_lines

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_routes import (
    ASSIGNMENT_ID,
    CLINIC,
    THERAPIST_CALLER,
    Gateway,
    assert_no_rpc,
    assert_problem,
)

ANALYST_CALLER = Caller(subject="analyst-1", role=ANALYST, clinic_id=CLINIC)
CLIENT_CALLER = Caller(subject="client-ada", role=CLIENT, clinic_id=CLINIC)
FLAG_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
SVG = "{http://www.w3.org/2000/svg}"

READ_ROUTES = [
    ("/clients/client-ada/report", "client_report"),
    (f"/assignments/{ASSIGNMENT_ID}/timeline", "assignment_timeline"),
    ("/clients/client-ada/adherence", "client_adherence"),
    ("/clients/client-ada/progress", "client_progress"),
    ("/clients/client-ada/risk-flags", "client_risk_flags"),
    ("/clinic/usage", "clinic_usage"),
]
THERAPIST_ONLY = [
    ("GET", "/me/caseload"),
    ("GET", "/me/alerts"),
    ("POST", f"/assignments/{ASSIGNMENT_ID}/risk-flags/{FLAG_ID}/acknowledge"),
    ("POST", "/assignments"),
]


def norms(
    measure: str, maximum: int, cutoff: int, bands: list[tuple[int, int, str]], *, lower_is_better: bool
) -> dict[str, Any]:
    """A measure's norms as reporting sends them (from 0); ``bands`` as (lower, upper, label)."""
    return {
        "measure": measure,
        "minimum": 0,
        "maximum": maximum,
        "lower_is_better": lower_is_better,
        "cutoff": cutoff,
        "bands": [{"lower": lower, "upper": upper, "label": label} for lower, upper, label in bands],
    }


PHQ9_BANDS = [
    (0, 4, "minimal"),
    (5, 9, "mild"),
    (10, 14, "moderate"),
    (15, 19, "moderately severe"),
    (20, 27, "severe"),
]
PHQ9_NORMS = norms("PHQ-9", 27, 10, PHQ9_BANDS, lower_is_better=True)
DAY_ONE = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def point(value: float, days: float, band: str | None = None) -> dict[str, Any]:
    return {
        "value": value,
        "band": band,
        "above_cutoff": None,
        "submitted_at": (DAY_ONE + timedelta(days=days)).isoformat(),
    }


@pytest.mark.parametrize("caller", [THERAPIST_CALLER, ANALYST_CALLER], ids=["therapist", "analyst"])
@pytest.mark.parametrize(("path", "method"), READ_ROUTES)
def test_therapists_and_analysts_read_reports_of_their_own_clinic(
    gateway: Gateway, caller: Caller, path: str, method: str
) -> None:
    getattr(gateway.reporting, method).return_value = {"ok": method}

    response = gateway.request("GET", path, caller)

    assert response.status_code == 200, response.text
    assert response.json() in ({"ok": method}, {"risk_flags": {"ok": method}})
    assert getattr(gateway.reporting, method).call_args.args[0] == CLINIC


@pytest.mark.parametrize(("method", "path"), THERAPIST_ONLY)
def test_analysts_may_not_use_therapist_routes(gateway: Gateway, method: str, path: str) -> None:
    assert_problem(gateway.request(method, path, ANALYST_CALLER, json={}), 403, "forbidden")
    assert_no_rpc(gateway)


@pytest.mark.parametrize("path", [path for path, _ in READ_ROUTES] + ["/reports/scores.csv", "/me/caseload"])
def test_clients_may_not_read_reports(gateway: Gateway, path: str) -> None:
    assert_problem(gateway.request("GET", path, CLIENT_CALLER), 403, "forbidden")
    assert_no_rpc(gateway)


def test_the_caseload_is_the_callers_own(gateway: Gateway) -> None:
    gateway.reporting.caseload.return_value = [{"client_id": "client-ada"}]

    response = gateway.request("GET", "/me/caseload", THERAPIST_CALLER)

    assert response.json() == {"clients": [{"client_id": "client-ada"}]}
    gateway.reporting.caseload.assert_called_once_with(CLINIC, THERAPIST_CALLER.subject)


def test_csv_export_streams_every_page(gateway: Gateway) -> None:
    columns = ["client_id", "note", "value", "above_cutoff"]
    pages = {
        0: {"columns": columns, "rows": [["client-1", "fine", 12.0, True]], "next_offset": 1000},
        1000: {"columns": columns, "rows": [["client-2", "=HYPERLINK(evil)", None, False]], "next_offset": 2000},
        2000: {"columns": columns, "rows": [["client-3", 'a, "quoted" note', 3.5, None]], "next_offset": None},
    }

    def export_page(
        clinic: str, report: str, filters: dict, offset: int, limit: int, pseudonymised: bool, as_csv: bool
    ) -> dict:
        page = pages[offset]
        rows = [[f"anon-{row[0]}", *row[1:]] for row in page["rows"]] if pseudonymised else page["rows"]
        return {"columns": page["columns"], "csv": csv_text(rows), "next_offset": page["next_offset"]}

    gateway.reporting.export_page.side_effect = export_page
    gateway.reporting.client_of_pseudonym.side_effect = lambda clinic, pseudonym: pseudonym.removeprefix("anon-")

    response = gateway.request(
        "GET", "/reports/scores.csv?client_id=anon-client-1&ignored=x", ANALYST_CALLER, stream=True
    )

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="scores.csv"'
    assert "Content-Length" not in response.headers  # streamed, not buffered
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows == [  # an analyst reads pseudonyms only (finding 7 of issue 15)
        columns,
        ["anon-client-1", "fine", "12.0", "true"],
        ["anon-client-2", "'=HYPERLINK(evil)", "", "false"],
        ["anon-client-3", 'a, "quoted" note', "3.5", ""],
    ]
    offsets = [call.args[3] for call in gateway.reporting.export_page.call_args_list]
    assert offsets == [0, 1000, 2000]
    for call in gateway.reporting.export_page.call_args_list:
        assert call.args[:3] == (CLINIC, "scores", {"client_id": "client-1"})
        assert call.args[5:] == (True, True)  # pseudonymised by reporting (an analyst's), as CSV text


def test_an_analyst_names_a_client_by_pseudonym_and_reads_pseudonyms_only(gateway: Gateway) -> None:
    """Finding 7 of issue 15: analysts read the client's id (and first name in titles) in their report."""
    gateway.reporting.client_of_pseudonym.side_effect = lambda clinic, pseudonym: {"anon-7f": "client-ada"}[pseudonym]
    gateway.reporting.pseudonyms.return_value = {"client-ada": "anon-7f"}
    gateway.reporting.client_report.return_value = {
        "client_id": "client-ada",
        "assignments": [{"client_id": "client-ada"}],
    }

    response = gateway.request("GET", "/clients/anon-7f/report", ANALYST_CALLER)

    assert response.json() == {"client_id": "anon-7f", "assignments": [{"client_id": "anon-7f"}]}
    assert gateway.reporting.client_report.call_args.args[:2] == (CLINIC, "client-ada")
    gateway.reporting.client_of_pseudonym.side_effect = NotFound("No such client.", {"client_id": ["No."]})
    assert gateway.request("GET", "/clients/client-ada/report", ANALYST_CALLER).status_code == 404


def test_an_analyst_never_reads_a_client_id_that_reporting_gave_no_pseudonym_for(gateway: Gateway) -> None:
    """Whatever reporting's answer lacks (a client erased meanwhile, a bug), the analyst reads null, not the id."""
    gateway.reporting.client_of_pseudonym.side_effect = lambda clinic, pseudonym: {"anon-7f": "client-ada"}[pseudonym]
    gateway.reporting.pseudonyms.return_value = {"client-ada": "anon-7f"}
    gateway.reporting.client_report.return_value = {
        "client_id": "client-ada",
        "assignments": [{"client_id": "client-ada"}, {"client_id": "client-bo"}],
    }

    response = gateway.request("GET", "/clients/anon-7f/report", ANALYST_CALLER)

    assert response.json() == {"client_id": "anon-7f", "assignments": [{"client_id": "anon-7f"}, {"client_id": None}]}


def test_a_therapist_exports_their_own_caseload(gateway: Gateway) -> None:
    gateway.reporting.export_page.return_value = {"columns": ["client_id"], "csv": "", "next_offset": None}

    response = gateway.request("GET", "/reports/caseload.csv?therapist_id=someone-else", THERAPIST_CALLER)

    assert response.text == "client_id\r\n"
    assert gateway.reporting.export_page.call_args.args[2] == {"therapist_id": THERAPIST_CALLER.subject}
    assert gateway.reporting.export_page.call_args.args[5] is False  # a therapist reads their clients' ids


def test_an_unknown_report_is_a_problem_before_any_csv(gateway: Gateway) -> None:
    gateway.reporting.export_page.side_effect = ValidationFailed("No such report.", {"report": ["One of: ..."]})

    body = assert_problem(gateway.request("GET", "/reports/secrets.csv", ANALYST_CALLER), 422, "validation_failed")

    assert "report" in body["errors"]


def test_the_chart_draws_bands_and_cutoff_behind_points_at_the_right_places(gateway: Gateway) -> None:
    series = [point(27, 0, "severe"), point(0, 1, "minimal"), point(13.5, 3, "moderate")]
    gateway.reporting.measure_progress.return_value = {"measure": "PHQ-9", "norms": PHQ9_NORMS, "series": series}

    response = gateway.request("GET", "/clients/client-ada/measures/PHQ-9/chart.svg", THERAPIST_CALLER)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("image/svg+xml")
    gateway.reporting.measure_progress.assert_called_once_with(CLINIC, "client-ada", "PHQ-9")
    svg = ElementTree.fromstring(response.text)
    elements = list(svg)
    # Plot area: x 56..520 (464 wide) over 3 days; y 28..280 (252 high) over 27..0.
    circles = [(float(c.get("cx")), float(c.get("cy"))) for c in svg.iter(f"{SVG}circle")]
    assert circles == [(56.0, 28.0), (210.67, 280.0), (520.0, 154.0)]
    polyline = next(svg.iter(f"{SVG}polyline"))
    assert polyline.get("points") == "56.0,28.0 210.67,280.0 520.0,154.0"
    bands = [e for e in elements if e.get("class") == "band"]
    # Each band reaches up to the next one's lower bound (y of 5 = 28 + 252 * 22 / 27 = 233.33, ...).
    assert [(b.get("data-band"), float(b.get("y")), float(b.get("height"))) for b in bands] == [
        ("minimal", 233.33, pytest.approx(46.67, abs=0.011)),  # 0..5
        ("mild", 186.67, pytest.approx(46.67, abs=0.011)),  # 5..10
        ("moderate", 140.0, pytest.approx(46.67, abs=0.011)),  # 10..15
        ("moderately severe", 93.33, pytest.approx(46.67, abs=0.011)),  # 15..20
        ("severe", 28.0, pytest.approx(65.33, abs=0.011)),  # 20..27
    ]
    [cutoff] = [e for e in elements if e.get("class") == "cutoff"]
    assert float(cutoff.get("y1")) == float(cutoff.get("y2")) == 186.67  # 28 + 252 * 17 / 27
    drawn = [e.get("class") for e in elements if e.get("class")]
    assert drawn.index("cutoff") > max(i for i, c in enumerate(drawn) if c == "band")
    assert drawn.index("scores") > drawn.index("cutoff")  # the line is drawn last: on top


def test_chart_geometry_constants_match_the_hand_computation() -> None:
    assert (MARGIN_LEFT, MARGIN_TOP, PLOT_WIDTH, PLOT_HEIGHT) == (56, 28, 464, 252)
    assert point_positions(PHQ9_NORMS, [point(10, 0)]) == [(288.0, 186.67)]  # one score: centred in time


def test_a_therapists_own_measure_is_drawn_with_the_bands_and_cutoff_of_its_activity(gateway: Gateway) -> None:
    series = [{**point(8, 0, "severe"), "assignment_id": ASSIGNMENT_ID}]
    gateway.reporting.measure_progress.return_value = {"measure": "WEEK-LOW", "norms": None, "series": series}
    gateway.assignments.get_assignment.return_value = {"activity_id": "act-1", "activity_version": 2}
    gateway.activities.get_version.return_value = {
        "scoring": {
            "total": {
                "items": ["low", "sleep"],
                "bands": [{"min": 6, "max": 13, "label": "severe"}, {"min": 0, "max": 5, "label": "mild"}],
                "cutoff": 6,
            }
        }
    }

    response = gateway.request("GET", "/clients/client-ada/measures/WEEK-LOW/chart.svg", THERAPIST_CALLER)

    assert response.status_code == 200
    gateway.assignments.get_assignment.assert_called_once_with(CLINIC, ASSIGNMENT_ID)
    gateway.activities.get_version.assert_called_once_with(CLINIC, "act-1", 2)
    elements = list(ElementTree.fromstring(response.text))
    assert [e.get("data-band") for e in elements if e.get("class") == "band"] == ["mild", "severe"]
    [cutoff] = [e for e in elements if e.get("class") == "cutoff"]
    assert float(cutoff.get("y1")) == pytest.approx(28 + 252 * 7 / 13, abs=0.01)  # 6 on a 0..13 axis
    [score] = [c for c in elements if c.get("class") == "score"]
    assert score.findtext(f"{SVG}title") == "8 on 2025-03-03 (severe)"


def test_a_measure_whose_activity_has_no_bands_is_drawn_without_them(gateway: Gateway) -> None:
    series = [{**point(3, 0), "assignment_id": ASSIGNMENT_ID}]
    gateway.reporting.measure_progress.return_value = {"measure": "PLAIN", "norms": None, "series": series}
    gateway.assignments.get_assignment.return_value = {"activity_id": "act-1", "activity_version": 1}
    gateway.activities.get_version.return_value = {"scoring": {"total": {"items": ["a"]}}}

    response = gateway.request("GET", "/clients/client-ada/measures/PLAIN/chart.svg", ANALYST_CALLER)

    assert response.status_code == 200
    assert [e for e in ElementTree.fromstring(response.text) if e.get("class") in {"band", "cutoff"}] == []


def test_a_chart_without_scores_says_so(gateway: Gateway) -> None:
    gateway.reporting.measure_progress.return_value = {"measure": "XYZ", "norms": None, "series": []}

    response = gateway.request("GET", "/clients/client-ada/measures/XYZ/chart.svg", ANALYST_CALLER)

    assert response.status_code == 200 and "No scores yet" in response.text
    ElementTree.fromstring(response.text)


def test_acknowledging_a_risk_flag(gateway: Gateway) -> None:
    gateway.assignments.acknowledge_risk_flag.return_value = {"flag_id": FLAG_ID, "acknowledged_by": "therapist-1"}
    path = f"/assignments/{ASSIGNMENT_ID}/risk-flags/{FLAG_ID}/acknowledge"

    response = gateway.request(
        "POST", path, THERAPIST_CALLER, headers={"X-Correlation-Id": "corr-ack"}, json={"note": "Called."}
    )

    assert response.status_code == 201
    gateway.assignments.acknowledge_risk_flag.assert_called_once_with(
        CLINIC, THERAPIST_CALLER.subject, ASSIGNMENT_ID, FLAG_ID, {"note": "Called."}, "corr-ack"
    )


def test_a_bad_acknowledgement_note_is_refused_before_any_rpc(gateway: Gateway) -> None:
    path = f"/assignments/{ASSIGNMENT_ID}/risk-flags/{FLAG_ID}/acknowledge"

    body = assert_problem(gateway.request("POST", path, THERAPIST_CALLER, json={"note": 42}), 422, "validation_failed")

    assert "note" in body["errors"]
    assert_no_rpc(gateway)


def test_a_therapist_reads_their_alerts(gateway: Gateway) -> None:
    gateway.notifications.list_for_therapist.return_value = [{"kind": "risk_flag"}]

    response = gateway.request("GET", "/me/alerts", THERAPIST_CALLER)

    assert response.json() == {"alerts": [{"kind": "risk_flag"}]}
    gateway.notifications.list_for_therapist.assert_called_once_with(CLINIC, THERAPIST_CALLER.subject)


def test_the_who5_chart_puts_13_on_the_line_above_poor_wellbeing(gateway: Gateway) -> None:
    """WHO-5: raw below 13 is poor wellbeing (the library activity's bands and cutoff), 13 is not."""
    who5_bands = [(0, 7, "likely depression"), (8, 12, "poor wellbeing"), (13, 25, "not indicative of poor wellbeing")]
    who5 = norms("WHO-5", 25, 13, who5_bands, lower_is_better=False)
    series = [point(5, 0, "likely depression"), point(13, 7, "not indicative of poor wellbeing")]
    gateway.reporting.measure_progress.return_value = {"measure": "WHO-5", "norms": who5, "series": series}

    svg = ElementTree.fromstring(
        gateway.request("GET", "/clients/client-ada/measures/WHO-5/chart.svg", THERAPIST_CALLER).text
    )

    # y of 13 = 28 + 252 * 12 / 25 = 148.96: the top of the poor wellbeing band and the cutoff line.
    bands = {e.get("data-band"): e for e in svg if e.get("class") == "band"}
    poor = bands["poor wellbeing"]
    assert float(poor.get("y")) == 148.96 and float(bands["not indicative of poor wellbeing"].get("y")) == 28.0
    [cutoff] = [e for e in svg if e.get("class") == "cutoff"]
    assert float(cutoff.get("y1")) == 148.96
    assert [float(c.get("cy")) for c in svg.iter(f"{SVG}circle")] == [229.6, 148.96]


def test_a_measure_without_a_cutoff_is_charted_without_a_cutoff_line(gateway: Gateway) -> None:
    norms = {"measure": "ORS", "minimum": 0, "maximum": 40, "lower_is_better": False, "cutoff": None, "bands": []}
    gateway.reporting.measure_progress.return_value = {"measure": "ORS", "norms": norms, "series": [point(20, 0)]}

    svg = ElementTree.fromstring(
        gateway.request("GET", "/clients/client-ada/measures/ORS/chart.svg", ANALYST_CALLER).text
    )

    assert not [e for e in svg if e.get("class") in ("band", "cutoff")]
    assert [float(c.get("cy")) for c in svg.iter(f"{SVG}circle")] == [154.0]


def test_a_csv_export_is_written_a_page_at_a_time_not_a_line_at_a_time() -> None:
    """Each chunk is one write to the socket: 200,000 one-line chunks made the export crawl."""
    pages = [
        {"columns": ["client_id", "value"], "csv": "c-1,1\r\nc-2,'=2\r\n", "next_offset": 2},
        {"columns": ["client_id", "value"], "csv": "c-3,true\r\n", "next_offset": None},
    ]

    chunks = list(csv_lines(pages[0], lambda offset: pages[1]))

    assert chunks == [b"client_id,value\r\n", b"c-1,1\r\nc-2,'=2\r\n", b"c-3,true\r\n"]
