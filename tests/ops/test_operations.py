"""The operations endpoint every process serves on METRICS_PORT, and interlude-migrate."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from interlude_runtime.metrics import EVENTS_PUBLISHED
from interlude_runtime.probes import CACHE_SECONDS, broker_check, database_check, serve_operations
from interlude_runtime.storage import Database

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from support import free_port

pytestmark = [pytest.mark.rabbitmq, pytest.mark.postgres]


def serve(checks: dict) -> tuple[str, object]:
    port = free_port()
    server = serve_operations(port, checks, address="127.0.0.1")
    return f"http://127.0.0.1:{port}", server


def test_ready_when_broker_and_database_answer(amqp_uri, postgres_database) -> None:
    base, server = serve({"broker": broker_check(amqp_uri), "database": database_check(postgres_database("probe"))})
    try:
        ready = requests.get(f"{base}/health/ready", timeout=10)
        assert ready.status_code == 200
        assert ready.json() == {"status": "ok", "checks": {"broker": "ok", "database": "ok"}}
        assert requests.get(f"{base}/health/live", timeout=5).status_code == 200
        EVENTS_PUBLISHED.labels(source="probe-test", event_type="Probed").inc()
        metrics = requests.get(f"{base}/metrics", timeout=5).text
        assert 'interlude_events_published_total{event_type="Probed",source="probe-test"} 1.0' in metrics
    finally:
        server.shutdown()


def test_not_ready_when_the_broker_is_unreachable(postgres_database) -> None:
    closed = f"pyamqp://guest:guest@127.0.0.1:{free_port()}//"
    base, server = serve({"broker": broker_check(closed), "database": database_check(postgres_database("probe"))})
    try:
        ready = requests.get(f"{base}/health/ready", timeout=15)
        assert ready.status_code == 503
        assert ready.json()["checks"]["broker"].startswith("failing")
        assert ready.json()["checks"]["database"] == "ok"
        assert requests.get(f"{base}/health/live", timeout=5).status_code == 200
    finally:
        server.shutdown()


def test_a_service_reports_its_broker_and_database(container_factory, amqp_uri, postgres_database, monkeypatch) -> None:
    from interlude_reporting.service import ReportingService

    monkeypatch.setenv("DATABASE_URL", postgres_database("reporting"))
    port = free_port()
    container = container_factory(ReportingService, {"AMQP_URI": amqp_uri, "METRICS_PORT": port})
    container.start()
    try:
        ready = requests.get(f"http://127.0.0.1:{port}/health/ready", timeout=10)
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"broker": "ok", "database": "ok"}
    finally:
        container.stop()


def test_the_gateway_has_no_database_to_check(container_factory, amqp_uri) -> None:
    from interlude_gateway.service import GatewayService

    port = free_port()
    config = {
        "AMQP_URI": amqp_uri,
        "METRICS_PORT": port,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
        "TOKEN_SECRET": "ops-test-secret-" + "x" * 24,
        "USERS": {},
    }
    container = container_factory(GatewayService, config)
    container.start()
    try:
        ready = requests.get(f"http://127.0.0.1:{port}/health/ready", timeout=10)
        assert ready.json()["checks"] == {"broker": "ok"}
    finally:
        container.stop()


def test_migrate_creates_every_services_tables(postgres_database) -> None:
    urls = {service: postgres_database(service) for service in ("activities", "reporting", "identity", "notifications")}
    for service, url in urls.items():
        subprocess.run(
            [str(Path(sys.executable).parent / "interlude-migrate"), service],
            env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
            check=True,
            capture_output=True,
            timeout=60,
        )
    assert {"relay_tracking", "activities_events"} <= tables(urls["activities"])
    assert {"tracking", "assignments", "activity_versions"} <= tables(urls["reporting"])
    assert {"clinics", "accounts", "audit_entries"} <= tables(urls["identity"])
    assert {"notifications", "schedule", "outbox"} <= tables(urls["notifications"])


def tables(url: str) -> set[str]:
    database = Database(url)
    try:
        with database.transaction() as cursor:
            cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
            return {row["table_name"] for row in cursor.fetchall()}
    finally:
        database.close()


def set_connections_allowed(url: str, allowed: bool) -> None:
    """Make a database unreachable to new connections (as when its server is gone), or reachable again."""
    import psycopg
    from psycopg import sql

    from interlude_runtime.storage import postgres_conninfo, postgres_params

    name = url.rsplit("/", 1)[1]
    admin = postgres_conninfo(postgres_params(url.rsplit("/", 1)[0] + "/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        statement = sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS {}").format(sql.Identifier(name), sql.Literal(allowed))
        connection.execute(statement)


def test_a_service_whose_database_is_unreachable_is_not_ready_nor_healthy(
    container_factory, amqp_uri, postgres_database, monkeypatch
) -> None:
    """Its pod leaves its Service, and the health RPC the gateway's /health/ready asks answers degraded."""
    from nameko.standalone.rpc import ServiceRpcProxy

    from interlude_reporting.service import ReportingService

    url = postgres_database("reporting")
    monkeypatch.setenv("DATABASE_URL", url)
    port = free_port()
    container = container_factory(ReportingService, {"AMQP_URI": amqp_uri, "METRICS_PORT": port})
    container.start()
    try:
        with ServiceRpcProxy("reporting", {"AMQP_URI": amqp_uri}, timeout=10) as reporting:
            assert reporting.health() == {"service": "reporting", "status": "ok"}
            set_connections_allowed(url, False)
            time.sleep(CACHE_SECONDS + 0.5)
            health = reporting.health()
            assert health["status"] == "degraded"
            assert health["checks"]["database"].startswith("failing")
            ready = requests.get(f"http://127.0.0.1:{port}/health/ready", timeout=10)
            assert ready.status_code == 503
            assert ready.json()["checks"]["database"].startswith("failing")
            set_connections_allowed(url, True)
            time.sleep(CACHE_SECONDS + 0.5)
            assert reporting.health() == {"service": "reporting", "status": "ok"}
    finally:
        set_connections_allowed(url, True)
        container.stop()
