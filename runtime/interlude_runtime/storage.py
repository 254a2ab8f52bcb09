"""Where a service keeps its data, chosen by environment.

``DATABASE_URL`` selects the store: ``sqlite:///path/file.sqlite`` (the embedded
default, one file per service under ``INTERLUDE_DATA_DIR``) or
``postgresql://user:password@host:port/dbname`` in production. Event stores
also accept ``memory://`` (nothing persisted), for tests.
"""

import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

DEFAULT_DATA_DIR = "var/data"


def database_url(service: str, environ: Mapping[str, str] = os.environ) -> str:
    """The service's store: ``DATABASE_URL``, else a SQLite file in the data folder."""
    url = environ.get("DATABASE_URL")
    if url:
        return url
    data_dir = Path(environ.get("INTERLUDE_DATA_DIR", DEFAULT_DATA_DIR)).resolve()
    return f"sqlite:///{data_dir / f'{service}.sqlite'}"


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def sqlite_path(url: str) -> str:
    if not url.startswith("sqlite:///"):
        raise ValueError(f"Not a sqlite URL: {url!r}")
    return url[len("sqlite:///") :]


def postgres_params(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": str(parts.port or 5432),
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or ""),
        "dbname": parts.path.lstrip("/") or "postgres",
    }


def postgres_conninfo(params: Mapping[str, str]) -> str:
    return " ".join(f"{key}='{value}'" for key, value in params.items() if value)


def ensure_database(url: str) -> None:
    """Create the SQLite folder or the PostgreSQL database if missing.

    Every process opens its store through here first: a PostgreSQL that is restarting is waited for
    (``schema.created_despite_races``), so a process started meanwhile does not exit in its setup.
    """
    if is_postgres(url):
        from .schema import created_despite_races

        params = postgres_params(url)
        created_despite_races(lambda: _ensure_postgres_database(params))
    else:
        Path(sqlite_path(url)).parent.mkdir(parents=True, exist_ok=True)


def _ensure_postgres_database(params: Mapping[str, str]) -> None:
    import psycopg
    from psycopg import sql

    admin = postgres_conninfo({**params, "dbname": "postgres"})
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (params["dbname"],)).fetchone()
        if not exists:
            with suppress(psycopg.errors.DuplicateDatabase):
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(params["dbname"])))


def eventstore_env(url: str) -> dict[str, str]:
    """The eventsourcing environment variables that select the same store."""
    if url.startswith("memory://"):
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    ensure_database(url)
    if not is_postgres(url):
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": sqlite_path(url)}
    params = postgres_params(url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": params["dbname"],
        "POSTGRES_HOST": params["host"],
        "POSTGRES_PORT": params["port"],
        "POSTGRES_USER": params["user"],
        "POSTGRES_PASSWORD": params["password"],
    }


class Cursor(Protocol):
    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None: ...
    def fetchall(self) -> list[dict[str, Any]]: ...
    def fetchone(self) -> dict[str, Any] | None: ...


SCHEMA_LOCK_KEY = 0x1A7E_5C4E  # any constant shared by every Interlude process

_NAMED_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


