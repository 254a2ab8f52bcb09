"""End to end: a scored measure is scored however its assignment came to exist.

Over HTTP only, on the embedded SQLite default and on PostgreSQL (one stack
each, shared by the module). Every scored library entry is copied and
published, then sent to a client of the therapist's own in every way an
assignment comes to exist:

- ``one-off``: ``POST /assignments``;
- ``recurrence``: an occurrence of ``POST /recurrences`` (released by the scheduler);
- ``group-assignment``: ``POST /groups/{id}/assignments``;
- ``group-recurrence``: an occurrence of ``POST /groups/{id}/recurrences``;
- ``pathway``: a step of ``POST /pathways`` + ``POST /pathways/{id}/enrolments``;
- ``group-pathway``: a step of a pathway sent with ``POST /groups/{id}/pathways``;
- ``joiner-from-start``: a member added later (``joining: from_start``) receives the group's one-off activities;
- ``joiner-from-today``: a member added later (``joining: from_today``) is enrolled on the group's pathway.

Each way has a client of its own, who answers every measure with the same
answers (``ANSWERS``), plus PHQ-9 once more with item 9 above 0
(``phq-9-item9``, its own copy of PHQ-9). The therapist's view of each
assignment must score exactly as the one-off does (measure, the whole scores
dict with bands and cutoff flags, the risk flags), and the one-off's must be
the published values (``PUBLISHED``). The item-9 answer must raise the flag on
the assignment, the therapist's alert and the client's caseload entry, and no
other answer may raise one.
"""

import json
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from support import Stack, running_stack, wait_until
from test_flow import SECRET, SERVICES, Api, login

pytestmark = [pytest.mark.e2e, pytest.mark.rabbitmq]

PASSWORD = "a-long-client-password"
ZONE = "Europe/London"
RISK = "phq-9-item9"  # PHQ-9 again (its own copy), answered with item 9 above 0

ONE_OFF = "one-off"
WAYS = (
    ONE_OFF,
    "recurrence",
    "group-assignment",
    "group-recurrence",
    "pathway",
    "group-pathway",
    "joiner-from-start",
    "joiner-from-today",
)

PHQ9_NO_RISK = [3, 3, 2, 2, 2, 2, 2, 2, 0]  # 18, item 9 at 0
PHQ9_ITEM9 = [1, 1, 1, 1, 1, 1, 1, 1, 2]  # 10, item 9 at 2

# The same answers on every way; only phq-9-item9 may raise a risk flag.
ANSWERS: dict[str, dict[str, Any]] = {
    "phq-9": {f"phq9_{n}": str(v) for n, v in enumerate(PHQ9_NO_RISK, 1)} | {"phq9_difficulty": "very"},
    RISK: {f"phq9_{n}": str(v) for n, v in enumerate(PHQ9_ITEM9, 1)} | {"phq9_difficulty": "somewhat"},
    "gad-7": {f"gad7_{n}": str(v) for n, v in enumerate([2, 2, 1, 1, 1, 1, 0], 1)} | {"gad7_difficulty": "somewhat"},
    "who-5": {f"who5_{n}": str(v) for n, v in enumerate([3, 2, 2, 3, 2], 1)},
    "k10": {f"k10_{n}": str(v) for n, v in enumerate([2, 3, 2, 3, 2, 2, 3, 2, 2, 3], 1)},
    "pcl-5": {
        f"pcl5_{n}": str(v) for n, v in enumerate([2, 1, 2, 1, 2, 3, 2, 1, 2, 1, 2, 1, 2, 1, 2, 2, 1, 1, 2, 2], 1)
    },
    "outcome-rating": {"overall": 6.5, "individual": 7.2, "interpersonal": 5.0, "social": 4.3},
    "daily-goal-check-in": {
        "today_goal": "Walk to the park",
        "motivation": 7,
        "yesterday_done": True,
        "what_helped": "Planning it the night before",
    },
    "stress-interruption": {"stress_before": 8, "practice": 120, "stress_after": 4, "trigger": "An email"},
}
SLUG = {variant: "phq-9" if variant == RISK else variant for variant in ANSWERS}


