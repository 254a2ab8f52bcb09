"""The analytics projections and reports on SQLite and PostgreSQL, on a scripted history.

Timeline, adherence, score series and change, the caseload's order, clinic
usage and funnels, risk flags, CSV export pages; replaying and reordering the
events changes nothing. Events come from ``EventFactory``; the store is real.
"""

import random
from collections import Counter
from datetime import UTC
from typing import Any

import pytest
from analytics_history import NOW, OTHER_THERAPIST, build_scored_history
from cursor_spy import spy_on_cursors

from interlude_contracts.errors import Forbidden, ValidationFailed
from interlude_contracts.events import Event
from interlude_contracts.spreadsheet import csv_text
from interlude_reporting import reports
from interlude_reporting.exports import REPORTS, as_csv, export_page
from interlude_reporting.projection import apply_event, create_tables, dump_tables
from interlude_reporting.pseudonyms import pseudonyms_of
from interlude_runtime.storage import Database
from interlude_testing import CLINIC, OTHER_CLINIC, THERAPIST, EventFactory


def iso(event: Event) -> str:
    """The event's time as the reports give it: UTC, ISO 8601."""
    return event.occurred_at.astimezone(UTC).isoformat()


@pytest.fixture
def factory() -> EventFactory:
    return EventFactory()


@pytest.fixture
def history(factory: EventFactory) -> dict[str, Event]:
    return build_scored_history(factory)


@pytest.fixture
def applied(projection: Database, factory: EventFactory, history: dict[str, Event]) -> dict[str, Event]:
    assert all(apply_event(projection, event) for event in factory.events)
    return history


def test_the_timeline_of_an_assignment_lists_each_status_with_its_time(
    projection: Database, applied: dict[str, Event]
) -> None:
    assignment_id = str(applied["a1"].payload["assignment_id"])

    timeline = reports.assignment_timeline(projection, CLINIC, assignment_id)

    assert timeline == {
        "assignment_id": assignment_id,
        "client_id": "client-1",
        "timeline": [
            {"status": "assigned", "occurred_at": iso(applied["a1"])},
            {"status": "submitted", "occurred_at": iso(applied["s1"])},
            {"status": "risk_flag_raised", "occurred_at": iso(applied["f_old"])},
            {"status": "risk_flag_acknowledged", "occurred_at": iso(applied["f_old_ack"])},
        ],
    }
    assert reports.assignment_timeline(projection, OTHER_CLINIC, assignment_id)["timeline"] == []


def test_adherence_counts_rates_overdue_and_the_median_time_to_complete(
    projection: Database, applied: dict[str, Event]
) -> None:
    # Each response came 7 minutes after its assignment: 0.1167 h, rounded to 0.12.
    assert reports.client_adherence(projection, CLINIC, "client-1", NOW) == {
        "client_id": "client-1",
        "assigned": 3,
        "completed": 2,
        "overdue": 0,
        "cancelled": 0,
        "completion_rate": 0.6667,
        "median_hours_to_complete": 0.12,
        "last_activity_at": iso(applied["a9"]),
    }
    client_3 = reports.client_adherence(projection, CLINIC, "client-3", NOW)
    assert (client_3["assigned"], client_3["overdue"], client_3["cancelled"], client_3["completion_rate"]) == (
        1,
        1,
        1,
        0.0,
    )
    assert client_3["median_hours_to_complete"] is None
    before_due = reports.client_adherence(projection, CLINIC, "client-3", applied["a5"].occurred_at)
    assert before_due["overdue"] == 0


def test_score_series_and_reliable_change_per_measure(projection: Database, applied: dict[str, Event]) -> None:
    progress = reports.client_progress(projection, CLINIC, "client-1")

    [phq] = progress["measures"]
    assert phq["measure"] == "PHQ-9" and phq["norms"]["cutoff"] == 10
    assert [(p["value"], p["band"], p["above_cutoff"], p["submitted_at"]) for p in phq["series"]] == [
        (18.0, "moderately severe", True, iso(applied["s1"])),
        (7.0, "mild", False, iso(applied["s2"])),
    ]  # clinic-b's 27 for its own client-1 is not here
    assert phq["change"]["classification"] == "recovered"
    assert phq["change"]["rci"] == pytest.approx(-4.1, abs=1e-3)
    assert reports.client_progress(projection, CLINIC, "client-2")["measures"][0]["change"]["classification"] == (
        "deteriorated"
    )
    assert reports.client_progress(projection, CLINIC, "client-3")["measures"] == []


