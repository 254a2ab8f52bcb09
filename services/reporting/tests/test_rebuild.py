"""Rebuilding the projection from the producers' logs, on SQLite and PostgreSQL.

``read_log`` is a fake of the producers' RPC (``log_page`` semantics): it
pages over stored notifications in position order, some of them private (no
envelope), with gaps in the positions and a page size far below the history,
so the rebuild has to follow ``last_position`` across pages, including pages
without a single public event in the middle of a log. The store is real.
"""

import copy
import io
import random
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from analytics_history import NOW, build_scored_history, total
from reporting_events import build_history

from interlude_contracts.events import Event
from interlude_reporting import reports
from interlude_reporting.lag import PROJECTION_LAG, PROJECTION_POSITION, probe_lag
from interlude_reporting.projection import apply_event, client_report, create_tables, dump_tables, purge_client
from interlude_reporting.pseudonyms import pseudonyms_of
from interlude_reporting.rebuild import SHADOW, SOURCES, ProgressBar, bar_line, rebuild, rebuild_in_place
from interlude_runtime.storage import Database, sqlite_path
from interlude_testing import EventFactory

PAGE_SIZE = 3
TRAILING_PRIVATE = PAGE_SIZE + 1  # a whole page of private notifications at the end of each log


class FakeLog:
    """The sources' ``read_log(after, limit)`` over a fixed copy of their envelopes."""

    def __init__(self, envelopes: dict[str, list[dict[str, Any]]], page_size: int = PAGE_SIZE) -> None:
        self.page_size = page_size
        self.calls: list[tuple[str, int, int]] = []
        self._notifications: dict[str, list[tuple[int, dict[str, Any] | None]]] = {}
        for source, source_envelopes in envelopes.items():
            public = {envelope["position"]: copy.deepcopy(envelope) for envelope in source_envelopes}
            last = max(public)
            # Most gaps are private notifications; every fourth id is missing altogether.
            private = [position for position in range(1, last) if position not in public and position % 4]
            private += range(last + 1, last + 1 + TRAILING_PRIVATE)
            stored = [*public.items(), *((position, None) for position in private)]
            self._notifications[source] = sorted(stored, key=lambda notification: notification[0])

    def publish(self, envelope: dict[str, Any]) -> None:
        """A notification becomes visible now (possibly below positions already read: committed late)."""
        stored = [item for item in self._notifications[envelope["source"]] if item[0] != envelope["position"]]
        stored.append((envelope["position"], copy.deepcopy(envelope)))
        self._notifications[envelope["source"]] = sorted(stored, key=lambda notification: notification[0])

    def __call__(self, source: str, after: int, limit: int) -> dict[str, Any]:
        self.calls.append((source, after, limit))
        stored = self._notifications[source]
        selected = [item for item in stored if item[0] > after][: min(limit, self.page_size)]
        last = selected[-1][0] if selected else after
        return {
            "events": [copy.deepcopy(envelope) for _, envelope in selected if envelope is not None],
            "last_position": last,
            "newest_position": max(stored[-1][0] if stored else 0, last),
        }


class Progress:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int]] = []

    def __call__(self, source: str, count: int, total: int) -> None:
        self.calls.append((source, count, total))


def expected_progress(factory: EventFactory) -> list[tuple[str, int, int]]:
    """After each page (applied in one transaction): the last position read, of the newest in the log."""
    return [
        (source, page["last_position"], page["newest_position"])
        for source in SOURCES
        for page in walk(FakeLog(factory.envelopes), source)
    ]


@pytest.fixture
def factory() -> EventFactory:
    factory = EventFactory()
    build_history(factory, gaps=True)
    return factory


def walk(read_log: FakeLog, source: str) -> list[dict[str, Any]]:
    """Every page of a source, following ``last_position`` until it stops moving."""
    pages = [read_log(source, 0, 500)]
    while pages[-1]["last_position"] != (pages[-2]["last_position"] if len(pages) > 1 else 0):
        pages.append(read_log(source, pages[-1]["last_position"], 500))
    return pages


