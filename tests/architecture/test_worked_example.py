"""docs/architecture.md's worked example names real code: every `file` :: `text` pair it lists is in that file."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
PAIR = re.compile(r"`([\w/.-]+\.py)` :: `([^`]+)`")


def worked_example() -> str:
    text = DOC.read_text()
    start = text.index("## Worked example: extend a due date")
    return text[start : text.index("\n## ", start + 1)]


def test_every_place_the_worked_example_names_is_in_the_code() -> None:
    pairs = PAIR.findall(worked_example())
    assert len(pairs) >= 12
    missing = [(path, text) for path, text in pairs if text not in (ROOT / path).read_text()]
    assert missing == []


def test_the_end_to_end_test_the_example_cites_exists() -> None:
    [name] = re.findall(r"`(test_extending_the_due_date\w*)`", worked_example())
    assert f"def {name}(" in (ROOT / "tests" / "e2e" / "test_schedules.py").read_text()