def test_the_caseload_puts_open_risk_flags_first_then_worsening_or_overdue(
    projection: Database, applied: dict[str, Event]
) -> None:
    caseload = reports.caseload(projection, CLINIC, THERAPIST, NOW)

    # client-2: open flag; client-3: overdue; then the longest silent first (client-4 before client-1).
    assert [entry["client_id"] for entry in caseload] == ["client-2", "client-3", "client-4", "client-1"]
    client_2 = caseload[0]
    assert [flag["flag_id"] for flag in client_2["open_risk_flags"]] == [str(applied["f_open"].payload["flag_id"])]
    assert client_2["worsening"] is True
    assert client_2["latest_scores"] == [
        {
            "measure": "PHQ-9",
            "value": 16.0,
            "band": "moderately severe",
            "above_cutoff": True,
            "submitted_at": iso(applied["s4"]),
            "classification": "deteriorated",
        }
    ]
    client_1 = caseload[-1]
    assert client_1["open_risk_flags"] == [] and client_1["adherence"]["completed"] == 2
    assert [entry["client_id"] for entry in reports.caseload(projection, CLINIC, OTHER_THERAPIST, NOW)] == ["client-9"]


def test_acknowledged_flags_keep_who_when_and_the_note(projection: Database, applied: dict[str, Event]) -> None:
    flags = {flag["flag_id"]: flag for flag in reports.risk_flags(projection, CLINIC)}
    old = flags[str(applied["f_old"].payload["flag_id"])]
    assert (old["acknowledged_by"], old["acknowledged_at"], old["note"]) == (
        THERAPIST,
        iso(applied["f_old_ack"]),
        "Called; safety plan reviewed.",
    )
    assert flags[str(applied["f_open"].payload["flag_id"])]["acknowledged_at"] is None
    assert len(flags) == 2  # clinic-b's flag is not listed


def test_clinic_usage_and_the_completion_funnel(projection: Database, applied: dict[str, Event]) -> None:
    usage = reports.clinic_usage(projection, CLINIC)

    by_title = {activity["title"]: activity for activity in usage["activities"]}
    assert set(by_title) == {"PHQ-9", "Thought diary"}
    phq, diary = by_title["PHQ-9"], by_title["Thought diary"]
    assert (phq["assignments"], phq["submitted"], phq["cancelled"], phq["clients"], phq["versions"]) == (6, 6, 0, 3, 1)
    assert (diary["assignments"], diary["submitted"], diary["cancelled"], diary["clients"]) == (4, 0, 1, 3)
    assert diary["funnel"] == [
        {"stage": "assigned", "count": 4, "rate": 1.0},
        {"stage": "submitted", "count": 0, "rate": 0.0},
    ]
    assert usage["funnel"] == [
        {"stage": "assigned", "count": 10, "rate": 1.0},
        {"stage": "submitted", "count": 6, "rate": 0.6},
    ]


def test_replayed_and_reordered_events_give_the_same_tables(
    projection: Database, make_database, factory: EventFactory, history: dict[str, Event]
) -> None:
    for event in factory.events:
        apply_event(projection, event)
    in_order = dump_tables(projection)
    shuffled = make_database("shuffled")
    create_tables(shuffled)
    events = factory.events + factory.events[::2]
    random.Random(5).shuffle(events)
    # The acknowledgement before its flag, whatever the shuffle did.
    events.remove(history["f_old_ack"])
    events.insert(0, history["f_old_ack"])
    applied = [apply_event(shuffled, event) for event in events]

    assert applied.count(True) == len(factory.events)
    assert not any(apply_event(shuffled, event) for event in factory.events)
    assert dump_tables(shuffled) == in_order
    assert in_order["scores"] and in_order["risk_flags"] and in_order["assignment_events"]