class Database:
    """A small SQL store for projections and bookkeeping, on SQLite or PostgreSQL.

    SQL is written once with ``:name`` parameters and the ``ON CONFLICT``
    dialect both engines share.
    """

    def __init__(self, url: str, namespace: str | None = None, *, scratch: bool = False) -> None:
        """``scratch`` (SQLite only): a working copy no other process opens, used by one thread at a time (see
        ``_SQLite``)."""
        self.url = url
        self.namespace = namespace
        ensure_database(url)
        if scratch and is_postgres(url):
            raise ValueError("A scratch database is a SQLite file.")
        self._engine = _Postgres(url, namespace) if is_postgres(url) else _SQLite(sqlite_path(url), scratch)

    @property
    def is_postgres(self) -> bool:
        return isinstance(self._engine, _Postgres)

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        with self._engine.transaction() as cursor:
            yield cursor

    def execute_script(self, statements: list[str]) -> None:
        from .schema import created_despite_races

        def run() -> None:
            with self.transaction() as cursor:
                if self.is_postgres:
                    # Processes starting together on a fresh database create their tables one at a time.
                    cursor.execute("SELECT pg_advisory_xact_lock(:key)", {"key": SCHEMA_LOCK_KEY})
                for statement in statements:
                    cursor.execute(statement)

        created_despite_races(run)

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, skip_existing: bool = False
    ) -> None:
        """Many rows into ``table`` in one transaction: PostgreSQL's COPY, SQLite's executemany.

        With ``skip_existing``, a row that conflicts with one already there is left out (``ON CONFLICT DO
        NOTHING``); without it, a conflict fails the whole insert.
        """
        if not (_NAMESPACE.fullmatch(table) and all(_NAMESPACE.fullmatch(column) for column in columns)):
            raise ValueError(f"Not plain lowercase names: {table!r}, {columns!r}")
        self._engine.insert_rows(table, columns, rows, skip_existing)

    def analyze(self, tables: Sequence[str]) -> None:
        """Fresh planner statistics for tables just filled in bulk: PostgreSQL plans a table nobody analyzed
        as nearly empty (a caseload over a rebuilt projection took 570 ms in a nested loop, not 40) until
        autovacuum comes round to it."""
        if not all(_NAMESPACE.fullmatch(table) for table in tables):
            raise ValueError(f"Not plain lowercase names: {tables!r}")
        with self.transaction() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")

    def close(self) -> None:
        self._engine.close()

    def shadow(self, namespace: str) -> "Database":
        """An empty place for a second set of the same tables, on the same engine (whatever was there goes).

        Its SQL is the same (unqualified names land there): on PostgreSQL the
        schema ``namespace`` of the same database, on SQLite a file beside this
        one. ``replacing_tables`` later swaps its tables in.
        """
        if not _NAMESPACE.fullmatch(namespace):
            raise ValueError(f"Not a plain lowercase name: {namespace!r}")
        if self.is_postgres:
            with self.transaction() as cursor:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{namespace}" CASCADE')
                cursor.execute(f'CREATE SCHEMA "{namespace}"')
            return Database(self.url, namespace)
        path = _shadow_path(sqlite_path(self.url), namespace)
        _remove_sqlite_files(path)
        return Database(f"sqlite:///{path}", namespace)

    def discard(self) -> None:
        """Close a shadow and remove what is left of it (nothing after ``replacing_tables``)."""
        self._engine.close()
        if self.is_postgres:
            with Database(self.url) as live, live.transaction() as cursor:
                cursor.execute(f'DROP SCHEMA IF EXISTS "{self.namespace}" CASCADE')
        else:
            _remove_sqlite_files(sqlite_path(self.url))

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def replacing_tables(self, shadow: "Database", tables: Sequence[str]) -> Iterator["TableSwap"]:
        """One transaction in which the shadow's ``tables`` replace this database's, for readers all at once.

        The live tables are locked first (writers and readers wait, then see the
        new tables); in the yielded ``TableSwap``, unqualified names are the live
        tables and ``<namespace>.<table>`` the shadow's until ``swap()``, after
        which unqualified names are the new tables. Grants on the live tables
        (PostgreSQL) are kept.
        """
        namespace = shadow.namespace
        if namespace is None:
            raise ValueError("Not a shadow database")
        attach = {} if self.is_postgres else {namespace: sqlite_path(shadow.url)}
        shadow.close()
        with self._engine.transaction(attach) as cursor:
            table_swap = TableSwap(cursor, namespace, tuple(tables), self.is_postgres)
            if self.is_postgres:
                cursor.execute(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE")
            yield table_swap
            if not table_swap.swapped:
                raise RuntimeError("replacing_tables left without swap()")


_NAMESPACE = re.compile(r"[a-z_][a-z0-9_]*")


def _shadow_path(path: str, namespace: str) -> str:
    live = Path(path)
    return str(live.with_name(f"{live.stem}.{namespace}{live.suffix}"))


def _remove_sqlite_files(path: str) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(path + suffix).unlink(missing_ok=True)


class TableSwap:
    """The open transaction of ``Database.replacing_tables``."""

    def __init__(self, cursor: Cursor, namespace: str, tables: tuple[str, ...], postgres: bool) -> None:
        self.cursor = cursor
        self.namespace = namespace
        self.tables = tables
        self.swapped = False
        self._postgres = postgres

    def swap(self) -> None:
        if self._postgres:
            self._swap_schemas()
        else:
            self._copy_from_attached()
        self.swapped = True

    def _swap_schemas(self) -> None:
        self.cursor.execute("SELECT current_schema() AS name")
        live = (self.cursor.fetchone() or {})["name"]
        for table in self.tables:
            grants = self._grants(live, table)
            self.cursor.execute(f'DROP TABLE IF EXISTS "{live}"."{table}"')
            self.cursor.execute(f'ALTER TABLE "{self.namespace}"."{table}" SET SCHEMA "{live}"')
            for grant in grants:
                grantee = "PUBLIC" if grant["grantee"] == "PUBLIC" else f'"{grant["grantee"]}"'
                self.cursor.execute(f'GRANT {grant["privilege"]} ON "{live}"."{table}" TO {grantee}')
        self.cursor.execute(f'DROP SCHEMA "{self.namespace}" CASCADE')

    def _grants(self, schema: str, table: str) -> list[dict[str, Any]]:
        self.cursor.execute(
            """SELECT grantee, privilege_type AS privilege FROM information_schema.role_table_grants
            WHERE table_schema = :schema AND table_name = :table AND grantee <> current_user""",
            {"schema": schema, "table": table},
        )
        return self.cursor.fetchall()

    def _copy_from_attached(self) -> None:
        """SQLite cannot move a table between files: the rows are copied, under the write lock (WAL readers
        keep seeing the old tables until the commit)."""
        for table in self.tables:
            self.cursor.execute(
                f"""SELECT sql FROM {self.namespace}.sqlite_master WHERE tbl_name = :table AND sql IS NOT NULL
                ORDER BY type = 'index', name""",
                {"table": table},
            )
            create_table, *create_indexes = [row["sql"] for row in self.cursor.fetchall()]
            self.cursor.execute(f"DROP TABLE IF EXISTS main.{table}")
            self.cursor.execute(create_table)
            self.cursor.execute(f"INSERT INTO main.{table} SELECT * FROM {self.namespace}.{table}")
            for create_index in create_indexes:
                self.cursor.execute(create_index)


class _SQLiteCursor:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._cursor = connection.cursor()

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        self._cursor.execute(sql, dict(params or {}))

    def fetchall(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self._cursor.fetchall()]

    def fetchone(self) -> dict[str, Any] | None:
        row = self._cursor.fetchone()
        return dict(row) if row is not None else None


SCRATCH_CACHE_KIB = 65536


class _SQLite:
    """A connection per transaction; a scratch keeps one for all of them instead, with its page cache (a new
    connection starts cold), and does not wait for the disk on commit (a scratch lost in a crash is made again)."""

    def __init__(self, path: str, scratch: bool = False) -> None:
        self.path = path
        with self._connect() as connection:
            connection.execute("PRAGMA journal_mode=WAL")
        self._kept: sqlite3.Connection | None = None
        if scratch:
            self._kept = self._connect()
            self._kept.execute("PRAGMA synchronous=OFF")
            self._kept.execute(f"PRAGMA cache_size=-{SCRATCH_CACHE_KIB}")

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        connection.row_factory = sqlite3.Row
        return connection

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if self._kept is not None:
            yield self._kept
            return
        connection = self._connect()
        try:
            yield connection
        finally:
            connection.close()

    @contextmanager
    def transaction(self, attach: Mapping[str, str] | None = None) -> Iterator[Cursor]:
        with self._connection() as connection:
            for name, path in (attach or {}).items():
                connection.execute(f"ATTACH DATABASE ? AS {name}", (path,))
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield _SQLiteCursor(connection)
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], skip_existing: bool
    ) -> None:
        conflict = " ON CONFLICT DO NOTHING" if skip_existing else ""
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)}){conflict}"
        with self._connection() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.executemany(sql, rows)
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise

    def close(self) -> None:
        if self._kept is not None:
            self._kept.close()
            self._kept = None


