"""Recurring assignments: RFC 5545 rules in the client's zone, DST-correct, each occurrence its own assignment."""

from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import MagicMock

import pytest
from nameko.testing.services import worker_factory

from interlude_assignments.application import AssignmentsApplication
from interlude_assignments.handlers import CancelRecurrence, CreateRecurrence, ReleaseOccurrence, get_recurrence, handle
from interlude_assignments.recurrences import ACTIVE, CANCELLED, ENDED, InvalidRule, occurrences, parse_rule
from interlude_assignments.service import AssignmentsService
from interlude_contracts.errors import NotFound, ValidationFailed

LONDON = "Europe/London"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_daily_at_seven_stays_at_seven_local_across_both_dst_changes() -> None:
    spring = occurrences("FREQ=DAILY", datetime(2026, 3, 27, 7, 0), LONDON, utc(2026, 3, 26), utc(2026, 3, 31))
    autumn = occurrences("FREQ=DAILY", datetime(2026, 10, 23, 7, 0), LONDON, utc(2026, 10, 22), utc(2026, 10, 27))

    # Clocks go forward on 29 March 2026 and back on 25 October 2026.
    assert [moment.astimezone(UTC) for moment in spring] == [
        utc(2026, 3, 27, 7),
        utc(2026, 3, 28, 7),
        utc(2026, 3, 29, 6),
        utc(2026, 3, 30, 6),
    ]
    assert [moment.astimezone(UTC) for moment in autumn] == [
        utc(2026, 10, 23, 6),
        utc(2026, 10, 24, 6),
        utc(2026, 10, 25, 7),
        utc(2026, 10, 26, 7),
    ]
    assert {moment.hour for moment in spring + autumn} == {7}


@pytest.mark.parametrize(
    ("rule", "expected_days"),
    [
        ("FREQ=WEEKLY;BYDAY=MO,TH", [2, 5, 9, 12, 16, 19]),
        ("FREQ=WEEKLY;BYDAY=MO,TH;COUNT=3", [2, 5, 9]),
        ("FREQ=WEEKLY;INTERVAL=2", [2, 16]),
        ("RRULE:FREQ=DAILY;UNTIL=20260304T235959", [2, 3, 4]),
    ],
)
def test_weekly_fortnightly_count_and_until(rule: str, expected_days: list[int]) -> None:
    found = occurrences(rule, datetime(2026, 3, 2, 7, 0), LONDON, utc(2026, 3, 1), utc(2026, 3, 20))

    assert [moment.day for moment in found] == expected_days


@pytest.mark.parametrize("rule", ["FREQ=SOMETIMES", "DTSTART:20260101T000000\nRRULE:FREQ=DAILY", "hello"])
def test_bad_rules_are_refused(rule: str) -> None:
    with pytest.raises(InvalidRule):
        parse_rule(rule, datetime(2026, 3, 2, 7, 0))


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(utc(2026, 3, 27, 6, 30))


@pytest.fixture
def app(memory_app: AssignmentsApplication, clock: Clock) -> AssignmentsApplication:
    memory_app.clock = clock
    return memory_app


def daily(app: AssignmentsApplication, snapshot: dict[str, Any], rule: str = "FREQ=DAILY;COUNT=3") -> Any:
    return handle(
        app,
        CreateRecurrence(
            "clinic-a",
            "therapist-1",
            "client-1",
            snapshot,
            rule,
            datetime(2026, 3, 27, 7, 0),
            LONDON,
            "corr",
            due_after=timedelta(hours=12),
        ),
    )


def test_each_release_creates_one_assignment_and_schedules_the_next(
    app: AssignmentsApplication, snapshot: dict[str, Any]
) -> None:
    recurrence = daily(app, snapshot)
    assert recurrence.next_release_at == utc(2026, 3, 27, 7)

    first = handle(app, ReleaseOccurrence(recurrence.id, utc(2026, 3, 27, 7), "corr-r1"))
    repeated = handle(app, ReleaseOccurrence(recurrence.id, utc(2026, 3, 27, 7), "corr-r1"))
    stale = handle(app, ReleaseOccurrence(recurrence.id, utc(2026, 3, 26, 7), "corr-r0"))

    assert first is not None and repeated is None and stale is None
    assert (first.release_at, first.due_at) == (utc(2026, 3, 27, 7), utc(2026, 3, 27, 19))
    assert first.expires_at == utc(2026, 3, 28, 19)  # the default 24 h grace
    recurrence = get_recurrence(app, "clinic-a", recurrence.id)
    assert recurrence.next_release_at == utc(2026, 3, 28, 7)
    assert [a.id for a in app.for_client("clinic-a", "client-1")] == [first.id]


def test_the_count_ends_the_recurrence(app: AssignmentsApplication, snapshot: dict[str, Any]) -> None:
    recurrence = daily(app, snapshot)
    for release in (utc(2026, 3, 27, 7), utc(2026, 3, 28, 7), utc(2026, 3, 29, 6)):
        assert handle(app, ReleaseOccurrence(recurrence.id, release, "corr")) is not None

    recurrence = get_recurrence(app, "clinic-a", recurrence.id)
    assert (recurrence.status, recurrence.next_release_at, len(recurrence.released)) == (ENDED, None, 3)


def test_a_cancelled_recurrence_releases_nothing(app: AssignmentsApplication, snapshot: dict[str, Any]) -> None:
    recurrence = daily(app, snapshot)
    handle(app, CancelRecurrence("clinic-a", recurrence.id, "therapist-1", "corr"))

    assert handle(app, ReleaseOccurrence(recurrence.id, utc(2026, 3, 27, 7), "corr")) is None
    assert get_recurrence(app, "clinic-a", recurrence.id).status == CANCELLED
    with pytest.raises(NotFound):
        get_recurrence(app, "clinic-b", recurrence.id)


def test_the_service_validates_rule_and_zone(memory_app: AssignmentsApplication, version_body: dict[str, Any]) -> None:
    activities = MagicMock()
    activities.get_version.return_value = version_body
    service = worker_factory(AssignmentsService, app=memory_app, activities=activities, metrics=None)
    request = {
        "client_id": "client-1",
        "activity_id": version_body["activity_id"],
        "rule": "FREQ=WEEKLY;BYDAY=MO,TH",
        "starts_at": "2030-01-07T07:00:00",
        "time_zone": LONDON,
    }

    body = service.create_recurrence("clinic-a", "therapist-1", request, "corr")

    assert (body["status"], body["next_release_at"]) == (ACTIVE, "2030-01-07T07:00:00+00:00")
    for field, bad in (("rule", "FREQ=NEVER"), ("time_zone", "Mars/Base"), ("starts_at", "2030-01-07T07:00:00+02:00")):
        with pytest.raises(ValidationFailed) as refused:
            service.create_recurrence("clinic-a", "therapist-1", {**request, field: bad}, "corr")
        assert field in refused.value.fields