def test_export_pages_join_up_to_the_whole_report(projection: Database, applied: dict[str, Event]) -> None:
    whole = export_page(projection, CLINIC, "scores", {}, 0, 1000, NOW)
    assert whole["next_offset"] is None
    assert whole["columns"][:4] == ["client_id", "measure", "score_key", "value"]
    assert len(whole["rows"]) == 7  # six totals and one subscale; clinic-b's score is not here

    rows, offset = [], 0
    while offset is not None:
        page = export_page(projection, CLINIC, "scores", {}, offset, 2, NOW)
        assert len(page["rows"]) <= 2
        rows += page["rows"]
        offset = page["next_offset"]
    assert rows == whole["rows"]

    only_client_2 = export_page(projection, CLINIC, "scores", {"client_id": "client-2"}, 0, 1000, NOW)
    assert {row[0] for row in only_client_2["rows"]} == {"client-2"}


def pages_of_report(projection: Database, report: str, filters: dict[str, str], size: int, **options: Any) -> list:
    rows, offset = [], 0
    while offset is not None:
        page = export_page(projection, CLINIC, report, filters, offset, size, NOW, **options)
        rows += page["rows"]
        offset = page["next_offset"]
    return rows


@pytest.mark.parametrize("report", REPORTS)
def test_an_analysts_export_names_every_client_by_pseudonym_page_after_page(
    projection: Database, applied: dict[str, Event], report: str
) -> None:
    filters = {"therapist_id": THERAPIST} if report == "caseload" else {}
    columns = export_page(projection, CLINIC, report, filters, 0, 1, NOW)["columns"]
    if "client_id" not in columns:
        pytest.skip(f"{report} names no client")
    column = columns.index("client_id")
    plain = pages_of_report(projection, report, filters, 1)
    clients = [row[column] for row in plain]
    with projection.transaction() as cursor:  # a client reporting has no pseudonym for yet
        cursor.execute("DELETE FROM client_pseudonyms WHERE client_id = :client_id", {"client_id": clients[-1]})

    named = pages_of_report(projection, report, filters, 1, pseudonymised=True)

    names = pseudonyms_of(projection, CLINIC, clients)
    assert len(plain) > 1 and all(name.startswith("anon-") for name in names.values())
    assert named == [[*row[:column], names[row[column]], *row[column + 1 :]] for row in plain]


def test_a_page_as_csv_is_its_rows_as_csv_text_with_the_same_next_page(
    projection: Database, applied: dict[str, Event]
) -> None:
    page = export_page(projection, CLINIC, "scores", {}, 0, 3, NOW)

    text = as_csv(page)

    assert text == {"columns": page["columns"], "csv": csv_text(page["rows"]), "next_offset": page["next_offset"]}
    assert text["csv"].count("\r\n") == 3 and page["next_offset"] is not None


def test_every_report_exports_and_bad_requests_are_refused(projection: Database, applied: dict[str, Event]) -> None:
    for report in REPORTS:
        page = export_page(projection, CLINIC, report, {}, 0, 1000, NOW) if report != "caseload" else None
        page = page or export_page(projection, CLINIC, report, {"therapist_id": THERAPIST}, 0, 1000, NOW)
        assert page["rows"] and all(len(row) == len(page["columns"]) for row in page["rows"]), report
    for clinic_wide in ("adherence", "activity-usage"):  # not a therapist's to export
        with pytest.raises(Forbidden):
            export_page(projection, CLINIC, clinic_wide, {"therapist_id": THERAPIST}, 0, 10, NOW)
    mine = export_page(projection, CLINIC, "assignments", {"therapist_id": "therapist-nobody"}, 0, 10, NOW)
    assert mine["rows"] == []  # a therapist's export holds only the assignments they made
    caseload = export_page(projection, CLINIC, "caseload", {"therapist_id": THERAPIST}, 0, 1000, NOW)
    assert [row[0] for row in caseload["rows"]] == ["client-2", "client-3", "client-4", "client-1"]
    with pytest.raises(ValidationFailed):
        export_page(projection, CLINIC, "secrets", {}, 0, 10, NOW)
    with pytest.raises(ValidationFailed):
        export_page(projection, CLINIC, "caseload", {}, 0, 10, NOW)


