"""``interlude-reporting rebuild``: rebuild the projection from the event logs.

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
from typing import Any

from interlude_contracts.events import load_event
from interlude_contracts.runtime.storage import Database, database_url

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


def rebuild(database: Database, read_log: ReadLog, progress: Callable[[str, int], None]) -> int:
    """Clear and refill the projection from every source's log; return events applied."""
    create_tables(database)
    clear_tables(database)
    applied = 0
    for source in SOURCES:
        for count, envelope in enumerate(log_events(read_log, source), start=1):
            apply_event(database, load_event(envelope))
            applied += 1
            progress(source, count)
    return applied


def _print_progress(source: str, count: int) -> None:
    if count % 100 == 0:
        print(f"\r{source}: {count} events", end="", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="interlude-reporting")
    commands = parser.add_subparsers(dest="command", required=True)
    rebuild_parser = commands.add_parser("rebuild", help="rebuild the projection from the event logs")
    rebuild_parser.add_argument("--into", help="database URL to build into (default: the live projection)")
    arguments = parser.parse_args(argv)

    from nameko.standalone.rpc import ClusterRpcProxy

    database = Database(arguments.into or database_url(SERVICE))
    config = {"AMQP_URI": os.environ.get("AMQP_URI", "pyamqp://guest:guest@localhost")}
    with ClusterRpcProxy(config, timeout=60) as cluster:

        def read_log(source: str, after: int, limit: int) -> dict[str, Any]:
            return getattr(cluster, source).read_log(after, limit)

        applied = rebuild(database, read_log, _print_progress)
    print(f"\rrebuilt {database.url.split('@')[-1]}: {applied} events applied", file=sys.stderr)


if __name__ == "__main__":
    main()
