"""``interlude-reporting rebuild``: rebuild the projection from the event logs, with a progress bar.

``interlude-reporting analyst-role NAME --password ...``: a read-only PostgreSQL role (see ``analyst``).

Reads every source's log over RPC (``read_log``), page by page, the next page
requested while the last one is applied, and applies each event exactly as
the live consumer does (``apply_in``), into a scratch SQLite file (``--scratch``
DIR, else the temporary directory): one round trip per statement to
PostgreSQL cost more than everything else together. The finished tables are
then copied in bulk (COPY) into the database rebuilt. The scratch starts with
that database's tombstones, so an erased client's events write nothing, and
the pseudonyms it gave to clients new to that database are copied there too.

``--into URL`` builds a fresh copy elsewhere (to compare with the live tables).
Without it the projection is rebuilt into a shadow (``Database.shadow``: a
schema on PostgreSQL, a file beside the live one on SQLite) while the live
consumer keeps writing to the live tables and reports keep reading them; then
the shadow catches up from its tracking positions and replaces the live
tables, tracking included, in one transaction (``rebuild_in_place``). Readers
see the old complete tables or the new ones, never a table being filled.
"""

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from interlude_contracts.events import load_event
from interlude_runtime.storage import Cursor, Database, database_url, is_postgres, postgres_params
from interlude_runtime.tombstones import ERASED_CLIENTS_TABLE

from .dependencies import SERVICE
from .lag import applied_position
from .projection import PROJECTION_TABLES, TRACKING_TABLE, apply_in, clear_tables, create_tables
from .pseudonyms import PSEUDONYMS_TABLE

SOURCES = ("activities", "assignments")
PAGE_SIZE = 1000  # the most either source's read_log returns
SHADOW = "reporting_rebuild"
# Tracking first: the live consumer writes it first, so locking it first does not deadlock with it.
SWAPPED_TABLES = (TRACKING_TABLE, *PROJECTION_TABLES)
COPY_CHUNK = 10_000  # scratch rows held in memory at a time while they are copied

ReadLog = Callable[[str, int, int], dict[str, Any]]


