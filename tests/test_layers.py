"""The layers point one way: `app/` and `admin/` → `jobs/` → `market/` → `conversation/` →
`parsers/`. A module that imports a layer above its own fails here, naming the import."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Each package, and the packages it may import (besides itself and third-party libraries).
ALLOWED: dict[str, set[str]] = {
    "parsers": set(),
    "conversation": {"parsers"},
    "market": {"conversation", "parsers"},
    "jobs": {"market", "conversation", "parsers"},
    "admin": {"jobs", "market", "conversation", "parsers"},
    "app": {"admin", "jobs", "market", "conversation", "parsers"},
}
OURS = set(ALLOWED) | {"tests", "bench", "migrations"}


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every import in the file, however nested, that is ours."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [(node.lineno, name.split(".")[0]) for name in names
                  if name.split(".")[0] in OURS]
    return found


def upward_imports(package: str, root: Path = ROOT) -> list[str]:
    allowed = ALLOWED[package] | {package}
    return [f"{path.relative_to(root)}:{line} imports {target}"
            for path in sorted((root / package).rglob("*.py"))
            for line, target in imports_of(path) if target not in allowed]


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_no_module_imports_a_layer_above_its_own(package):
    assert upward_imports(package) == []


def test_the_check_sees_an_upward_import_even_inside_a_function(tmp_path):
    (tmp_path / "parsers").mkdir()
    (tmp_path / "parsers" / "bad.py").write_text(
        "def f():\n    from market.db import db\n    return db\n")
    assert upward_imports("parsers", tmp_path) == ["parsers/bad.py:2 imports market"]


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(path: Path, known: set[str]) -> set[str]:
    """Modules of ours the file imports at run time (imports under TYPE_CHECKING left out)."""
    tree = ast.parse(path.read_text(), str(path))
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
               and getattr(node.test, "id", None) == "TYPE_CHECKING"
               for n in ast.walk(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from package import submodule` needs the submodule, not what the package holds.
            subs = [f"{node.module}.{alias.name}" for alias in node.names]
            names = [sub if sub in known else node.module for sub in subs]
        else:
            continue
        found |= {name for name in names if name in known}
    return found


def import_cycles(root: Path = ROOT) -> list[list[str]]:
    """Groups of our modules that import each other, directly or round a loop."""
    files = {_module_name(p, root): p for package in ALLOWED
             for p in (root / package).rglob("*.py")}
    graph = {name: _runtime_imports(path, set(files)) - {name} for name, path in files.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(name: str) -> None:  # Tarjan's strongly connected components
        index[name] = low[name] = len(index)
        stack.append(name)
        for other in graph[name]:
            if other not in index:
                visit(other)
                low[name] = min(low[name], low[other])
            elif other in stack:
                low[name] = min(low[name], index[other])
        if low[name] == index[name]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == name:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return cycles


def test_no_import_cycles_at_run_time():
    assert import_cycles() == []


def test_the_cycle_check_sees_a_loop(tmp_path):
    (tmp_path / "market").mkdir()
    (tmp_path / "market" / "a.py").write_text("from market import b\n")
    (tmp_path / "market" / "b.py").write_text("def f():\n    import market.a\n")
    (tmp_path / "market" / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from market import a\n")
    assert import_cycles(tmp_path) == [["market.a", "market.b"]]
