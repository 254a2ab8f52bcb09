"""Inside each service and the runtime, imports flow one way (docs/architecture.md): no module imports
a module that imports it back, not even from inside a function."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGES = [*sorted(ROOT.glob("services/*/interlude_*/__init__.py")), ROOT / "runtime/interlude_runtime/__init__.py"]


def imported_modules(package: Path, module: str, tree: ast.AST) -> set[str]:
    """The package's modules that ``module`` imports, as dotted names inside the package."""
    parts = module.split(".")
    imported: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            target = parts[: len(parts) - node.level] + (node.module.split(".") if node.module else [])
        elif node.module and node.module.split(".")[0] == package.name:
            target = node.module.split(".")[1:]
        else:
            continue
        imported.add(".".join(target))
        imported.update(".".join([*target, alias.name]) for alias in node.names)
    return imported


def import_graph(package: Path) -> dict[str, set[str]]:
    modules = {
        path.relative_to(package).with_suffix("").as_posix().replace("/", "."): path for path in package.rglob("*.py")
    }
    return {
        name: {other for other in imported_modules(package, name, ast.parse(path.read_text())) if other in modules}
        - {name}
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> None:
        visiting.append(module)
        for imported in sorted(graph[module]):
            if imported in visiting:
                found.append([*visiting[visiting.index(imported) :], imported])
            elif imported not in done:
                visit(imported)
        visiting.pop()
        done.add(module)

    for module in sorted(graph):
        if module not in done:
            visit(module)
    return found


@pytest.mark.parametrize("package", [path.parent for path in PACKAGES], ids=lambda path: path.name)
def test_no_module_imports_back_what_imports_it(package: Path) -> None:
    assert cycles(import_graph(package)) == []


def test_the_check_finds_a_circle() -> None:
    assert cycles({"store": {"scheduler"}, "scheduler": {"templates"}, "templates": {"store"}}) == [
        ["scheduler", "templates", "store", "scheduler"]
    ]
