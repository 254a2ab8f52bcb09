"""The fault harness, shortened: submissions while every process is killed and the broker and database restart.

Runs its own RabbitMQ node and PostgreSQL cluster (scripts/chaos.py), never the machine's, and checks that
every submission the gateway accepted is in the assignment log and the reporting projection exactly once.
"""

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / "scripts"))

pytestmark = [pytest.mark.e2e]

NEEDS = ["/usr/lib/rabbitmq/bin/rabbitmq-server", "/usr/lib/postgresql/15/bin/pg_ctl", "runuser"]


@pytest.mark.skipif(
    not all(Path(p).exists() or shutil.which(p) for p in NEEDS), reason="needs rabbitmq-server and PostgreSQL 15"
)
def test_accepted_submissions_survive_kills_and_restarts_exactly_once() -> None:
    from chaos import chaos

    report = chaos(submissions=200, clients=8, seconds=30)

    assert report["accepted_2xx"] > 0
    assert report["accepted_missing_from_log"] == 0, report
    assert report["accepted_missing_from_projection"] == 0, report
    assert report["in_log_more_than_once"] == 0, report
    assert report["in_log_not_in_projection"] == 0, report
    assert report["projection_tracking_rows"] == report["in_projection"] == report["in_log"], report
    assert report["in_log_never_confirmed_to_client"] == 0, report
    assert report["exactly_once"], report
