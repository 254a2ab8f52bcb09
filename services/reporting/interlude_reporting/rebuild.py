"""``interlude-reporting rebuild``: rebuild the projection from the event logs, with a progress bar.

``interlude-reporting analyst-role NAME --password ...``: a read-only PostgreSQL role (see ``analyst``).

Reads every source's log over RPC (``read_log``), page by page, and applies
each event exactly as the live consumer does. ``--into URL`` builds a fresh
copy elsewhere (to compare with the live tables). Without it the projection is
rebuilt into a shadow (``Database.shadow``: a schema on PostgreSQL, a file
beside the live one on SQLite) while the live consumer keeps writing to the
live tables and reports keep reading them; then the shadow catches up from its
tracking positions and replaces the live tables, tracking included, in one
transaction (``rebuild_in_place``). Readers see the old complete tables or the
new ones, never a table being filled.
"""

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from interlude_contracts.events import load_event
from interlude_runtime.storage import Cursor, Database, database_url, is_postgres, postgres_params

from .dependencies import SERVICE
from .lag import applied_position
from .projection import PROJECTION_TABLES, TRACKING_TABLE, apply_in, clear_tables, create_tables

SOURCES = ("activities", "assignments")
PAGE_SIZE = 500
SHADOW = "reporting_rebuild"
# Tracking first: the live consumer writes it first, so locking it first does not deadlock with it.
SWAPPED_TABLES = (TRACKING_TABLE, *PROJECTION_TABLES)

ReadLog = Callable[[str, int, int], dict[str, Any]]


def log_pages(read_log: ReadLog, source: str, after: int = 0) -> Iterator[list[dict[str, Any]]]:
    while True:
        page = read_log(source, after, PAGE_SIZE)
        if page["events"]:
            yield page["events"]
        if page["last_position"] == after:
            return
        after = page["last_position"]


def log_events(read_log: ReadLog, source: str, after: int = 0) -> Iterator[dict[str, Any]]:
    for page in log_pages(read_log, source, after):
        yield from page


def apply_page(database: Database, page: list[dict[str, Any]]) -> int:
    """A page of the log applied in one transaction, each event with its tracking row; return events applied."""
    with database.transaction() as cursor:
        return sum(apply_in(cursor, load_event(envelope)) for envelope in page)


Progress = Callable[[str, int, int], None]


def count_events(read_log: ReadLog, source: str) -> int:
    """The source's published events now (a first pass over the log, for the progress bar's total)."""
    return sum(1 for _ in log_events(read_log, source))


def rebuild(database: Database, read_log: ReadLog, progress: Progress) -> int:
    """Clear and refill the projection from every source's log; return events applied.

    ``progress(source, done, total)`` is called after each page of the log; ``total`` is
    counted before the source is applied (events stored meanwhile can take
    ``done`` past it: the live consumer applies those too).
    """
    create_tables(database)
    clear_tables(database)
    applied = 0
    for source in SOURCES:
        total = count_events(read_log, source)
        done = 0
        for page in log_pages(read_log, source):
            applied += apply_page(database, page)
            done += len(page)
            progress(source, done, max(total, done))
    return applied


def rebuild_in_place(database: Database, read_log: ReadLog, progress: Progress) -> int:
    """Rebuild into a shadow, catch up, and swap it in for the live tables; return events applied."""
    create_tables(database)
    shadow = database.shadow(SHADOW)
    try:
        applied = rebuild(shadow, read_log, progress)
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
            applied += apply_page(database, page)
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
        applied = rebuild(database, read_log, bar) if arguments.into else rebuild_in_place(database, read_log, bar)
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
