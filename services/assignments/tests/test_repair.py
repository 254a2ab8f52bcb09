"""The snapshot repair on a log written by 1cc4933, whose recurrences, pathways and groups kept no scoring.

The fixture (tests/fixtures/upgrade_from_1cc4933) is the assignments store of a
real stack run on that commit; its manifest says what was created and what the
therapist saw then. The exact published versions come from the manifest, as
the activities service would return them.
"""

import json
import shutil
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from interlude_activity_model.scoring import score_response
from interlude_assignments import repair
from interlude_assignments.application import create_application
from interlude_assignments.domain import SUBMITTED, Assignment
from interlude_assignments.handlers import (
    ReleaseOccurrence,
    SubmitResponse,
    get_enrolment,
    get_group,
    get_pathway,
    get_recurrence,
    handle,
)
from interlude_assignments.repair import repair_snapshots
from interlude_assignments.snapshot import SNAPSHOT_KEYS

FIXTURE = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "upgrade_from_1cc4933"
MANIFEST = json.loads((FIXTURE / "manifest.json").read_text())
MASTER_KEY = MANIFEST["environment"]["CLIENT_DATA_MASTER_KEY"]
VERSIONS = {
    (activity["activity_id"], activity["version"]): activity["published_version"]
    for activity in MANIFEST["activities"].values()
}
ANSWERED_UNSCORED = [a for a in MANIFEST["assignments"] if a["answered"] and not a["view_today"]["scores"]]


def version_of(clinic_id: str, activity_id: str, number: int) -> dict[str, Any]:
    assert clinic_id == MANIFEST["clinic_id"]
    return VERSIONS[(activity_id, number)]


@pytest.fixture
def app(tmp_path: Path):
    shutil.copy(FIXTURE / "data" / "assignments.sqlite", tmp_path / "assignments.sqlite")
    application = create_application({"INTERLUDE_DATA_DIR": str(tmp_path), "CLIENT_DATA_MASTER_KEY": MASTER_KEY})
    yield application
    application.close()


def assignment(app, assignment_id: str) -> Assignment:
    return app.get(MANIFEST["clinic_id"], UUID(assignment_id))


def test_the_fixture_holds_the_bug() -> None:
    assert {a["created_by"].split(" ")[0] for a in ANSWERED_UNSCORED} == {"recurrence", "pathway", "group"}


def test_answered_assignments_are_scored_from_their_exact_version_and_their_flags_raised(app) -> None:
    report = repair_snapshots(app, version_of, "corr-repair")

    assert not report.failed
    assert sorted(report.scored) == sorted(a["assignment_id"] for a in ANSWERED_UNSCORED)
    for expected in ANSWERED_UNSCORED:
        repaired = assignment(app, expected["assignment_id"])
        version = VERSIONS[(expected["activity_id"], expected["activity_version"])]
        published = score_response(version, repaired.answers)
        assert repaired.status == SUBMITTED and repaired.answers == expected["answers"]
        assert repaired.scores == published["scores"] and repaired.scores["total"]["value"] > 0
        assert repaired.risk_flags == published["risk_flags"]
        assert {flag["rule_id"] for flag in repaired.raised_flags.values()} == {
            flag["rule_id"] for flag in published["risk_flags"]
        }
        assert set(repaired.activity) == set(SNAPSHOT_KEYS) and repaired.activity["scoring"] == version["scoring"]


def test_phq9_item9_answers_raise_the_flag_after_the_repair(app) -> None:
    repair_snapshots(app, version_of, "corr-repair")

    phq9 = [a for a in ANSWERED_UNSCORED if a["activity"] == "phq-9"]
    assert phq9 and all(a["answers"]["phq9_9"] != "0" for a in phq9)
    for expected in phq9:
        repaired = assignment(app, expected["assignment_id"])
        assert [flag["rule_id"] for flag in repaired.risk_flags] == ["phq9-item9"]
        assert repaired.scores["total"]["band"] is not None


def test_the_repair_is_idempotent(app) -> None:
    first = repair_snapshots(app, version_of, "corr-repair")
    position = app.recorder.max_notification_id()

    second = repair_snapshots(app, version_of, "corr-repair-again")

    assert first.completed and not second.completed and not second.scored
    assert app.recorder.max_notification_id() == position  # nothing written, not even progress


def test_a_repair_that_starts_over_changes_nothing_more(app) -> None:
    """Two replicas, or a lost progress record: the snapshots lack nothing, so nothing is written again."""
    repair_snapshots(app, version_of, "corr-repair")
    events_after_first = app.recorder.max_notification_id()

    report = repair.RepairReport()
    for aggregate_id, _ in repair._keepers_after(app, 0):
        repair._repair(app, aggregate_id, version_of, "corr-again", report)

    assert report.completed == [] and app.recorder.max_notification_id() == events_after_first


def test_the_scored_one_off_assignment_is_left_as_it_was(app) -> None:
    [one_off] = [a for a in MANIFEST["assignments"] if a["created_by"].startswith("one-off")]
    before = assignment(app, one_off["assignment_id"])

    report = repair_snapshots(app, version_of, "corr-repair")

    after = assignment(app, one_off["assignment_id"])
    assert one_off["assignment_id"] not in report.completed
    assert after.version == before.version and after.scores == one_off["view_today"]["scores"]


