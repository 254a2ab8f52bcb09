"""End to end: a risk flag from submission to acknowledgement, and the analytics routes on the real stack.

The client answers PHQ-9 (copied from the library) with item 9 above 0; the
assignments service scores the response and records RiskFlagRaised, its relay
publishes it, the reporting projection flags the client on the therapist's
caseload, the notifications service records the therapist's alert, the
therapist acknowledges through the gateway, the assignments service stores and
relays RiskFlagAcknowledged, and the flag leaves the caseload. One stack on PostgreSQL; CSV pages are 2 rows long here,
so the export streams several pages fetched by real RPC while the client reads.
"""

import csv
import io
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from amqp.exceptions import AccessRefused
from kombu import Connection, Producer

from interlude_contracts.envelope import make_envelope
from interlude_contracts.events import RISK_FLAG_ACKNOWLEDGED, load_event
from interlude_contracts.topology import EVENTS_EXCHANGE, routing_key

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import Stack, processes, running_stack, wait_until
from test_flow import CLINIC, SECRET, SERVICES, answer, assign, create_published_activity, login, minted

pytestmark = [pytest.mark.e2e, pytest.mark.rabbitmq, pytest.mark.postgres]


@pytest.fixture(scope="module")
def stack(tmp_path_factory, rabbit_vhost, bus_users, postgres_database) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("stack-risk")
    with running_stack(
        root,
        rabbit_vhost(),
        {name: postgres_database(name) for name in SERVICES},
        {
            "GATEWAY_TOKEN_SECRET": SECRET,
            "GATEWAY_CSV_PAGE_SIZE": "2",
            "PROJECTION_LAG_PROBE_SECONDS": "1",
        },
        bus_users=bus_users,
    ) as running:
        yield running


def assign_phq9(therapist: Any) -> dict[str, Any]:
    copy = therapist.call("POST", "/library/phq-9/copy", expect=201)
    therapist.call("POST", f"/activities/{copy['activity_id']}/publish", expect=201)
    return assign(therapist, "client-ada", copy["activity_id"], client_first_name="Ada")


def caseload_entry(therapist, client_id: str) -> dict[str, Any] | None:
    clients = therapist.call("GET", "/me/caseload", expect=200)["clients"]
    return next((entry for entry in clients if entry["client_id"] == client_id), None)


def test_a_risk_flag_alerts_the_therapist_and_stays_until_acknowledged(stack: Stack) -> None:
    therapist = login(stack.url, "therapist@demo.clinic", "therapist-demo-pass")
    client = login(stack.url, "ada@demo.client", "client-demo-pass")
    assignment = assign_phq9(therapist)
    answers = {f"phq9_{n}": "1" for n in range(1, 9)} | {"phq9_9": "2", "phq9_difficulty": "somewhat"}
    answer(client, assignment, {"answers": answers}, 201)

    flagged = wait_until(
        lambda: (entry := caseload_entry(therapist, "client-ada")) and entry["open_risk_flags"] and entry,
        what="the flag on the caseload",
    )
    [raised] = flagged["open_risk_flags"]
    flag_id = raised["flag_id"]
    assert therapist.call("GET", "/me/caseload", expect=200)["clients"][0]["client_id"] == "client-ada"  # first
    alerts = wait_until(
        lambda: [a for a in therapist.call("GET", "/me/alerts", expect=200)["alerts"] if a["flag_id"] == flag_id],
        what="the therapist's alert",
    )
    assert alerts[0]["kind"] == "risk_flag" and "client-ada" in alerts[0]["body"]
    client_view = client.call("GET", "/me/notifications", expect=200)["notifications"]
    assert "risk_flag" not in {n["kind"] for n in client_view}

    path = f"/assignments/{assignment['assignment_id']}/risk-flags/{flag_id}/acknowledge"
    analyst = minted(stack, "analyst-1", "analyst", CLINIC)
    analyst.call("POST", path, {"note": "no"}, expect=403)
    acknowledged = therapist.call("POST", path, {"note": "Called Ada; safety plan reviewed."}, expect=201)
    assert acknowledged["acknowledged_by"] == "therapist-demo"
    therapist.call("POST", path, {}, expect=409)

    wait_until(lambda: caseload_entry(therapist, "client-ada")["open_risk_flags"] == [], what="the flag to clear")
    [flag] = therapist.call("GET", "/clients/client-ada/risk-flags", expect=200)["risk_flags"]
    assert (flag["flag_id"], flag["acknowledged_by"], flag["note"]) == (
        flag_id,
        "therapist-demo",
        "Called Ada; safety plan reviewed.",
    )
    timeline = therapist.call("GET", f"/assignments/{assignment['assignment_id']}/timeline", expect=200)
    assert [step["status"] for step in timeline["timeline"]] == [
        "assigned",
        "submitted",
        "risk_flag_raised",
        "risk_flag_acknowledged",
    ]