def test_the_fake_log_pages_over_gaps_and_private_runs(factory: EventFactory) -> None:
    read_log = FakeLog(factory.envelopes)
    for source in SOURCES:
        positions = [envelope["position"] for envelope in factory.envelopes[source]]
        pages = walk(read_log, source)
        counts = [len(page["events"]) for page in pages]

        assert positions[-1] > len(positions)  # gaps
        assert max(counts) <= PAGE_SIZE < len(positions)
        assert [event["position"] for page in pages for event in page["events"]] == positions
        # A page without public events in the middle of the log, not only at its end.
        assert 0 in counts and sum(counts[counts.index(0) :]) > 0


def test_rebuild_into_a_fresh_database_equals_the_live_tables(
    projection: Database, make_database: Callable[[str], Database], factory: EventFactory
) -> None:
    # Live: the consumer saw the events out of order, some of them twice.
    live_order: list[Event] = factory.events + factory.events[::3]
    random.Random(7).shuffle(live_order)
    for event in live_order:
        apply_event(projection, event)
    read_log = FakeLog(factory.envelopes)
    progress = Progress()
    fresh = make_database("rebuilt")  # no tables: rebuild creates them

    applied = rebuild(fresh, read_log, progress)

    assert applied == len(factory.events)
    assert dump_tables(fresh) == dump_tables(projection)
    assert progress.calls == expected_progress(factory)
    for source in SOURCES:
        afters = [after for called, after, _ in read_log.calls if called == source]
        # Walked once, in order, to the end of the log.
        assert afters == sorted(set(afters))
        assert afters[0] == 0
        assert len(afters) > len(factory.envelopes[source]) / PAGE_SIZE


def test_rebuilding_in_place_twice_gives_the_same_tables(projection: Database, factory: EventFactory) -> None:
    read_log = FakeLog(factory.envelopes)  # the log as it stands now
    logged, progress_of_the_log = len(factory.events), expected_progress(factory)
    for event in factory.events:
        apply_event(projection, event)
    from_the_log = dump_tables(projection)
    # A row the log does not hold: the in-place rebuild clears it.
    stray = factory.activity_assigned(factory.events[0], "client-9")
    assert apply_event(projection, stray)
    assert dump_tables(projection) != from_the_log

    first_progress, second_progress = Progress(), Progress()
    first = rebuild_in_place(projection, read_log, first_progress)
    after_first = dump_tables(projection)
    second = rebuild_in_place(projection, read_log, second_progress)

    assert first == second == logged
    assert after_first == from_the_log
    assert dump_tables(projection) == from_the_log
    assert first_progress.calls == second_progress.calls == progress_of_the_log


class ReportReader(threading.Thread):
    """Reads every client's report, open flags and the caseload until stopped; notes any read that shows less
    than ``baseline`` (fewer assignments, or an open risk flag missing)."""

    def __init__(self, database: Database, clients: list[tuple[str, str]]) -> None:
        super().__init__(daemon=True)
        self.database = database
        self.clients = clients
        self.baseline = self.read()
        self.reads = 0
        self.shortfalls: list[str] = []
        self.stopped = threading.Event()

    def read(self) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for clinic_id, client_id in self.clients:
            assignments = client_report(self.database, clinic_id, client_id)["assignments"]
            flags = reports.risk_flags(self.database, clinic_id, client_id, open_only=True)
            seen[f"{clinic_id}/{client_id} assignments"] = {row["assignment_id"] for row in assignments}
            seen[f"{clinic_id}/{client_id} open flags"] = {flag["flag_id"] for flag in flags}
        caseload = reports.caseload(self.database, "clinic-a", "therapist-1", NOW)
        seen["caseload open flags"] = {flag["flag_id"] for entry in caseload for flag in entry["open_risk_flags"]}
        return seen

    def run(self) -> None:
        while not self.stopped.is_set():
            for key, rows in self.read().items():
                if not self.baseline[key] <= rows:
                    self.shortfalls.append(f"{key}: {len(rows)} of {len(self.baseline[key])}")
            self.reads += 1
            time.sleep(0.001)


def shadow_exists(database: Database) -> bool:
    if not database.is_postgres:
        live = Path(sqlite_path(database.url))
        return live.with_name(f"{live.stem}.{SHADOW}{live.suffix}").exists()
    with database.transaction() as cursor:
        cursor.execute("SELECT 1 AS found FROM pg_namespace WHERE nspname = :name", {"name": SHADOW})
        return cursor.fetchone() is not None


