"""save_with_retry: a new aggregate saved with an index that others append to concurrently.

Two applications on one SQLite event store stand for two service workers.
"""

from collections.abc import Iterator
from pathlib import Path
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError

from interlude_runtime.eventstore import save_with_retry


class Member(Aggregate):
    @event("Joined")
    def __init__(self, name: str) -> None:
        self.name = name


class Roster(Aggregate):
    """The index aggregate: one per team, appended to by every new member."""

    @staticmethod
    def create_id(team: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"test:roster:{team}")

    @event("Started")
    def __init__(self, team: str) -> None:
        self.team = team
        self.member_ids: list[UUID] = []

    @event("MemberAdded")
    def add(self, member_id: UUID) -> None:
        self.member_ids.append(member_id)


class Teams(Application[UUID]):
    name = "Teams"

    def roster(self, team: str) -> Roster:
        try:
            return self.repository.get(Roster.create_id(team))
        except AggregateNotFoundError:
            return Roster(team=team)

    def join(self, team: str, name: str) -> tuple[Member, Roster]:
        member = Member(name=name)
        roster = self.roster(team)
        roster.add(member.id)
        self.save(member, roster)
        return member, roster


@pytest.fixture
def apps(tmp_path: Path) -> Iterator[tuple[Teams, Teams]]:
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "events.sqlite")}
    first, second = Teams(env=env), Teams(env=env)
    yield first, second
    first.close()
    second.close()


def roster_names(app: Teams, team: str) -> list[str]:
    return [app.repository.get(member_id).name for member_id in app.roster(team).member_ids]


def test_saving_a_stale_index_fails_without_retry(apps: tuple[Teams, Teams]) -> None:
    app, rival = apps
    app.join("blue", "ada")
    stale = app.roster("blue")
    rival.join("blue", "bo")

    latecomer = Member(name="cy")
    stale.add(latecomer.id)
    with pytest.raises(IntegrityError):
        app.save(latecomer, stale)

    # The save is atomic: neither the index entry nor the new member was stored.
    assert roster_names(app, "blue") == ["ada", "bo"]
    with pytest.raises(AggregateNotFoundError):
        app.repository.get(latecomer.id)


def test_save_with_retry_rebuilds_after_a_concurrent_write(apps: tuple[Teams, Teams]) -> None:
    app, rival = apps
    app.join("blue", "ada")
    builds: list[int] = []

    def build() -> tuple[Member, Roster]:
        roster = app.roster("blue")
        if not builds:
            rival.join("blue", "bo")  # lands between this worker's read and its write
        builds.append(roster.version)
        member = Member(name="cy")
        roster.add(member.id)
        return member, roster

    member, roster = save_with_retry(app, build)

    assert len(builds) == 2
    assert builds[1] > builds[0]
    assert roster.member_ids[-1] == member.id
    assert roster_names(rival, "blue") == ["ada", "bo", "cy"]


def test_save_with_retry_creates_the_index_on_first_use(apps: tuple[Teams, Teams]) -> None:
    app, rival = apps

    def build() -> tuple[Member, Roster]:
        member = Member(name="ada")
        roster = app.roster("green")
        roster.add(member.id)
        return member, roster

    save_with_retry(app, build)

    assert roster_names(rival, "green") == ["ada"]


def test_two_creators_of_the_same_index_both_land(apps: tuple[Teams, Teams]) -> None:
    app, rival = apps
    calls = 0

    def build() -> tuple[Member, Roster]:
        nonlocal calls
        calls += 1
        roster = app.roster("red")  # absent: a new index, unless the rival got there first
        if calls == 1:
            rival.join("red", "bo")
        member = Member(name="ada")
        roster.add(member.id)
        return member, roster

    save_with_retry(app, build)

    assert calls == 2
    assert sorted(roster_names(app, "red")) == ["ada", "bo"]


def test_save_with_retry_gives_up_after_its_attempts(apps: tuple[Teams, Teams]) -> None:
    app, rival = apps
    app.join("blue", "ada")
    calls = 0

    def build() -> tuple[Member, Roster]:
        nonlocal calls
        calls += 1
        roster = app.roster("blue")
        rival.join("blue", f"rival-{calls}")  # always loses the race
        member = Member(name=f"late-{calls}")
        roster.add(member.id)
        return member, roster

    with pytest.raises(IntegrityError):
        save_with_retry(app, build, attempts=3)

    assert calls == 3
    assert roster_names(app, "blue") == ["ada", "rival-1", "rival-2", "rival-3"]