def _score(value: float, band: str | None = None, above_cutoff: bool | None = None) -> dict[str, Any]:
    return {"value": value, "band": band, "above_cutoff": above_cutoff}


# What the library's published scoring gives for ANSWERS (worked out by hand from its JSON and scoring notes).
PHQ9_FLAG = "phq9-item9"
PUBLISHED: dict[str, dict[str, Any]] = {
    "phq-9": {"measure": "PHQ-9", "scores": {"total": _score(18, "moderately severe", True)}, "risk_rules": []},
    RISK: {"measure": "PHQ-9", "scores": {"total": _score(10, "moderate", True)}, "risk_rules": [PHQ9_FLAG]},
    "gad-7": {"measure": "GAD-7", "scores": {"total": _score(8, "mild", False)}, "risk_rules": []},
    "who-5": {
        "measure": "WHO-5",
        "scores": {"total": _score(12, "poor wellbeing", False), "percentage": _score(48, "poor wellbeing", False)},
        "risk_rules": [],
    },
    "k10": {"measure": "K10", "scores": {"total": _score(24, "high", True)}, "risk_rules": []},
    "pcl-5": {
        "measure": "PCL-5",
        "scores": {
            "total": _score(33, "probable PTSD (provisional)", True),
            "intrusion": _score(8),
            "avoidance": _score(5),
            "cognition_mood": _score(10),
            "arousal": _score(10),
        },
        "risk_rules": [],
    },
    "outcome-rating": {"measure": "OUTCOME-4", "scores": {"total": _score(23)}, "risk_rules": []},
    "daily-goal-check-in": {"measure": "DAILY-MOTIVATION", "scores": {"total": _score(7)}, "risk_rules": []},
    "stress-interruption": {
        "measure": "STRESS-INTERRUPTION",
        "scores": {"total": _score(4), "before": _score(8)},
        "risk_rules": [],
    },
}


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], ids=["sqlite", "postgres"]
)
def stack(request, tmp_path_factory, rabbit_vhost, bus_users, postgres_database) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp(f"stack-scored-{request.param}")
    urls = {name: postgres_database(name) for name in SERVICES} if request.param == "postgres" else {}
    env = {"GATEWAY_TOKEN_SECRET": SECRET, "SCHEDULER_TICK_SECONDS": "0.3"}
    with running_stack(root, rabbit_vhost(), urls, env, bus_users=bus_users) as running:
        yield running


@dataclass
class Matrix:
    """What the therapist sees once every way's client has answered."""

    therapist: Api
    activity_ids: dict[str, str]
    clients: dict[str, str]  # way -> client id
    views: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # way -> variant -> assignment
    caseload: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # way -> the client's open flags
    alerts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # way -> alerts on its item-9 assignment
    seconds: dict[str, float] = field(default_factory=dict)