class _PostgresCursor:
    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        # psycopg reads every % as a placeholder: literal ones (LIKE 'a%') are doubled first.
        self._cursor.execute(_NAMED_PARAMETER.sub(r"%(\1)s", sql.replace("%", "%%")), dict(params or {}))

    def fetchall(self) -> list[dict[str, Any]]:
        return list(self._cursor.fetchall())

    def fetchone(self) -> dict[str, Any] | None:
        return self._cursor.fetchone()


# A pooled connection idle this long is checked with a round trip before it is handed out; one used more
# recently is checked only for what the server sent it unasked (see ``_check_before_use``).
IDLE_CHECK_SECONDS = 30.0


def _unpatched_select() -> Any:
    """``select.select`` as the C library gives it, also in an eventlet process (a zero timeout never waits)."""
    try:
        from eventlet.patcher import original
    except ImportError:
        import select

        return select.select
    return original("select").select


_select = _unpatched_select()


def _mark_returned(connection: Any) -> None:
    connection.interlude_returned_at = time.monotonic()


def _check_before_use(connection: Any) -> None:
    """Raise if a pooled connection is dead, so that the pool replaces it, without a round trip when it can.

    A server that ends a connection (a restart, ``pg_terminate_backend``) sends it an error and closes it,
    so the socket of a healthy idle connection has nothing to read and that of a dead one does. Only a
    connection with something to read, or idle for ``IDLE_CHECK_SECONDS`` (a peer gone without a word),
    pays for the full check's round trip. Checking every connection cost a round trip per transaction.
    """
    from psycopg_pool import ConnectionPool

    idle = time.monotonic() - getattr(connection, "interlude_returned_at", float("-inf"))
    readable, _, _ = _select([connection.fileno()], [], [], 0)
    if readable or idle > IDLE_CHECK_SECONDS:
        ConnectionPool.check_connection(connection)


