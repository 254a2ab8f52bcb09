"""docs/data-dictionary.md documents every table and column the projection creates (and no stale ones)."""

import re
from pathlib import Path

from interlude_reporting.projection import create_tables
from interlude_runtime.storage import Database

DICTIONARY = Path(__file__).resolve().parents[3] / "docs" / "data-dictionary.md"


def documented() -> dict[str, set[str]]:
    """Table -> the column names in the first cell of its section's table (``a``, ``b`` and ``c`` rows count)."""
    tables: dict[str, set[str]] = {}
    current = None
    for line in DICTIONARY.read_text().splitlines():
        heading = re.match(r"^## `(\w+)`", line)
        if heading:
            current = heading.group(1)
            tables[current] = set()
        elif line.startswith("## "):
            current = None
        elif current and line.startswith("| `"):
            tables[current] |= set(re.findall(r"`(\w+)`", line.split("|")[1]))
    return tables


def test_every_projection_table_and_column_is_documented(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'dictionary.sqlite'}")
    create_tables(database)
    with database.transaction() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        names = [row["name"] for row in cursor.fetchall()]
        actual = {}
        for name in names:
            cursor.execute(f"PRAGMA table_info({name})")
            actual[name] = {row["name"] for row in cursor.fetchall()}
    database.close()

    assert documented() == actual
