"""DESIGN.md's import rules: store imports none of ours; ingest and analytics only store;
sandbox none of ours; bot may import all. Checked on every import statement, nested or not."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"store", "ingest", "analytics", "bot", "sandbox"}
ALLOWED = {
    "store": set(),
    "ingest": {"store"},
    "analytics": {"store"},
    "sandbox": set(),
    "bot": OURS - {"bot"},
}


def _imported_packages(path: Path) -> set[tuple[str, int]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[tuple[str, int]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update((alias.name.split(".")[0], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module.split(".")[0], node.lineno))
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_design_allows(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"{package}/ has no modules"
    violations = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in files
        for name, line in _imported_packages(path)
        if name in OURS and name != package and name not in ALLOWED[package]
    ]
    assert violations == []


def test_the_checker_sees_nested_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from bot.cli import main\n    import analytics.load\n")
    assert {name for name, _ in _imported_packages(module)} == {"bot", "analytics"}