class _Postgres:
    def __init__(self, url: str, schema: str | None = None) -> None:
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        options = {"options": f"-c search_path={schema}"} if schema else {}
        self._pool = ConnectionPool(
            postgres_conninfo(postgres_params(url)),
            min_size=1,
            max_size=int(os.environ.get("DATABASE_POOL_SIZE", "10")),
            kwargs={"row_factory": dict_row, **options},
            check=_check_before_use,
            reset=_mark_returned,
            open=True,
        )

    @contextmanager
    def transaction(self, attach: Mapping[str, str] | None = None) -> Iterator[Cursor]:
        with self._pool.connection() as connection, connection.transaction(), connection.cursor() as cursor:
            yield _PostgresCursor(cursor)

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], skip_existing: bool
    ) -> None:
        names = ", ".join(columns)
        with self._pool.connection() as connection, connection.transaction(), connection.cursor() as cursor:
            into = table
            if skip_existing:
                # COPY cannot skip a conflicting row: the rows go through a table of this transaction's own.
                into = "incoming_rows"
                cursor.execute(f"CREATE TEMPORARY TABLE {into} (LIKE {table}) ON COMMIT DROP")
            with cursor.copy(f"COPY {into} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            if skip_existing:
                cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {into} ON CONFLICT DO NOTHING")

    def close(self) -> None:
        self._pool.close()
