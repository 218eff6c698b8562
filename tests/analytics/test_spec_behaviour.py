"""Metric behaviour lives on its spec (issue 14): the engine has no dispatch on metric ids,
every spec names its item builder and aggregation, entry points take keywords only."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from analytics import engine
from analytics.aggregate import Grouped, Snapshot
from analytics.registry import METRICS

ANALYTICS = Path(__file__).resolve().parents[2] / "analytics"


def _id_comparisons(tree: ast.AST) -> list[int]:
    """Lines comparing something to a metric id string (`spec.id == "cfr"`, `mid in (...)`)."""
    ids = set(METRICS)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            consts = [
                c.value
                for c in ast.walk(node)
                if isinstance(c, ast.Constant) and isinstance(c.value, str)
            ]
            if any(c in ids for c in consts):
                out.append(node.lineno)
    return out


def test_no_metric_id_dispatch_outside_the_registry() -> None:
    found = {
        str(p.relative_to(ANALYTICS)): lines
        for p in sorted(ANALYTICS.rglob("*.py"))
        if p.name != "registry.py" and (lines := _id_comparisons(ast.parse(p.read_text())))
    }
    assert found == {}


@pytest.mark.parametrize("metric", sorted(METRICS))
def test_every_spec_says_how_it_is_computed(metric: str) -> None:
    spec = METRICS[metric]
    assert callable(spec.items)
    assert isinstance(spec.aggregation, Grouped | Snapshot)
    assert spec.default_rule


@pytest.mark.parametrize(
    "entry",
    [
        engine.evaluate,
        engine.evaluate_weekly,
        engine.compute_metric,
        engine.weekly_series,
        engine.compute_all,
    ],
)
def test_entry_points_take_keywords_only(entry: object) -> None:
    params = inspect.signature(entry).parameters.values()  # type: ignore[arg-type]
    assert params and all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params)
