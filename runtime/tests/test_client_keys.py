"""Client keys shared by replicas: an erasure through one holds at once in every other."""

import os
from collections.abc import Iterator

import pytest

from interlude_runtime.shredding import ClientKeys, client_key_id, client_keys_for

pytestmark = pytest.mark.postgres

MASTER_KEY = os.urandom(32)
KEY_ID = client_key_id("clinic-a", "client-1")


@pytest.fixture
def replicas(database_url: str) -> Iterator[tuple[ClientKeys, ClientKeys]]:
    first, second = client_keys_for(database_url, MASTER_KEY), client_keys_for(database_url, MASTER_KEY)
    yield first, second
    first.close()
    second.close()


def test_erasure_through_one_replica_holds_at_once_in_another(replicas: tuple[ClientKeys, ClientKeys]) -> None:
    first, second = replicas
    made = first.key(KEY_ID, create=True)
    assert made is not None and second.key(KEY_ID, create=False) == made  # the second has it in memory now

    first.destroy(KEY_ID)

    assert second.key(KEY_ID, create=False) is None
    assert second.current([KEY_ID]) == {}


def test_a_key_made_again_after_erasure_replaces_the_one_in_memory(replicas: tuple[ClientKeys, ClientKeys]) -> None:
    first, second = replicas
    old = first.key(KEY_ID, create=True)
    assert second.key(KEY_ID, create=False) == old
    first.destroy(KEY_ID)

    new = first.key(KEY_ID, create=True)

    assert new is not None and new != old
    assert second.key(KEY_ID, create=False) == new


def test_many_keys_are_looked_up_in_one_query(replicas: tuple[ClientKeys, ClientKeys]) -> None:
    first, _ = replicas
    ids = [client_key_id("clinic-a", f"client-{n}") for n in range(5)]
    made = first.current(ids, create=True)
    queries: list[object] = []
    load = first._load
    first._load = lambda key_ids: queries.append(key_ids) or load(key_ids)  # type: ignore[method-assign]

    assert first.current([*ids, client_key_id("clinic-a", "never-made")]) == made
    assert len(queries) == 1


def test_sealing_uses_a_key_checked_lately_without_a_query_and_never_reopens_an_erased_one(
    replicas: tuple[ClientKeys, ClientKeys],
) -> None:
    first, second = replicas
    made = first.current([KEY_ID], create=True)  # an aggregate's load checked it
    queries: list[object] = []
    load = first._load
    first._load = lambda key_ids: queries.append(key_ids) or load(key_ids)  # type: ignore[method-assign]

    assert first.for_sealing([KEY_ID]) == made
    assert queries == []  # the save that follows the load asks the table nothing

    second.destroy(KEY_ID)  # erased through another replica meanwhile

    assert first.for_sealing([KEY_ID]) == made  # seals what nobody can open any more
    assert first.current([KEY_ID]) == {}  # every read sees the erasure at once
    assert first.for_sealing([KEY_ID]) != made  # forgotten by the read: a first event would make a new key


def test_a_client_never_seen_gets_a_key_made_for_sealing(replicas: tuple[ClientKeys, ClientKeys]) -> None:
    first, second = replicas
    other = client_key_id("clinic-a", "client-new")

    sealing = first.for_sealing([other])

    assert set(sealing) == {other} and second.current([other]) == sealing
