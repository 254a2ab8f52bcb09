"""``interlude-reporting rebuild``: rebuild the projection from the event logs, with a progress bar.

``interlude-reporting analyst-role NAME --password ...``: a read-only PostgreSQL role (see ``analyst``).

Reads every source's log over RPC (``read_log``), page by page, and applies
each event exactly as the live consumer does. ``--into URL`` builds a fresh
copy elsewhere (to compare with the live tables); without it the live tables
are cleared and rebuilt in place, while the live consumer may keep running:
anything it applies meanwhile is deduplicated by the tracking rows.
"""

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from interlude_contracts.events import load_event
from interlude_contracts.runtime.storage import Database, database_url, is_postgres, postgres_params

from .dependencies import SERVICE
from .projection import apply_event, clear_tables, create_tables

SOURCES = ("activities", "assignments")
PAGE_SIZE = 500

ReadLog = Callable[[str, int, int], dict[str, Any]]


def log_events(read_log: ReadLog, source: str) -> Iterator[dict[str, Any]]:
    after = 0
    while True:
        page = read_log(source, after, PAGE_SIZE)
        yield from page["events"]
        if page["last_position"] == after:
            return
        after = page["last_position"]


Progress = Callable[[str, int, int], None]


def count_events(read_log: ReadLog, source: str) -> int:
    """The source's published events now (a first pass over the log, for the progress bar's total)."""
    return sum(1 for _ in log_events(read_log, source))


def rebuild(database: Database, read_log: ReadLog, progress: Progress) -> int:
    """Clear and refill the projection from every source's log; return events applied.

    ``progress(source, done, total)`` is called after each event; ``total`` is
    counted before the source is applied (events stored meanwhile can take
    ``done`` past it: the live consumer applies those too).
    """
    create_tables(database)
    clear_tables(database)
    applied = 0
    for source in SOURCES:
        total = count_events(read_log, source)
        for count, envelope in enumerate(log_events(read_log, source), start=1):
            apply_event(database, load_event(envelope))
            applied += 1
            progress(source, count, max(total, count))
    return applied


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
        if done == total or done % 50 == 0:
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
    rebuild_parser.add_argument("--into", help="database URL to build into (default: the live projection)")
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

    from nameko.standalone.rpc import ClusterRpcProxy

    database = Database(arguments.into or database_url(SERVICE))
    config = {"AMQP_URI": os.environ.get("AMQP_URI", "pyamqp://guest:guest@localhost")}
    with ClusterRpcProxy(config, timeout=60) as cluster:

        def read_log(source: str, after: int, limit: int) -> dict[str, Any]:
            return getattr(cluster, source).read_log(after, limit)

        bar = ProgressBar()
        applied = rebuild(database, read_log, bar)
        bar.finish()
    print(f"\rrebuilt {database.url.split('@')[-1]}: {applied} events applied", file=sys.stderr)


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
