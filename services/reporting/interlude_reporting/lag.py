"""How far the reporting projection is behind the producers' logs, in events.

Measured honestly from both ends: the newest position the projection applied
for a source (its tracking rows) and the producer's own log, read over the
``read_log`` RPC the rebuild uses: the lag is the number of published events
after that position. Counting stops at ``LAG_CAP`` so a large backlog costs a
bounded read; the gauge then shows the cap (the alert fires long before).
Events applied out of order after a redelivery can make it undercount by the
few events still being retried.
"""

from collections.abc import Callable
from typing import Any

from interlude_contracts.runtime.storage import Database

LAG_CAP = 5000
PAGE = 500

ReadLog = Callable[[int, int], dict[str, Any]]


def applied_position(database: Database, source: str) -> int:
    with database.transaction() as cursor:
        cursor.execute("SELECT MAX(position) AS position FROM tracking WHERE source = :source", {"source": source})
        row = cursor.fetchone()
    return int(row["position"]) if row and row["position"] is not None else 0


def events_behind(read_log: ReadLog, after: int, cap: int = LAG_CAP) -> int:
    """Published events in the producer's log after ``after``, counted up to ``cap``."""
    behind = 0
    while behind < cap:
        page = read_log(after, PAGE)
        behind += len(page["events"])
        if page["last_position"] == after:
            break
        after = page["last_position"]
    return min(behind, cap)
