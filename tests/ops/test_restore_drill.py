"""The restore drill of docs/operations.md, performed locally on PostgreSQL.

The event stores (activities, assignments) are the system of record: dumped with ``pg_dump -Fc``, destroyed,
restored with ``pg_restore``, they must hold exactly the rows they held, answers still readable with the master key,
and a projection rebuilt from the restored logs must equal the one built from the originals, table by table.
The applications run directly on fresh databases (no broker): ``read_log`` is the services' RPC body.
"""

import base64
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.application import Application
from psycopg import sql

from interlude_activities.application import ActivitiesApplication
from interlude_activities.application import create_application as create_activities
from interlude_activities.library import entry
from interlude_activities.translation import to_envelope as activity_envelope
from interlude_activities.translation import version_body
from interlude_assignments.application import AssignmentsApplication
from interlude_assignments.application import create_application as create_assignments
from interlude_assignments.handlers import AcknowledgeRiskFlag, Assign, SubmitResponse, handle
from interlude_assignments.snapshot import pinned_version
from interlude_assignments.translation import to_envelope as assignment_envelope
from interlude_reporting.projection import dump_tables
from interlude_reporting.rebuild import rebuild
from interlude_runtime.outbox import log_page
from interlude_runtime.shredding import MASTER_KEY_VARIABLE
from interlude_runtime.storage import Database, postgres_conninfo, postgres_params

pytestmark = pytest.mark.postgres

MASTER_KEY = base64.b64encode(os.urandom(32)).decode()
CLINIC = "clinic-drill"
PHQ9_WITH_RISK = {f"phq9_{n}": "2" for n in range(1, 9)} | {"phq9_9": "1", "phq9_difficulty": "very"}
PHQ9_WITHOUT_RISK = {f"phq9_{n}": "1" for n in range(1, 9)} | {"phq9_9": "0", "phq9_difficulty": "somewhat"}
Rows = dict[str, list[tuple[Any, ...]]]


def postgres_binary(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/lib/postgresql/15/bin")
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


def connect(url: str, autocommit: bool = False) -> psycopg.Connection:
    return psycopg.connect(postgres_conninfo(postgres_params(url)), autocommit=autocommit)


def store_rows(url: str) -> Rows:
    """Every row of every table of the database, sorted: what a restore must give back exactly."""
    with connect(url) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"
            )
        ]
        return {
            table: sorted(
                (
                    tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                    for row in connection.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(table)))
                ),
                key=repr,
            )
            for table in tables
        }


def dump(url: str, archive: Path) -> None:
    subprocess.run([postgres_binary("pg_dump"), "-Fc", "-f", str(archive), url], check=True)


def destroy_and_restore(url: str, archive: Path) -> None:
    name = postgres_params(url)["dbname"]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    subprocess.run(
        [postgres_binary("pg_restore"), "--no-owner", "--exit-on-error", "-d", url, str(archive)], check=True
    )


def log_reader(
    activities: ActivitiesApplication, assignments: AssignmentsApplication
) -> Callable[[str, int, int], dict[str, Any]]:
    """What the rebuild calls over RPC (each service's ``read_log``), on the applications themselves."""
    sources: dict[str, tuple[Application[UUID], Any]] = {
        "activities": (activities, activity_envelope),
        "assignments": (assignments, assignment_envelope),
    }

    def read_log(source: str, after: int, limit: int) -> dict[str, Any]:
        app, translate = sources[source]
        envelopes, last = log_page(app, translate, after, limit)
        return {"events": envelopes, "last_position": last}

    return read_log


def rebuilt_projection(url: str, activities_url: str, assignments_url: str) -> dict[str, list[dict[str, Any]]]:
    activities, assignments = open_stores(activities_url, assignments_url)
    database = Database(url)
    try:
        rebuild(database, log_reader(activities, assignments), lambda source, done, total: None)
        return dump_tables(database)
    finally:
        database.close()
        activities.close()
        assignments.close()


def open_stores(activities_url: str, assignments_url: str) -> tuple[ActivitiesApplication, AssignmentsApplication]:
    activities = create_activities({"DATABASE_URL": activities_url})
    assignments = create_assignments({"DATABASE_URL": assignments_url, MASTER_KEY_VARIABLE: MASTER_KEY})
    return activities, assignments


def record_history(activities: ActivitiesApplication, assignments: AssignmentsApplication) -> list[UUID]:
    """PHQ-9 copied and published; four assignments; two answered, one raising a risk flag then acknowledged."""
    library = entry("phq-9")
    draft = {**library["activity"], "source": library["source"], "licence": library["licence"]}
    activity = activities.copy_from_library(CLINIC, "therapist-1", "phq-9", draft, "corr-copy")
    activity = activities.publish(CLINIC, activity.id, "therapist-1", "corr-publish")
    version = pinned_version(version_body(activity, activity.published_version(activity.latest_version)))
    assigned = [
        handle(assignments, Assign(CLINIC, "therapist-1", f"client-{n}", version, None, f"corr-assign-{n}"))
        for n in range(1, 5)
    ]
    handle(assignments, SubmitResponse(CLINIC, assigned[0].id, PHQ9_WITH_RISK, "corr-risk", "client-1"))
    handle(assignments, SubmitResponse(CLINIC, assigned[1].id, PHQ9_WITHOUT_RISK, "corr-calm", "client-2"))
    flagged = assignments.get(CLINIC, assigned[0].id)
    (flag_id,) = flagged.raised_flags
    handle(
        assignments,
        AcknowledgeRiskFlag(CLINIC, flagged.id, UUID(str(flag_id)), "therapist-1", "Called the client.", "corr-ack"),
    )
    return [assignment.id for assignment in assigned]


@pytest.fixture
def stores(postgres_database: Callable[[str], str]) -> Iterator[tuple[str, str]]:
    yield postgres_database("drill_activities"), postgres_database("drill_assignments")


def test_dump_destroy_restore_and_rebuild_gives_every_table_back(
    stores: tuple[str, str], postgres_database: Callable[[str], str], tmp_path: Path
) -> None:
    activities_url, assignments_url = stores
    activities, assignments = open_stores(activities_url, assignments_url)
    try:
        assignment_ids = record_history(activities, assignments)
    finally:
        activities.close()
        assignments.close()
    original_stores = {url: store_rows(url) for url in stores}
    original_projection = rebuilt_projection(postgres_database("drill_reporting"), *stores)
    assert len(original_projection["assignments"]) == 4
    assert len(original_projection["risk_flags"]) == 1

    for url in stores:
        archive = tmp_path / f"{postgres_params(url)['dbname']}.dump"
        dump(url, archive)
        destroy_and_restore(url, archive)

    assert {url: store_rows(url) for url in stores} == original_stores
    assert rebuilt_projection(postgres_database("drill_reporting_restored"), *stores) == original_projection
    activities, assignments = open_stores(activities_url, assignments_url)
    try:
        answered = assignments.get(CLINIC, assignment_ids[0])
        assert answered.answers == PHQ9_WITH_RISK
        assert len(answered.acknowledged_flags) == 1
    finally:
        activities.close()
        assignments.close()
