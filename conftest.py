"""Root conftest: eventlet patches the standard library first, then the shared fixtures.

nameko services run on eventlet; without the patch, tests that start
containers hang. Integration fixtures talk to the real servers: each test
session gets its own RabbitMQ virtual host and its own PostgreSQL databases,
removed afterwards, so a running `make run` on the same machine is untouched.
"""

import warnings

# nameko 2.14 needs eventlet; its deprecation notice is known and says nothing new.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

import eventlet  # noqa: E402

eventlet.monkey_patch()

import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402

import pytest  # noqa: E402

# Tests are a development setting: processes may start on the development secrets unless a test gives
# its own (tests/ops/test_secrets.py starts processes without this to check that they refuse).
os.environ.setdefault("INTERLUDE_DEVELOPMENT", "1")
# As interlude_runtime sets it for every process, before a test module can import psycopg first.
os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")

POSTGRES_ADMIN = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
RABBIT_BASE = os.environ.get("TEST_AMQP_BASE", "pyamqp://guest:guest@127.0.0.1:5672")


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=60)


# Each virtual host a stack runs in holds 18 quorum queues, and RabbitMQ 3.10 reserves three file handles for each;
# a broker out of handles serves no new connection, so every later test would hang instead of failing.
MINIMUM_BROKER_FILE_HANDLES = 4000


def _require_broker_file_handles() -> None:
    result = subprocess.run(
        ["rabbitmqctl", "eval", "-q", "proplists:get_value(total_limit, file_handle_cache:info([total_limit]))."],
        capture_output=True,
        text=True,
        timeout=60,
    )
    limit = result.stdout.strip()
    if limit.isdigit() and int(limit) < MINIMUM_BROKER_FILE_HANDLES:
        pytest.exit(
            f"RabbitMQ's file handle limit is {limit}: it would stop serving connections part-way through the tests. "
            'Run `scripts/ensure-services.sh rabbitmq` (docs/operations.md, "File handles").',
            returncode=3,
        )


@pytest.fixture(scope="session")
def rabbit_vhost() -> Iterator[Callable[[], str]]:
    """Makes RabbitMQ virtual hosts of this test session's own (-> AMQP URI); deletes them at the end."""
    if not shutil.which("rabbitmqctl"):
        yield lambda: os.environ.get("TEST_AMQP_URI", f"{RABBIT_BASE}/")
        return
    _require_broker_file_handles()
    created: list[str] = []

    def make() -> str:
        vhost = f"interlude-test-{uuid.uuid4().hex[:10]}"
        _rabbitmqctl("add_vhost", vhost)
        _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        created.append(vhost)
        return f"{RABBIT_BASE}/{vhost}"

    yield make
    for vhost in created:
        _rabbitmqctl("delete_vhost", vhost)


@pytest.fixture(scope="session")
def bus_users() -> Iterator[object]:
    """This session's own RabbitMQ user per process (scripts/bus_users.py), deleted at the end.

    None without rabbitmqctl.

    ``users.grant(amqp_uri)`` gives them their permissions on a virtual host and returns each process's AMQP URI.
    """
    if not shutil.which("rabbitmqctl"):
        yield None
        return
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent / "scripts"))
    from bus_users import BusUsers

    users = BusUsers(prefix=f"interlude-test-{uuid.uuid4().hex[:10]}-")
    yield users
    users.delete()


@pytest.fixture(scope="session")
def amqp_uri(rabbit_vhost: Callable[[], str]) -> str:
    """The session's shared RabbitMQ virtual host."""
    return rabbit_vhost()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Callable[[str], str]]:
    """Makes fresh PostgreSQL databases (``make("reporting")`` -> URL); drops them at the end."""
    import psycopg
    from psycopg import sql

    from interlude_runtime.storage import postgres_conninfo, postgres_params

    admin = postgres_conninfo(postgres_params(POSTGRES_ADMIN))
    created: list[str] = []

    def make(label: str) -> str:
        name = f"interlude_test_{label}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        return POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"

    yield make
    with psycopg.connect(admin, autocommit=True) as connection:
        for name in created:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path, postgres_database) -> str:
    """The same test over the embedded SQLite default and PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return postgres_database("store")


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def application_opener(request: pytest.FixtureRequest, tmp_path, postgres_database) -> Iterator[Callable]:
    """The same application test over the in-memory, SQLite and PostgreSQL event stores.

    ``open_app = application_opener(create_application)``; each ``open_app()``
    opens a new application on the same store ("reloading"), except in memory,
    where the store lives in its one application, which rebuilds aggregates
    from its recorded events.
    """
    urls = {
        "memory": lambda: "memory://",
        "sqlite": lambda: f"sqlite:///{tmp_path / 'events.sqlite'}",
        "postgres": lambda: postgres_database("events"),
    }
    url = urls[request.param]()
    opened: list = []

    def opener(create_application: Callable) -> Callable:
        def open_app():
            if url == "memory://" and opened:
                return opened[0]
            opened.append(create_application({"DATABASE_URL": url}))
            return opened[-1]

        return open_app

    yield opener
    for app in opened:
        app.close()