def log_pages(read_log: ReadLog, source: str, after: int = 0) -> Iterator[dict[str, Any]]:
    """Every page of the source's log after ``after``, following ``last_position`` until it stops moving.

    The next page is requested before a page is yielded, so the source reads it while the caller applies.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"read-{source}") as reader:
        pending = reader.submit(read_log, source, after, PAGE_SIZE)
        while True:
            page = pending.result()
            last = page["last_position"]
            if last != after:
                pending = reader.submit(read_log, source, last, PAGE_SIZE)
            yield page
            if last == after:
                return
            after = last


def apply_page(database: Database, page: list[dict[str, Any]]) -> int:
    """A page of the log applied in one transaction, each event with its tracking row; return events applied."""
    with database.transaction() as cursor:
        return sum(apply_in(cursor, load_event(envelope)) for envelope in page)


Progress = Callable[[str, int, int], None]


def rebuild(database: Database, read_log: ReadLog, progress: Progress, scratch_dir: str | None = None) -> int:
    """Clear and refill the projection from every source's log; return events applied.

    ``progress(source, position, newest)`` is called after each page of the log: the last position read,
    of the newest the source had when the page was read (``read_log``'s ``newest_position``).
    """
    create_tables(database)
    clear_tables(database)
    with scratch_projection(database, scratch_dir) as scratch:
        applied = sum(apply_log(scratch, read_log, source, progress) for source in SOURCES)
        copy_projection(scratch, database)
    return applied


def apply_log(database: Database, read_log: ReadLog, source: str, progress: Progress) -> int:
    applied = 0
    for page in log_pages(read_log, source):
        applied += apply_page(database, page["events"])
        position = page["last_position"]
        # A source that predates newest_position gives none: the bar then shows what was read.
        progress(source, position, max(page.get("newest_position", position), position))
    return applied


@contextmanager
def scratch_projection(database: Database, directory: str | None) -> Iterator[Database]:
    """Empty projection tables in a SQLite file of their own, with ``database``'s tombstones; removed after."""
    with tempfile.TemporaryDirectory(prefix="interlude-rebuild-", dir=directory) as folder:
        scratch = Database(f"sqlite:///{Path(folder) / 'projection.sqlite'}", scratch=True)
        try:
            create_tables(scratch)
            with database.transaction() as cursor:
                cursor.execute(f"SELECT digest FROM {ERASED_CLIENTS_TABLE}")
                tombstones = [(row["digest"],) for row in cursor.fetchall()]
            scratch.insert_rows(ERASED_CLIENTS_TABLE, ["digest"], tombstones)
            yield scratch
        finally:
            scratch.close()


def copy_projection(scratch: Database, database: Database) -> None:
    """The scratch's projection and tracking into ``database``'s (empty) tables, and the pseudonyms it gave."""
    for table in (TRACKING_TABLE, *PROJECTION_TABLES):
        columns = table_columns(scratch, table)
        database.insert_rows(table, columns, scratch_rows(scratch, table, columns))
    columns = table_columns(scratch, PSEUDONYMS_TABLE)
    # A client with a pseudonym there keeps it: only the clients new to it get the scratch's.
    rows = scratch_rows(scratch, PSEUDONYMS_TABLE, columns)
    database.insert_rows(PSEUDONYMS_TABLE, columns, rows, skip_existing=True)
    database.analyze([TRACKING_TABLE, *PROJECTION_TABLES, PSEUDONYMS_TABLE])


def table_columns(scratch: Database, table: str) -> list[str]:
    """The columns of a table of the (SQLite) scratch, in their order."""
    with scratch.transaction() as cursor:
        cursor.execute("SELECT name FROM pragma_table_info(:table) ORDER BY cid", {"table": table})
        return [row["name"] for row in cursor.fetchall()]


def scratch_rows(scratch: Database, table: str, columns: list[str]) -> Iterator[tuple[Any, ...]]:
    """Every row of a table of the (SQLite) scratch, read ``COPY_CHUNK`` rows at a time."""
    after = 0
    while True:
        with scratch.transaction() as cursor:
            cursor.execute(
                f"""SELECT rowid AS scratch_rowid, {", ".join(columns)} FROM {table}
                WHERE rowid > :after ORDER BY rowid LIMIT {COPY_CHUNK}""",
                {"after": after},
            )
            rows = cursor.fetchall()
        yield from (tuple(row[column] for column in columns) for row in rows)
        if len(rows) < COPY_CHUNK:
            return
        after = rows[-1]["scratch_rowid"]


def rebuild_in_place(database: Database, read_log: ReadLog, progress: Progress, scratch_dir: str | None = None) -> int:
    """Rebuild into a shadow, catch up, and swap it in for the live tables; return events applied."""
    create_tables(database)
    shadow = database.shadow(SHADOW)
    try:
        applied = rebuild(shadow, read_log, progress, scratch_dir)
        applied += catch_up(shadow, read_log)
        with database.replacing_tables(shadow, SWAPPED_TABLES) as swap:
            # The live consumer is locked out from here: what it applied and the shadow lacks is exactly known.
            missing = [
                envelope
                for source, positions in tracked_only_live(swap.cursor, swap.namespace).items()
                for envelope in logged_events(read_log, source, positions)
            ]
            swap.swap()
            applied += sum(apply_in(swap.cursor, load_event(envelope)) for envelope in missing)
    finally:
        shadow.discard()
    return applied


def catch_up(database: Database, read_log: ReadLog) -> int:
    """Apply what each source logged after the highest position ``database`` tracks."""
    applied = 0
    for source in SOURCES:
        for page in log_pages(read_log, source, applied_position(database, source)):
            applied += apply_page(database, page["events"])
    return applied


def tracked_only_live(cursor: Cursor, shadow: str) -> dict[str, list[int]]:
    """Positions the live tracking table has and the shadow's lacks (applied live after the shadow read
    past them: published late, or after the catch-up), by source."""
    cursor.execute(
        f"""SELECT source, position FROM tracking AS live WHERE NOT EXISTS (
            SELECT 1 FROM {shadow}.tracking AS rebuilt
            WHERE rebuilt.source = live.source AND rebuilt.position = live.position)
        ORDER BY source, position"""
    )
    missing: dict[str, list[int]] = {}
    for row in cursor.fetchall():
        missing.setdefault(row["source"], []).append(int(row["position"]))
    return missing


def logged_events(read_log: ReadLog, source: str, positions: list[int]) -> list[dict[str, Any]]:
    """The source's envelopes at ``positions`` (ascending); positions the log does not hold are skipped."""
    found: list[dict[str, Any]] = []
    remaining = positions
    while remaining:
        after = remaining[0] - 1
        page = read_log(source, after, PAGE_SIZE)
        wanted = set(remaining)
        found += [envelope for envelope in page["events"] if envelope["position"] in wanted]
        if page["last_position"] == after:
            break
        remaining = [position for position in remaining if position > page["last_position"]]
    return found


class ProgressBar:
    """``assignments [##########----------]  512/1024  50%`` on a terminal line, redrawn in place."""

    def __init__(self, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self._source: str | None = None

    def __call__(self, source: str, done: int, total: int) -> None:
        if source != self._source and self._source is not None:
            self.stream.write("\n")
        self._source = source
        self.stream.write(f"\r{bar_line(source, done, total, self.width)}")
        self.stream.flush()

    def finish(self) -> None:
        if self._source is not None:
            self.stream.write("\n")


def bar_line(source: str, done: int, total: int, width: int = 30) -> str:
    filled = width * done // total if total else width
    percent = 100 * done // total if total else 100
    return f"{source:<12} [{'#' * filled}{'-' * (width - filled)}] {done:>{len(str(total))}}/{total} {percent:3d}%"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="interlude-reporting")
    commands = parser.add_subparsers(dest="command", required=True)
    rebuild_parser = commands.add_parser("rebuild", help="rebuild the projection from the event logs")
    rebuild_parser.add_argument(
        "--into", help="database URL to build a copy into (default: rebuild the live projection and swap it in)"
    )
    rebuild_parser.add_argument(
        "--scratch", help="folder for the working copy, about 1 KB per event (default: the temporary folder)"
    )
    role_parser = commands.add_parser(
        "analyst-role", help="create a read-only PostgreSQL role on the projection database (SELECT only)"
    )
    role_parser.add_argument("role", help="the role's name, e.g. interlude_analyst")
    role_parser.add_argument("--password", required=True)
    role_parser.add_argument("--database", help="projection database URL (default: DATABASE_URL)")
    role_parser.add_argument("--print-sql", action="store_true", help="print the SQL instead of running it")
    arguments = parser.parse_args(argv)
    if arguments.command == "analyst-role":
        _analyst_role(arguments)
        return

    from interlude_runtime.rpc_proxy import cluster_rpc_proxy

    database = Database(arguments.into or database_url(SERVICE))
    config = {"AMQP_URI": os.environ.get("AMQP_URI", "pyamqp://guest:guest@localhost")}
    with cluster_rpc_proxy(config, timeout=60) as cluster:

        def read_log(source: str, after: int, limit: int) -> dict[str, Any]:
            return getattr(cluster, source).read_log(after, limit)

        bar = ProgressBar()
        started = time.monotonic()
        build = rebuild if arguments.into else rebuild_in_place
        applied = build(database, read_log, bar, arguments.scratch)
        seconds = time.monotonic() - started
        bar.finish()
    print(
        f"\rrebuilt {database.url.split('@')[-1]}: {applied} events applied in {seconds:.2f} s "
        f"({applied / max(seconds, 1e-9):.0f} events/s)",
        file=sys.stderr,
    )


def _analyst_role(arguments: argparse.Namespace) -> None:
    from .analyst import analyst_role_sql, create_analyst_role

    url = arguments.database or database_url(SERVICE)
    if not is_postgres(url):
        sys.exit("The analyst role needs the PostgreSQL projection database (DATABASE_URL=postgresql://...).")
    if arguments.print_sql:
        print(analyst_role_sql(arguments.role, arguments.password, postgres_params(url)["dbname"]), end="")
        return
    create_analyst_role(url, arguments.role, arguments.password)
    print(f"role {arguments.role} may now read (SELECT only) {postgres_params(url)['dbname']}", file=sys.stderr)


if __name__ == "__main__":
    main()
