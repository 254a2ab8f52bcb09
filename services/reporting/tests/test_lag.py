"""The projection-lag measure: published events in the producer's log after the newest applied position."""

from interlude_contracts.runtime.storage import Database
from interlude_reporting.lag import applied_position, events_behind
from interlude_reporting.projection import create_tables


def fake_log(published_positions: list[int], head: int):
    """read_log over a log whose notifications run 1..head, of which ``published_positions`` are published."""

    def read_log(after: int, limit: int) -> dict:
        ids = [i for i in range(after + 1, head + 1)][:limit]
        events = [{"position": i} for i in ids if i in published_positions]
        return {"events": events, "last_position": ids[-1] if ids else after}

    return read_log


def test_counts_only_published_events_after_the_position() -> None:
    read_log = fake_log(published_positions=[2, 4, 6, 900, 1001], head=1200)
    assert events_behind(read_log, after=0) == 5
    assert events_behind(read_log, after=4) == 3
    assert events_behind(read_log, after=1200) == 0


def test_stops_counting_at_the_cap() -> None:
    read_log = fake_log(published_positions=list(range(1, 3001)), head=3000)
    assert events_behind(read_log, after=0, cap=1000) == 1000


def test_applied_position_is_the_newest_tracked_row_of_the_source(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'reporting.sqlite'}")
    create_tables(database)
    assert applied_position(database, "assignments") == 0
    with database.transaction() as cursor:
        for source, position in [("assignments", 7), ("assignments", 12), ("activities", 40)]:
            cursor.execute(
                "INSERT INTO tracking (source, position, event_id, event_type) VALUES (:s, :p, :e, 'X')",
                {"s": source, "p": position, "e": f"{source}-{position}"},
            )
    assert applied_position(database, "assignments") == 12
    assert applied_position(database, "activities") == 40
