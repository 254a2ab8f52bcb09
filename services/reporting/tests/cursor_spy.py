"""A spy on the SQL a projection runs, for tests that count queries or writes."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from interlude_runtime.storage import Database


def spy_on_cursors(
    projection: Database, monkeypatch: pytest.MonkeyPatch, method: str, spy: Callable[[Any], Any]
) -> None:
    """Every cursor the projection opens from now on has ``method`` replaced by ``spy(the original)``."""
    transaction = projection.transaction

    @contextmanager
    def spied() -> Iterator[Any]:
        with transaction() as cursor:
            setattr(cursor, method, spy(getattr(cursor, method)))
            yield cursor

    monkeypatch.setattr(projection, "transaction", spied)
