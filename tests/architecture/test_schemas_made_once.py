"""Marshmallow schemas are made once per process (``interlude_contracts.schemas.shared``), never per call.

Making a schema copies every field: ``ActivityAssignedV1().dump(...)`` made one per event the relay published
and per event the log was read for, a seventh of the read's CPU. This finds ``SomeSchema().dump(...)`` (and
``load``, ``validate``) in the code the processes run.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SOURCES = [
    path
    for pattern in ("services/*/interlude_*/**/*.py", "gateway/interlude_gateway/**/*.py", "runtime/**/*.py")
    for path in sorted(ROOT.glob(pattern))
    if "/tests/" not in str(path)
] + sorted((ROOT / "contracts/interlude_contracts").rglob("*.py"))
USES = {"dump", "dumps", "load", "loads", "validate"}


def schemas_made_per_call(tree: ast.AST) -> list[int]:
    """Lines that call a method of a schema instance made on the spot with no arguments: ``Schema().load(...)``."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in USES
        and isinstance(node.func.value, ast.Call)
        and isinstance(node.func.value.func, ast.Name)
        and not node.func.value.args
        and not node.func.value.keywords
        and node.func.value.func.id[:1].isupper()
    ]


def test_the_scan_finds_a_schema_made_for_one_call() -> None:
    assert schemas_made_per_call(ast.parse("def f(x):\n    return PayloadV1().dump(x)\n")) == [2]
    assert schemas_made_per_call(ast.parse("def f(x):\n    return shared(PayloadV1).dump(x)\n")) == []


def test_no_process_makes_a_schema_for_one_call() -> None:
    assert len(SOURCES) > 50
    found = {
        f"{path.relative_to(ROOT)}:{line}": line
        for path in SOURCES
        for line in schemas_made_per_call(ast.parse(path.read_text(), str(path)))
    }
    assert not found, f"use interlude_contracts.schemas.shared(...) instead: {sorted(found)}"