def test_reports_never_show_less_while_the_projection_is_rebuilt_and_nothing_consumed_meanwhile_is_lost(
    projection: Database, make_database: Callable[[str], Database]
) -> None:
    factory = EventFactory()
    history = build_scored_history(factory)
    for number in range(60):  # enough events for many reads during the rebuild
        factory.activity_assigned(history["diary"], f"client-{number % 4 + 1}")
    late_low = factory.activity_assigned(history["phq"], "client-2")  # its position commits after a higher one's
    factory.activity_assigned(history["diary"], "client-3")
    for event in factory.events:
        if event is not late_low:
            apply_event(projection, event)
    read_log = FakeLog(
        {
            source: [e for e in envelopes if e["position"] != late_low.position or e["source"] != "assignments"]
            for source, envelopes in factory.envelopes.items()
        }
    )
    late_activity = factory.activity_published("Published during the rebuild")
    clients = [("clinic-a", f"client-{number}") for number in (1, 2, 3, 4, 9)] + [("clinic-b", "client-1")]
    reader = ReportReader(projection, clients)

    def consume_live(event: Event) -> None:
        read_log.publish(next(e for e in factory.envelopes[event.source] if e["position"] == event.position))
        apply_event(projection, event)

    consumed: list[Event] = []

    def slow_progress(source: str, done: int, total: int) -> None:
        time.sleep(0.005)  # the rebuild takes a while; the reader reads meanwhile
        if source == "assignments" and not consumed:
            consumed.append(late_activity)  # after the activities log was read: the catch-up must find it
            consume_live(late_activity)
        if source == "assignments" and done == total and late_low not in consumed:
            consumed.append(late_low)  # below what was read: only the swap can see the live consumer has it
            consume_live(late_low)

    reader.start()
    try:
        rebuild_in_place(projection, read_log, slow_progress)
    finally:
        reader.stopped.set()
        reader.join()

    assert reader.reads >= 10
    assert reader.shortfalls == []
    fresh = make_database("fresh")
    rebuild(fresh, read_log, Progress())
    assert dump_tables(projection) == dump_tables(fresh)
    assert {late_activity.position} <= {row["position"] for row in dump_tables(projection)["tracking"]}
    assert not shadow_exists(projection)


def test_rebuild_equals_live_for_scores_flags_and_timelines(
    projection: Database, make_database: Callable[[str], Database]
) -> None:
    factory = EventFactory()
    build_scored_history(factory)
    live_order = factory.events + factory.events[::4]
    random.Random(11).shuffle(live_order)
    for event in live_order:
        apply_event(projection, event)
    fresh = make_database("rebuilt-analytics")

    rebuild(fresh, FakeLog(factory.envelopes), Progress())

    live = dump_tables(projection)
    assert dump_tables(fresh) == live
    assert len(live["scores"]) == 8 and len(live["risk_flags"]) == 3
    assert len(live["assignment_events"]) == len([e for e in factory.events if "assignment_id" in e.payload])


def test_the_progress_bar_shows_done_total_and_percent() -> None:
    stream = io.StringIO()
    bar = ProgressBar(stream, width=10)
    for done in range(1, 101):
        bar("activities", done, 100)
    bar("assignments", 3, 4)  # a new source: a new line (drawn at its end, or every 50 events)
    bar("assignments", 4, 4)
    bar.finish()

    lines = stream.getvalue().split("\n")
    assert lines[0].split("\r")[-1] == "activities   [##########] 100/100 100%"
    assert lines[1].split("\r")[-1] == "assignments  [##########] 4/4 100%"
    assert bar_line("assignments", 1, 4, width=8) == "assignments  [##------] 1/4  25%"


def test_the_lag_probe_counts_published_events_after_the_applied_position(projection: Database) -> None:
    factory = EventFactory()
    build_scored_history(factory)
    read_log = FakeLog(factory.envelopes)
    assignments = [event for event in factory.events if event.source == "assignments"]
    for event in factory.events[:-5]:
        apply_event(projection, event)
    behind = sum(1 for event in factory.events[-5:] if event.source == "assignments")

    lags = probe_lag(projection, read_log, SOURCES)

    assert lags == {"activities": 0, "assignments": behind}
    assert PROJECTION_LAG.labels(source="assignments")._value.get() == behind
    assert PROJECTION_POSITION.labels(source="assignments")._value.get() == assignments[-6].position
    for event in factory.events[-5:]:
        apply_event(projection, event)
    assert probe_lag(projection, read_log, SOURCES) == {"activities": 0, "assignments": 0}