def forged_acknowledgement(flag_id: str, assignment_id: str) -> dict[str, Any]:
    """A RiskFlagAcknowledged that passes the contract, as anyone with the broker's credentials could publish it."""
    envelope = make_envelope(
        event_id=str(uuid.uuid4()),
        event_type=RISK_FLAG_ACKNOWLEDGED,
        schema_version=1,
        occurred_at=datetime.now(UTC),
        clinic_id=CLINIC,
        correlation_id="forged",
        source="assignments",
        position=1_000_000,
        payload={
            "flag_id": flag_id,
            "assignment_id": assignment_id,
            "client_id": "client-ada",
            "acknowledged_by": "forged-actor",
            "note": "forged",
        },
    )
    load_event(envelope)  # valid: only the broker can keep it out
    return envelope


def test_no_process_but_the_assignments_relay_can_acknowledge_a_flag_on_the_bus(stack: Stack) -> None:
    """Issue 15: with the one shared broker user, reporting showed a flag acknowledged by "forged-actor"."""
    therapist = login(stack.url, "therapist@demo.clinic", "therapist-demo-pass")
    client = login(stack.url, "ada@demo.client", "client-demo-pass")
    assignment = assign_phq9(therapist)
    answers = {f"phq9_{n}": "0" for n in range(1, 9)} | {"phq9_9": "1", "phq9_difficulty": "somewhat"}
    answer(client, assignment, {"answers": answers}, 201)

    def open_flag() -> dict[str, Any] | None:
        flags = (caseload_entry(therapist, "client-ada") or {}).get("open_risk_flags", [])
        return next((flag for flag in flags if flag["assignment_id"] == assignment["assignment_id"]), None)

    flag_id = wait_until(open_flag, what="the flag on the caseload")["flag_id"]
    forged = forged_acknowledgement(flag_id, assignment["assignment_id"])
    for process in sorted(set(processes()) - {"assignments-relay"}):
        with (
            Connection(stack.amqp_uri_of(process), transport_options={"confirm_publish": True}) as connection,
            pytest.raises(AccessRefused),
        ):
            Producer(connection.default_channel).publish(
                forged, exchange=EVENTS_EXCHANGE, routing_key=routing_key("assignments", RISK_FLAG_ACKNOWLEDGED)
            )

    path = f"/assignments/{assignment['assignment_id']}/risk-flags/{flag_id}/acknowledge"
    therapist.call("POST", path, {"note": "Checked in."}, expect=201)
    wait_until(lambda: open_flag() is None, what="the flag to clear")
    flags = therapist.call("GET", "/clients/client-ada/risk-flags", expect=200)["risk_flags"]
    assert {flag["acknowledged_by"] for flag in flags} == {"therapist-demo"}


def test_reports_csv_and_charts_through_the_gateway(stack: Stack) -> None:
    therapist = login(stack.url, "therapist@demo.clinic", "therapist-demo-pass")
    client = login(stack.url, "ada@demo.client", "client-demo-pass")
    activity_id = create_published_activity(therapist)
    assignments = [assign(therapist, "client-ada", activity_id) for _ in range(3)]
    for assignment in assignments[:2]:
        answer(client, assignment, {"answers": {"mood": 5, "sleep": "good"}}, 201)
    analyst = minted(stack, "analyst-1", "analyst", CLINIC)
    wanted = {a["assignment_id"] for a in assignments}

    def pseudonym() -> str | None:
        """An analyst knows Ada only by the pseudonym in the exports (docs/security.md, Analysts)."""
        response = analyst.session.get(stack.url + "/reports/assignments.csv", timeout=30)
        rows = [row for row in csv.DictReader(io.StringIO(response.text)) if row["assignment_id"] in wanted]
        return rows[0]["client_id"] if rows else None

    ada = wait_until(pseudonym, what="Ada's assignments in the analyst's export")
    assert ada.startswith("anon-")

    def exported() -> list[dict[str, str]] | None:
        response = analyst.session.get(stack.url + f"/reports/timeline.csv?client_id={ada}", timeout=30)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        mine = [row for row in rows if row["assignment_id"] in wanted]
        return rows if len(mine) == 5 else None  # three assigned, two submitted

    rows = wait_until(exported, what="the timeline export")
    assert len(rows) > 2  # more than one page of 2 rows, fetched while streaming
    assert {row["status"] for row in rows} >= {"assigned", "submitted"}
    assert {row["client_id"] for row in rows} == {ada}

    usage = analyst.call("GET", "/clinic/usage", expect=200)
    [activity] = [a for a in usage["activities"] if a["activity_id"] == activity_id]
    assert (activity["assignments"], activity["submitted"]) == (3, 2)
    adherence = therapist.call("GET", "/clients/client-ada/adherence", expect=200)
    assert adherence["completed"] >= 2 and adherence["median_hours_to_complete"] is not None

    chart = therapist.session.get(stack.url + "/clients/client-ada/measures/PHQ-9/chart.svg", timeout=30)
    assert chart.status_code == 200 and chart.headers["Content-Type"].startswith("image/svg+xml")
    assert chart.text.startswith("<svg") and 'class="cutoff"' in chart.text
    other_clinic = minted(stack, "analyst-x", "analyst", "clinic-other")
    other_clinic.call("GET", "/clients/client-ada/adherence", expect=404)  # another clinic: no such client