@pytest.fixture(scope="module")
def matrix(stack: Stack) -> Matrix:
    started = time.monotonic()
    therapist = login(stack.url, "therapist@demo.clinic", "therapist-demo-pass")
    activity_ids = {variant: published_copy(therapist, SLUG[variant]) for variant in ANSWERS}
    run = uuid.uuid4().hex[:6]
    clients, sessions = {}, {}
    for way in WAYS:
        username = f"scored-{way}-{run}@example.org"
        clients[way] = invited_client(stack.url, therapist, username)
        sessions[way] = login(stack.url, username, PASSWORD)
    built = Matrix(therapist, activity_ids, clients)

    # Recurrences first: their occurrences are released by the scheduler while the rest is set up.
    group_recurring = create_group(therapist, "Weekly measures", [clients["group-recurrence"]])
    for activity_id in activity_ids.values():
        body = {"client_id": clients["recurrence"], **recurring(activity_id)}
        require_scheduled(therapist.call("POST", "/recurrences", body, 201))
        therapist.call("POST", f"/groups/{group_recurring}/recurrences", recurring(activity_id), 201)
    for programme in therapist.call("GET", f"/groups/{group_recurring}", expect=200)["programmes"]:
        [delivery] = programme["deliveries"]
        require_scheduled(therapist.call("GET", f"/recurrences/{delivery['target_id']}", expect=200))

    for activity_id in activity_ids.values():
        therapist.call("POST", "/assignments", {"client_id": clients[ONE_OFF], "activity_id": activity_id}, 201)

    group = create_group(therapist, "Measures group", [clients["group-assignment"]])
    for activity_id in activity_ids.values():
        therapist.call("POST", f"/groups/{group}/assignments", {"activity_id": activity_id}, 201)
    join(therapist, group, clients["joiner-from-start"], "from_start")

    steps = [{"activity_id": a, "release": {"type": "immediately"}} for a in activity_ids.values()]
    pathway = therapist.call("POST", "/pathways", {"name": "Every measure", "steps": steps}, 201)["pathway_id"]
    therapist.call("POST", f"/pathways/{pathway}/enrolments", {"client_id": clients["pathway"]}, 201)
    group_on_pathway = create_group(therapist, "Pathway group", [clients["group-pathway"]])
    therapist.call("POST", f"/groups/{group_on_pathway}/pathways", {"pathway_id": pathway}, 201)
    join(therapist, group_on_pathway, clients["joiner-from-today"], "from_today")
    built.seconds["set up"] = time.monotonic() - started

    by_activity = {activity_id: variant for variant, activity_id in activity_ids.items()}
    # The recurrences' ways last: their occurrences are released while the others answer.
    for way in sorted(WAYS, key=lambda name: name.endswith("recurrence")):
        listed = every_assignment(therapist, clients[way], set(by_activity), way)
        for activity_id, assignment_id in listed.items():
            variant = by_activity[activity_id]
            path = f"/assignments/{assignment_id}"
            sessions[way].call("POST", f"{path}/responses", {"answers": ANSWERS[variant]}, 201)
            built.views.setdefault(way, {})[variant] = therapist.call("GET", path, expect=200)
    built.seconds["answered"] = time.monotonic() - started

    observe_risk(built)
    built.seconds["observed"] = time.monotonic() - started
    database = "postgres" if stack.database_urls else "sqlite"
    print(f"scored-everywhere on {database}, seconds since the stack was up: {built.seconds}")
    return built


def published_copy(therapist: Api, slug: str) -> str:
    copy = therapist.call("POST", f"/library/{slug}/copy", expect=201)
    therapist.call("POST", f"/activities/{copy['activity_id']}/publish", expect=201)
    return copy["activity_id"]


def invited_client(base: str, therapist: Api, username: str) -> str:
    invitation = therapist.call("POST", "/invitations", {"username": username, "role": "client"}, expect=201)
    redeemed = Api(base).call("POST", "/invitations/redeem", {"code": invitation["code"], "password": PASSWORD}, 200)
    return redeemed["account_id"]


def create_group(therapist: Api, name: str, members: list[str]) -> str:
    return therapist.call("POST", "/groups", {"name": name, "members": members}, 201)["group_id"]


def join(therapist: Api, group_id: str, client_id: str, joining: str) -> None:
    group = therapist.call("POST", f"/groups/{group_id}/members", {"client_id": client_id, "joining": joining}, 200)
    assert client_id in group["members"]


def recurring(activity_id: str) -> dict[str, Any]:
    """One occurrence, a few seconds from now in the client's zone."""
    local_start = (datetime.now(ZoneInfo(ZONE)) + timedelta(seconds=5)).replace(microsecond=0, tzinfo=None)
    return {
        "activity_id": activity_id,
        "rule": "FREQ=SECONDLY;INTERVAL=2;COUNT=1",
        "starts_at": local_start.isoformat(),
        "time_zone": ZONE,
        "due_after_hours": 24,
    }


