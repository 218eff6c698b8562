"""No giants in ingest/: modules stay under ~400 lines, functions under ~60 lines and a
McCabe complexity of 20, so each piece keeps one job a reader can hold (issue 14, item 7).

Complexity is counted the simple McCabe way: 1, plus one per if / for / while / except /
with / assert, per extra operand of a boolean operator, per `if` of a comprehension and per
`case` of a match (a conditional expression counts as an if). Nested functions count
towards the function that holds them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "ingest"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
MAX_COMPLEXITY = 20

_BRANCHES = (
    ast.If,
    ast.IfExp,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.ExceptHandler,
    ast.With,
    ast.AsyncWith,
    ast.Assert,
    ast.match_case,
)


def complexity(function: ast.AST) -> int:
    """McCabe's number as described in the module docstring."""
    count = 1
    for node in ast.walk(function):
        if isinstance(node, _BRANCHES):
            count += 1
        elif isinstance(node, ast.BoolOp):
            count += len(node.values) - 1
        elif isinstance(node, ast.comprehension):
            count += len(node.ifs)
    return count


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def functions(path: Path) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    nested = {
        id(inner)
        for outer in found
        for inner in ast.walk(outer)
        if inner is not outer and isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    return [f for f in found if id(f) not in nested]


def test_the_counter_counts_what_it_says() -> None:
    source = """
def f(xs, y):
    if y and xs or not y:
        for x in xs:
            assert x
    with open("p") as fh:
        pass
    try:
        pass
    except ValueError:
        pass
    match y:
        case 1:
            pass
        case _:
            pass
    return [x for x in xs if x if y] or (1 if y else 2)
"""
    (fn,) = ast.parse(source).body
    # if, 2 boolean extra operands, for, assert, with, except, 2 cases, 2 comprehension ifs,
    # the `or` of the return, the conditional expression: 1 + 13
    assert complexity(fn) == 14


def test_the_ingest_package_is_checked() -> None:
    names = {p.relative_to(PACKAGE).as_posix() for p in modules()}
    assert {"runner.py", "http.py", "base.py"} <= names


@pytest.mark.parametrize("path", modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_module_size(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_MODULE_LINES, f"{lines} lines: split it into modules with one job each"


@pytest.mark.parametrize("path", modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_function_size_and_complexity(path: Path) -> None:
    too_big = []
    for fn in functions(path):
        assert fn.end_lineno is not None
        length = fn.end_lineno - fn.lineno + 1
        score = complexity(fn)
        if length > MAX_FUNCTION_LINES or score > MAX_COMPLEXITY:
            too_big.append(f"{fn.name} (line {fn.lineno}): {length} lines, complexity {score}")
    assert not too_big, "; ".join(too_big)
