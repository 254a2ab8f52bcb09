"""Projection lag: how many published events the projection has not applied yet.

The reporting service probes each source's log periodically with ``read_log``
(the RPC the rebuild uses) starting after the highest position it has applied:
the events that page returns are the ones it is behind by. Counting stops at
``MAX_COUNTED`` (the gauge then reads "at least that many"), so a probe costs
at most a few pages however far behind it is. Events below the highest applied
position that are still in flight (out of order) are not counted: the lag of a
healthy consumer is then 0 or a handful, and a stuck consumer grows without
bound, which is what an alert needs.
"""

import logging
from collections.abc import Callable
from typing import Any

from prometheus_client import Gauge

from interlude_runtime.storage import Database

PROJECTION_LAG = Gauge(
    "interlude_projection_lag_events",
    "Published events of a source not yet applied to the reporting projection (capped at MAX_COUNTED).",
    ["source"],
)
PROJECTION_POSITION = Gauge(
    "interlude_projection_position", "Highest log position applied to the reporting projection.", ["source"]
)
PROBE_PAGE = 1000
MAX_COUNTED = 10_000

log = logging.getLogger(__name__)

ReadLog = Callable[[str, int, int], dict[str, Any]]


def applied_position(database: Database, source: str) -> int:
    with database.transaction() as cursor:
        cursor.execute("SELECT MAX(position) AS position FROM tracking WHERE source = :source", {"source": source})
        row = cursor.fetchone()
    return int(row["position"]) if row and row["position"] is not None else 0


def events_behind(read_log: ReadLog, source: str, after: int) -> int:
    behind = 0
    while behind < MAX_COUNTED:
        page = read_log(source, after, PROBE_PAGE)
        behind += len(page["events"])
        if page["last_position"] == after:
            break
        after = page["last_position"]
    return min(behind, MAX_COUNTED)


def probe_lag(database: Database, read_log: ReadLog, sources: tuple[str, ...]) -> dict[str, int]:
    """Measure and publish each source's lag; return it. A source that fails is skipped (its gauge keeps
    its last value) and logged: the probe runs again on the next tick."""
    lags = {}
    for source in sources:
        position = applied_position(database, source)
        try:
            lags[source] = events_behind(read_log, source, position)
        except Exception as error:
            log.warning("projection lag probe of %s failed: %r", source, error)
            continue
        PROJECTION_POSITION.labels(source=source).set(position)
        PROJECTION_LAG.labels(source=source).set(lags[source])
    return lags
