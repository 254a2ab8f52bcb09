"""The analysts' read-only PostgreSQL role: it reads every projection table and can write none."""

import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from analytics_history import build_scored_history
from psycopg import sql

from interlude_reporting.analyst import analyst_role_sql, create_analyst_role
from interlude_reporting.projection import PROJECTION_TABLES, apply_event, create_tables
from interlude_reporting.rebuild import main
from interlude_runtime.storage import Database, postgres_conninfo, postgres_params
from interlude_testing import EventFactory

pytestmark = pytest.mark.postgres


@pytest.fixture
def projection_url(postgres_database: Callable[[str], str]) -> Iterator[str]:
    url = postgres_database("analyst")
    database = Database(url)
    create_tables(database)
    factory = EventFactory()
    build_scored_history(factory)
    for event in factory.events:
        apply_event(database, event)
    database.close()
    yield url


@pytest.fixture
def role(projection_url: str) -> Iterator[str]:
    """A role name of this test's own; dropped afterwards (roles are cluster-wide)."""
    name = f"interlude_analyst_{uuid.uuid4().hex[:8]}"
    yield name
    with psycopg.connect(postgres_conninfo(postgres_params(projection_url)), autocommit=True) as owner:
        owner.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
        owner.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


def connect_as(url: str, role: str) -> psycopg.Connection:
    return psycopg.connect(postgres_conninfo({**postgres_params(url), "user": role, "password": "pw"}), autocommit=True)


def test_the_analyst_role_reads_every_table_and_writes_none(projection_url: str, role: str) -> None:
    main(["analyst-role", role, "--password", "pw", "--database", projection_url])
    create_analyst_role(projection_url, role, "pw")  # running it again is harmless

    with connect_as(projection_url, role) as analyst:
        for table in (*PROJECTION_TABLES, "tracking", "measures"):
            analyst.execute(sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(table))).fetchone()
        assert analyst.execute("SELECT COUNT(*) FROM scores").fetchone()[0] == 8
        analyst.execute("SET default_transaction_read_only = off")  # even so, no write privilege
        for statement in (
            "INSERT INTO measures (measure, name, minimum, maximum, lower_is_better, cutoff, sd, reliability, source)"
            " VALUES ('X', 'x', 0, 1, 1, 1, 1, 0.5, 'x')",
            "UPDATE scores SET value = 0",
            "DELETE FROM risk_flags",
            "TRUNCATE assignments",
            "DROP TABLE tracking",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                analyst.execute(statement)


def test_tables_created_later_are_readable_too(projection_url: str, role: str) -> None:
    create_analyst_role(projection_url, role, "pw")
    with psycopg.connect(postgres_conninfo(postgres_params(projection_url)), autocommit=True) as owner:
        owner.execute("CREATE TABLE later_projection (id INTEGER)")
    with connect_as(projection_url, role) as analyst:
        assert analyst.execute("SELECT COUNT(*) FROM later_projection").fetchone()[0] == 0


def test_the_sql_can_be_printed_for_a_dba() -> None:
    script = analyst_role_sql("reader", "it's", "reporting")
    assert 'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "reader";' in script
    assert "PASSWORD 'it''s'" in script
    assert "INSERT" not in script and "UPDATE" not in script