def test_open_assignments_score_when_answered_after_the_repair(app) -> None:
    repair_snapshots(app, version_of, "corr-repair")
    answers = {f"phq9_{n}": "1" for n in range(1, 9)} | {"phq9_9": "2", "phq9_difficulty": "somewhat"}
    open_phq9 = [a for a in MANIFEST["assignments"] if not a["answered"] and a["activity"] == "phq-9"]
    assert {a["created_by"].split(" ")[0] for a in open_phq9} == {"recurrence", "group"}

    for expected in open_phq9:
        submitted = handle(
            app, SubmitResponse(MANIFEST["clinic_id"], UUID(expected["assignment_id"]), answers, "corr-answer")
        )
        assert submitted.scores["total"] == {"value": 10.0, "band": "moderate", "above_cutoff": True}
        assert [flag["rule_id"] for flag in submitted.risk_flags] == ["phq9-item9"]


def test_schedules_release_complete_assignments_after_the_repair(app) -> None:
    """The recurrences, pathway, enrolments and group programmes are completed too: what they release scores."""
    repair_snapshots(app, version_of, "corr-repair")

    for recurrence in MANIFEST["recurrences"]:
        kept = get_recurrence(app, MANIFEST["clinic_id"], UUID(recurrence["recurrence_id"])).activity
        assert kept["scoring"] and kept["measure"], recurrence["how"]
    [pathway] = MANIFEST["pathways"]
    for step in get_pathway(app, MANIFEST["clinic_id"], UUID(pathway["pathway_id"])).steps:
        assert step["activity"]["scoring"]["total"]
    for enrolment in MANIFEST["enrolments"]:
        definition = get_enrolment(app, MANIFEST["clinic_id"], UUID(enrolment["enrolment_id"])).definition
        assert all(step["activity"]["measure"] == "PHQ-9" for step in definition)
    [group] = MANIFEST["groups"]
    for programme in get_group(app, MANIFEST["clinic_id"], UUID(group["group_id"])).programmes:
        if "activity" in programme["spec"]:
            assert programme["spec"]["activity"]["scoring"]


def test_a_daily_recurrence_created_before_the_fix_releases_a_scored_occurrence(app) -> None:
    repair_snapshots(app, version_of, "corr-repair")
    [daily] = [r for r in MANIFEST["recurrences"] if r["rule"].startswith("FREQ=DAILY")]
    recurrence = get_recurrence(app, MANIFEST["clinic_id"], UUID(daily["recurrence_id"]))

    released = handle(app, ReleaseOccurrence(recurrence.id, recurrence.next_release_at, "corr-release"))

    assert released is not None and released.activity["measure"] == "PHQ-9"
    assert set(released.activity) == set(SNAPSHOT_KEYS)


def test_the_repair_runs_at_start_soon_again_after_a_failure_then_daily() -> None:
    now = [100.0]
    schedule = repair.RepairSchedule(interval=86400, retry=15, clock=lambda: now[0])
    assert schedule.due()

    schedule.ran(failed=True)
    now[0] += 14
    assert not schedule.due()
    now[0] += 1
    assert schedule.due()

    schedule.ran(failed=False)
    now[0] += 86399
    assert not schedule.due()
    now[0] += 1
    assert schedule.due()


def test_a_run_whose_versions_cannot_be_read_writes_nothing_and_the_next_run_repairs(app) -> None:
    def unavailable(clinic_id: str, activity_id: str, number: int) -> dict[str, Any]:
        raise TimeoutError("the activities service does not answer yet")

    position = app.recorder.max_notification_id()
    failed = repair_snapshots(app, unavailable, "corr-repair")

    assert len(failed.failed) == 1 and not failed.completed  # the first failure ends the run
    assert app.recorder.max_notification_id() == position
    again = repair_snapshots(app, version_of, "corr-repair")
    assert not again.failed and sorted(again.scored) == sorted(a["assignment_id"] for a in ANSWERED_UNSCORED)


OLD_KEYS = ("activity_id", "version", "title", "instructions", "items")  # what 1cc4933's schedules kept


@pytest.fixture
def store_app(application_opener):
    return application_opener(create_application)()


def test_on_every_store_an_old_shaped_answer_is_scored_once(store_app) -> None:
    """The repair over each event store (in memory, SQLite, PostgreSQL), on an assignment stored as 1cc4933 did."""
    [phq9] = [a for a in MANIFEST["activities"].values() if a["published_version"]["measure"] == "PHQ-9"]
    version = phq9["published_version"]
    old_shape = Assignment(
        clinic_id=MANIFEST["clinic_id"],
        client_id="client-1",
        therapist_id="therapist-1",
        activity={key: version[key] for key in OLD_KEYS},
        due_at=None,
        correlation_id="corr-old",
    )
    answers = {f"phq9_{n}": "1" for n in range(1, 9)} | {"phq9_9": "2", "phq9_difficulty": "somewhat"}
    old_shape.submit(answers, "corr-answer")
    store_app.save(old_shape)
    assert old_shape.scores == {}  # the bug, reproduced

    first = repair_snapshots(store_app, version_of, "corr-repair")
    second = repair_snapshots(store_app, version_of, "corr-repair")

    repaired = store_app.get(MANIFEST["clinic_id"], old_shape.id)
    assert first.scored == [str(old_shape.id)] and not second.completed
    assert repaired.scores["total"] == {"value": 10.0, "band": "moderate", "above_cutoff": True}
    assert [flag["rule_id"] for flag in repaired.raised_flags.values()] == ["phq9-item9"]
