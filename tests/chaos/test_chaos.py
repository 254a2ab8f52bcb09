"""The fault harness, shortened: every workload while every process, the broker and the database are killed.

Runs its own RabbitMQ node and PostgreSQL cluster (scripts/chaos.py), never the machine's, and checks every
store a fault can touch: submissions, created assignments, follow-ups, the audit trail, sessions, the
projection against a fresh rebuild, and poison messages dead-lettered with every process still up.
"""

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent / "scripts"))

pytestmark = [pytest.mark.e2e]

NEEDS = ["/usr/lib/rabbitmq/bin/rabbitmq-server", "/usr/lib/postgresql/15/bin/pg_ctl", "runuser"]
SMALL = (
    "--submissions 120 --clients 6 --creations 30 --follow-ups 20 --accounts 8 --sessions 5 --refreshes 3 --seconds 30"
)


@pytest.mark.skipif(
    not all(Path(p).exists() or shutil.which(p) for p in NEEDS), reason="needs rabbitmq-server and PostgreSQL 15"
)
def test_nothing_is_lost_or_done_twice_when_processes_broker_and_database_are_killed() -> None:
    from chaos import chaos, parser

    report = chaos(parser().parse_args(SMALL.split()))

    assert report["submissions"]["accepted"] > 0, report
    for store in ("submissions", "assignments_created", "follow_ups", "audit", "logins_and_refreshes", "poison"):
        assert report[store]["lost"] == 0, (store, report[store])
        assert report[store]["duplicated"] == 0, (store, report[store])
    assert report["submissions"]["in_log_never_confirmed_to_client"] == 0, report["submissions"]
    assert report["analytics"]["equal_to_fresh_rebuild"], report["analytics"]
    assert "ok" in report["rebuilds_under_load"], report["rebuilds_under_load"]
    assert report["exactly_once"], report