def require_scheduled(recurrence: dict[str, Any]) -> None:
    """Its occurrence is still ahead (or already released): it was not created after its start time."""
    assert recurrence["next_release_at"] or recurrence["released"], f"nothing scheduled: {recurrence}"


def every_assignment(therapist: Api, client_id: str, activity_ids: set[str], way: str) -> dict[str, str]:
    """The client's one assignment of each activity (a recurrence's once its occurrence is released)."""
    listed = wait_until(
        lambda: (found := assignments_of(therapist, client_id)).keys() >= activity_ids and found,
        timeout=60,
        interval=0.3,
        what=f"an assignment of every measure for {way}",
    )
    assert listed.keys() == activity_ids, f"{way}: assignments of other activities too"
    return listed


def assignments_of(therapist: Api, client_id: str) -> dict[str, str]:
    """activity id -> assignment id of the client's assignments (at most one per activity here)."""
    listed = therapist.call("GET", f"/clients/{client_id}/assignments?limit=200", expect=200)["assignments"]
    found: dict[str, str] = {}
    for assignment in listed:
        assert assignment["activity_id"] not in found, f"{client_id} has two assignments of one activity"
        found[assignment["activity_id"]] = assignment["assignment_id"]
    return found


def observe_risk(built: Matrix) -> None:
    """Each way's open flags on the caseload and alerts on its item-9 assignment.

    Waits until every way shows both, or 10 s after the one-off does (its
    flag went through the same relays and projections as everyone's), or 45 s.
    """
    deadline, settled_by = time.monotonic() + 45, None
    while True:
        entries = {e["client_id"]: e for e in built.therapist.call("GET", "/me/caseload", expect=200)["clients"]}
        alerts = built.therapist.call("GET", "/me/alerts", expect=200)["alerts"]
        for way, client_id in built.clients.items():
            assignment_id = built.views[way][RISK]["assignment_id"]
            built.caseload[way] = entries.get(client_id, {}).get("open_risk_flags", [])
            built.alerts[way] = [a for a in alerts if a["assignment_id"] == assignment_id]
        shown = {way for way in WAYS if built.caseload[way] and built.alerts[way]}
        if shown == set(WAYS):
            return
        now = time.monotonic()
        if ONE_OFF in shown and settled_by is None:
            settled_by = now + 10
        if now > deadline or (settled_by is not None and now > settled_by):
            return
        time.sleep(0.3)


def scoring(view: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": view["status"],
        "measure": view["measure"],
        "scores": view["scores"],
        "risk_rules": [flag["rule_id"] for flag in view["risk_flags"]],
        "risk_flags": view["risk_flags"],
    }


# -- the tests ------------------------------------------------------------------------


def test_every_scored_library_entry_is_in_the_matrix(stack: Stack, matrix: Matrix) -> None:
    scored = set()
    for entry in matrix.therapist.call("GET", "/library", expect=200)["entries"]:
        activity = matrix.therapist.call("GET", f"/library/{entry['slug']}", expect=200)["activity"]
        if activity.get("scoring"):
            scored.add(entry["slug"])
    assert scored == set(SLUG.values()), "a scored library entry without answers here: add it to ANSWERS"


@pytest.mark.parametrize("variant", list(ANSWERS))
def test_a_one_off_scores_as_published(matrix: Matrix, variant: str) -> None:
    view = scoring(matrix.views[ONE_OFF][variant])
    assert {key: view[key] for key in ("status", "measure", "scores", "risk_rules")} == {
        "status": "submitted",
        **PUBLISHED[variant],
    }