def test_a_source_that_fails_the_lag_probe_is_skipped(projection: Database) -> None:
    def read_log(source: str, after: int, limit: int) -> dict[str, Any]:
        if source == "activities":
            raise TimeoutError("no answer")
        return {"events": [], "last_position": after}

    assert probe_lag(projection, read_log, SOURCES) == {"assignments": 0}


def varied_log() -> tuple[EventFactory, tuple[str, str]]:
    """Every kind of event the projection applies, in two clinics; and a client to erase before the rebuild."""
    factory = EventFactory()
    history = build_scored_history(factory)  # scores, subscales, risk flags raised and acknowledged, cancelled
    due = NOW - timedelta(days=20)
    extended = factory.activity_assigned(history["diary"], "client-4", due_at=due)
    factory.due_date_extended(extended, due + timedelta(days=3))
    expired = factory.activity_assigned(history["diary"], "client-2", due_at=due)
    factory.assignment_expired(expired, due)
    later = factory.activity_published("Thought diary (v2)", activity_id=history["diary"].payload["activity_id"])
    factory.activity_assigned(later, "client-1")
    erased = factory.activity_assigned(history["phq"], "client-8")
    factory.response_submitted(erased, measure="PHQ-9", scores=total(21, "severe", True))
    factory.risk_flag_raised(erased)
    return factory, (erased.clinic_id, "client-8")


def test_the_bulk_rebuild_writes_exactly_the_rows_applying_event_by_event_writes(
    make_database: Callable[[str], Database],
) -> None:
    factory, (clinic_id, erased_client) = varied_log()
    by_event, bulk = make_database("by-event"), make_database("bulk")
    for database in (by_event, bulk):
        create_tables(database)
        purge_client(database, clinic_id, erased_client)  # its events are still in the log
    known = pseudonyms_of(bulk, "clinic-a", ["client-1"])  # a client the database already knew
    for source in SOURCES:  # the log's order, as the rebuild reads it
        for event in (event for event in factory.events if event.source == source):
            apply_event(by_event, event)

    applied = rebuild(bulk, FakeLog(factory.envelopes), Progress())

    assert applied == len(factory.events)
    rows = dump_tables(bulk)
    assert rows == dump_tables(by_event)
    assert {table for table, table_rows in rows.items() if not table_rows} == set()
    assert erased_client not in {row["client_id"] for row in rows["assignments"]}
    assert {row["status"] for row in rows["assignments"]} == {"assigned", "submitted", "cancelled", "expired"}
    assert pseudonym_rows(bulk).keys() == pseudonym_rows(by_event).keys()
    assert pseudonym_rows(bulk)[("clinic-a", "client-1")] == known["client-1"]


def pseudonym_rows(database: Database) -> dict[tuple[str, str], str]:
    with database.transaction() as cursor:
        cursor.execute("SELECT clinic_id, client_id, pseudonym FROM client_pseudonyms")
        return {(row["clinic_id"], row["client_id"]): row["pseudonym"] for row in cursor.fetchall()}


def test_a_rebuilt_projection_has_planner_statistics_at_once(projection: Database, factory: EventFactory) -> None:
    """Filled in bulk, the tables would be planned as empty until autovacuum analyzes them: slow plans, such as
    a nested loop over every score of the caseload, for the first minutes after a rebuild."""
    if not projection.is_postgres:
        pytest.skip("PostgreSQL's planner statistics")
    rebuild_in_place(projection, FakeLog(factory.envelopes), Progress())

    with projection.transaction() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN ('assignments', 'tracking') AND relkind = 'r'"
            " AND relnamespace = 'public'::regnamespace"
        )
        estimated = {row["relname"]: row["reltuples"] for row in cursor.fetchall()}

    assert estimated == {"assignments": pytest.approx(estimated["assignments"]), "tracking": len(factory.events)}
    assert estimated["assignments"] > 0