def test_the_caseload_costs_the_same_queries_for_forty_clients_as_for_four(
    projection: Database, factory: EventFactory, applied: dict[str, Event], monkeypatch
) -> None:
    statements: list[str] = []
    spy_on_cursors(
        projection,
        monkeypatch,
        "execute",
        lambda execute: lambda sql, p=None: statements.append(sql) or execute(sql, p),
    )
    four = reports.caseload(projection, CLINIC, THERAPIST, NOW)
    for_four = len(statements)
    for n in range(36):
        assigned = factory.activity_assigned(applied["phq"], f"client-extra-{n}")
        scores = {"total": {"value": float(n % 27), "band": "mild", "above_cutoff": False}}
        for event in (assigned, factory.response_submitted(assigned, measure="PHQ-9", scores=scores)):
            apply_event(projection, event)
    statements.clear()

    forty = reports.caseload(projection, CLINIC, THERAPIST, NOW)

    assert len(four) == 4 and len(forty) == 40
    assert len(statements) == for_four
    assert [entry for entry in forty if not entry["client_id"].startswith("client-extra")] == four


def test_the_clinic_adherence_export_reads_only_each_pages_clients(
    projection: Database, applied: dict[str, Event], monkeypatch
) -> None:
    whole = export_page(projection, CLINIC, "adherence", {}, 0, 1000, NOW)["rows"]
    assignments_of = Counter(row["client_id"] for row in reports._client_assignments(projection, CLINIC))
    fetched: list[int] = []
    spy_on_cursors(
        projection, monkeypatch, "fetchall", lambda fetchall: lambda: (rows := fetchall(), fetched.append(len(rows)))[0]
    )
    pages, offset = [], 0
    while offset is not None:
        page = export_page(projection, CLINIC, "adherence", {}, offset, 1, NOW)
        pages += page["rows"]
        offset = page["next_offset"]

    assert len(whole) > 2 and pages == whole
    clients = [row[0] for row in whole]
    # A page of one client reads that client's assignments and the next one's (to know there are more), no more.
    expected = [
        assignments_of[client] + assignments_of.get(after, 0)
        for client, after in zip(clients, [*clients[1:], ""], strict=True)
    ]
    assert fetched == expected


def test_every_table_export_pages_after_a_key_so_rows_added_meanwhile_shift_nothing(
    projection: Database, factory: EventFactory, applied: dict[str, Event]
) -> None:
    """A page starts after the last row's key: an assignment added before it while the export runs does not
    push that row into the next page again (an offset would), and a page deep into a large report is found in
    the index without stepping over the rows before it."""
    for report in ("assignments", "timeline", "scores", "risk-flags"):
        whole = export_page(projection, CLINIC, report, {}, 0, 1000, NOW)["rows"]
        first = export_page(projection, CLINIC, report, {}, 0, 1, NOW)
        assert str(first["next_offset"]).startswith("after:"), report
        assigned = factory.activity_assigned(applied["phq"], f"client-0-early-{report}")
        apply_event(projection, factory.response_submitted(assigned, measure="PHQ-9"))

        rows, offset = list(first["rows"]), first["next_offset"]
        while offset is not None:
            page = export_page(projection, CLINIC, report, {}, offset, 1, NOW)
            rows += page["rows"]
            offset = page["next_offset"]

        assert len(rows) == len({tuple(map(str, row)) for row in rows}), f"{report}: a row came twice"
        assert [row for row in rows if row in whole] == whole, report


def test_an_export_page_asked_with_an_offset_or_a_cursor_it_never_gave(
    projection: Database, applied: dict[str, Event]
) -> None:
    by_offset = export_page(projection, CLINIC, "assignments", {}, 1, 2, NOW)  # as the previous release asked
    assert by_offset["rows"] == export_page(projection, CLINIC, "assignments", {}, 0, 3, NOW)["rows"][1:]
    for forged in ("after:{", "after:[1, 2]", "after:", "sideways"):
        with pytest.raises(ValidationFailed):
            export_page(projection, CLINIC, "assignments", {}, forged, 2, NOW)