@pytest.mark.parametrize("variant", list(ANSWERS))
@pytest.mark.parametrize("way", [way for way in WAYS if way != ONE_OFF])
def test_scored_as_a_one_off(matrix: Matrix, way: str, variant: str) -> None:
    """The same answers: the same measure, scores, bands, cutoff flags and risk flags as on a one-off."""
    assert scoring(matrix.views[way][variant]) == scoring(matrix.views[ONE_OFF][variant])


@pytest.mark.parametrize("way", WAYS)
def test_phq9_item9_raises_the_flag_the_alert_and_the_caseload_entry(matrix: Matrix, way: str) -> None:
    assignment = matrix.views[way][RISK]
    assignment_id, client_id = assignment["assignment_id"], matrix.clients[way]
    observed = {
        "flags on the assignment": [flag["rule_id"] for flag in assignment["risk_flags"]],
        # The client's open flags: this one only, since no other measure's answers may raise one.
        "open_risk_flags on the caseload": [
            (f["assignment_id"], f["rule_id"], f["measure"]) for f in matrix.caseload[way]
        ],
        "the therapist's alerts": [(a["kind"], a["assignment_id"], a["client_id"]) for a in matrix.alerts[way]],
    }
    assert observed == {
        "flags on the assignment": [PHQ9_FLAG],
        "open_risk_flags on the caseload": [(assignment_id, PHQ9_FLAG, "PHQ-9")],
        "the therapist's alerts": [("risk_flag", assignment_id, client_id)],
    }
    [flag], [alert] = matrix.caseload[way], matrix.alerts[way]
    assert alert["flag_id"] == flag["flag_id"] and "on PHQ-9" in alert["body"]


LOINC_PHQ9 = Path(__file__).resolve().parents[2] / "services/activities/tests/fhir_questionnaires/loinc-phq9.json"


def option_scoring(item: dict[str, Any], score: int) -> str:
    return next(option["value"] for option in item["options"] if option["score"] == score)


def test_an_ehrs_loinc_phq9_sent_on_a_recurrence_raises_the_item9_flag(stack: Stack, matrix: Matrix) -> None:
    """A PHQ-9 that nobody here wrote (LHC-Forms' LOINC 44249-1), imported, scored as the library's on a recurrence."""
    therapist = matrix.therapist
    imported = therapist.call("POST", "/activities/fhir", json.loads(LOINC_PHQ9.read_text()), 201)["activity"]
    activity_id = imported["activity_id"]
    therapist.call("POST", f"/activities/{activity_id}/publish", expect=201)
    username = f"scored-fhir-{uuid.uuid4().hex[:6]}@example.org"
    client_id = invited_client(stack.url, therapist, username)
    require_scheduled(therapist.call("POST", "/recurrences", {"client_id": client_id, **recurring(activity_id)}, 201))
    [assignment_id] = every_assignment(therapist, client_id, {activity_id}, "an imported PHQ-9").values()

    items = therapist.call("GET", f"/activities/{activity_id}", expect=200)["draft"]["items"]
    scored = [item for item in items if item["id"] in imported["draft"]["scoring"]["total"]["items"]]
    item9 = next(item for item in scored if "44260-8" in {code["code"] for code in item["codes"]})
    answers = {item["id"]: option_scoring(item, 2 if item is item9 else 0) for item in scored}
    login(stack.url, username, PASSWORD).call(
        "POST", f"/assignments/{assignment_id}/responses", {"answers": answers}, 201
    )

    view = therapist.call("GET", f"/assignments/{assignment_id}", expect=200)
    assert (view["measure"], view["scores"]["total"]) == ("PHQ-9", _score(2, "minimal", False))
    assert [flag["rule_id"] for flag in view["risk_flags"]] == [PHQ9_FLAG]
    wait_until(
        lambda: [
            a for a in therapist.call("GET", "/me/alerts", expect=200)["alerts"] if a["assignment_id"] == assignment_id
        ],
        timeout=45,
        interval=0.3,
        what="the therapist's alert on the imported PHQ-9's item 9",
    )
