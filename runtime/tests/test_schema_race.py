"""Table creation that lost a race with another process is tried again; other failures are not."""

import pytest

from interlude_runtime.schema import created_despite_races

RACE = 'duplicate key value violates unique constraint "pg_type_typname_nsp_index"'


def flaky(failures: list[Exception]):
    calls = []

    def create() -> str:
        calls.append(1)
        if failures:
            raise failures.pop(0)
        return "created"

    return create, calls


def test_a_lost_creation_race_is_tried_again() -> None:
    create, calls = flaky([RuntimeError(RACE), RuntimeError(RACE)])
    assert created_despite_races(create, pause=0) == "created"
    assert len(calls) == 3


def test_other_errors_are_raised_at_once() -> None:
    create, calls = flaky([RuntimeError("password authentication failed")])
    with pytest.raises(RuntimeError, match="password"):
        created_despite_races(create, pause=0)
    assert len(calls) == 1


def test_gives_up_after_the_attempts() -> None:
    create, calls = flaky([RuntimeError(RACE)] * 3)
    with pytest.raises(RuntimeError):
        created_despite_races(create, attempts=3, pause=0)
    assert len(calls) == 3
