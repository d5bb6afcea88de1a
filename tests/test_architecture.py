"""The house's parts (docs/architecture.md): what may import what, and what never. Every
module under ipdash/ is found by walking the folders, so a new module or folder is
checked too (and must be given a part here)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ipdash import paths

PACKAGE = paths.ROOT / "ipdash"
# Modules every part may use: errors, files, curated-data readers, where files are.
BASE = {"errors", "fileio", "datafiles", "paths", "__init__"}
# The parts, in the order data flows, and the parts each may import (besides BASE).
MAY_IMPORT = {
    "base": set(),
    "settings": set(),
    "corpus": {"corpus"},
    "store": {"corpus", "store", "settings"},
    "present": {"store", "present", "settings"},
    "web": {"present", "store", "web", "settings"},
    "cli": {"corpus", "store", "present", "settings", "serve"},
    "server": {"settings"},
    "serve": {"settings", "store"},
    "main": {"cli"},
    "pages": {"corpus", "store", "present", "web", "settings"},
}
# Third-party packages that belong to one part only.
ONLY_IN = {
    "streamlit": {"web", "pages"},
}
# ...except their wire format: `ipdash serve` speaks Streamlit's websocket protocol to
# open the first pages on each worker (it draws nothing).
WIRE_FORMAT = {"serve": ("streamlit.proto",)}
LONGEST_FUNCTION = 120  # lines: a screen or two


def part_of(path: Path) -> str:
    """Which part a source file belongs to."""
    rel = path.relative_to(paths.ROOT)
    if rel.parts[0] == "pages" or rel.name == "app.py":
        return "pages"
    inside = rel.parts[1:]
    if len(inside) > 1:
        return inside[0]
    name = Path(inside[0]).stem
    if name in BASE:
        return "base"
    if name == "__main__":
        return "main"
    if name in MAY_IMPORT:
        return name
    raise AssertionError(f"{rel} belongs to no part: add it to tests/test_architecture.py")


def sources() -> list[Path]:
    return sorted(
        [*PACKAGE.rglob("*.py"), *(paths.ROOT / "pages").glob("*.py"), paths.ROOT / "app.py"]
    )


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module == "ipdash":
                found += [(node.lineno, f"ipdash.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, node.module))
    return found


def imported_part(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "ipdash":
        return None
    if len(parts) == 1 or parts[1] in BASE or parts[1] == "__version__":
        return "base"
    return "main" if parts[1] == "__main__" else parts[1]


def test_every_module_belongs_to_a_part():
    assert {part_of(p) for p in sources()} <= set(MAY_IMPORT)
    assert len(sources()) > 40  # the walk found the package, not an empty folder


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(paths.ROOT)))
def test_imports_follow_the_flow(path: Path):
    part = part_of(path)
    allowed = MAY_IMPORT[part] | {"base"}
    wrong = []
    for line, module in imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
        target = imported_part(module)
        if target is not None and target not in allowed:
            wrong.append(f"line {line}: {part} imports {module}")
        top = module.split(".")[0]
        wire = module.startswith(WIRE_FORMAT.get(part, ("-",)))
        if top in ONLY_IN and part not in ONLY_IN[top] and not wire:
            wrong.append(f"line {line}: only {sorted(ONLY_IN[top])} may import {top}")
    assert wrong == []


def test_sql_runs_only_in_the_store():
    """SQL lives in ipdash/store (the build SQL files and the query module): nothing else
    calls a connection's execute or sql."""
    outside = []
    for path in sources():
        if part_of(path) == "store":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"execute", "sql", "executemany"}
            ):
                outside.append(f"{path.relative_to(paths.ROOT)}:{node.lineno}")
    assert outside == []


def test_no_function_is_longer_than_a_screen_or_two():
    long = []
    for path in sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > LONGEST_FUNCTION:
                    long.append(f"{path.relative_to(paths.ROOT)}:{node.lineno} {node.name} {lines}")
    assert long == []


def test_the_rules_catch_a_wrong_import(tmp_path):
    """The checks above can fail: a figure module importing Streamlit, or the corpus
    importing the store, is reported."""
    tree = ast.parse("import streamlit as st\nfrom ipdash.store import queries\n")
    modules = [m for _, m in imported_modules(tree)]
    assert [imported_part(m) for m in modules] == [None, "store"]
    assert "store" not in MAY_IMPORT["corpus"]
    assert "present" not in ONLY_IN["streamlit"]


def test_the_environment_is_read_only_in_settings():
    """Settings are read in one place (ipdash/settings.py). Elsewhere the environment is
    only passed on whole to a child process or written for kaleido."""
    reads = []
    for path in sources():
        if path.name == "settings.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            getter = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and (
                    node.func.attr == "getenv"
                    or (
                        node.func.attr in {"get", "__getitem__"}
                        and ast.unparse(node.func.value) == "os.environ"
                    )
                )
            )
            subscript = isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ"
            if getter or subscript:
                reads.append(f"{path.relative_to(paths.ROOT)}:{node.lineno}")
    assert reads == []
