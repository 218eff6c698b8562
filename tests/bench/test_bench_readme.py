"""`metrics-bot bench`'s figures: judged against their targets at the scale a target is
stated for, rendered as bench/README.md's table, and rewritten between their markers only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner

from bench.figures import figure
from bench.readme_table import HEADING, markers, render, rewrite
from bot.cli import main

MACHINE = {
    "cores": 2,
    "ram_gb": 8.0,
    "cpu": "Test CPU",
    "load_avg": [1.0, 0.5, 0.2],
    "date": "2026-12-04T20:00:00+00:00",
}


def _run(scale: str = "small") -> dict[str, Any]:
    return {"scale": scale, "store": "sqlite", "machine": MACHINE}


def _figures(scale: str = "small") -> list[dict[str, Any]]:
    how = {"how": "measured", "baseline_how": "by hand"}
    return [
        figure("ingest.requests_per_pr.github", 0.04, 2.0, run=_run(scale), **how),
        figure("ingest.requests_per_pr.gitlab", 0.5, 3.0, run=_run(scale), **how),
        figure("analytics.compute_all_s", 20.0, 10.0, run=_run(scale), **how),
        figure("ingest.prs_per_s", 300.0, 200.0, run=_run(scale), **how),
    ]


def test_targets_are_judged_only_at_the_scale_they_are_stated_for() -> None:
    github, gitlab, compute, prs = _figures("small")
    assert (github["met"], github["ratio"], github["target"]) == (True, 0.02, 0.05)
    assert gitlab["met"] is False
    assert compute["met"] is None and compute["target_scale"] == "large"
    assert (
        figure("analytics.compute_all_s", 20.0, 10.0, how="", baseline_how="", run=_run("large"))[
            "met"
        ]
        is False
    )
    # no target in the issue: the baseline of the same run is the bar
    assert (prs["target"], prs["met"]) == (200.0, True)


def test_the_table_has_a_row_per_figure_with_baseline_ratio_target_and_verdict() -> None:
    table = render(_figures())
    lines = table.splitlines()
    assert "| figure | value | unit | baseline | ratio | target | met? |" in lines
    assert (
        "| `ingest.requests_per_pr.github` | 0.04 | requests | 2 | 0.02 | <= 0.05 | yes |" in lines
    )
    assert (
        "| `ingest.requests_per_pr.gitlab` | 0.5 | requests | 3 | 0.167 | <= 0.1 | **no** |"
        in lines
    )
    assert any(
        ln.startswith("| `analytics.compute_all_s` | 20 | s | 10 | 2 | <= 15 (at 1M")
        and ln.endswith("| not judged at small |")
        for ln in lines
    )
    assert "2 cores, 8.0 GB RAM, Test CPU" in table and "2026-12-04T20:00:00+00:00" in table


def test_rewrite_replaces_only_its_own_section(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n\nHand-written text.\n")
    rewrite(readme, _figures("small"))
    rewrite(readme, _figures("medium"))
    first = readme.read_text()
    assert first.count(HEADING) == 1 and "Hand-written text." in first
    changed = _figures("small")
    changed[0]["value"] = 0.03
    rewrite(readme, changed)
    text = readme.read_text()
    begin, end = markers("small", "sqlite")
    section = text[text.index(begin) : text.index(end)]
    assert "| `ingest.requests_per_pr.github` | 0.03 |" in section
    assert text.count(begin) == 1 and markers("medium", "sqlite")[0] in text
    assert text.replace(section, "") == first.replace(
        first[first.index(begin) : first.index(end)], ""
    )


def test_the_command_renders_a_readme_from_figures_written_earlier(tmp_path: Path) -> None:
    import json

    figures = tmp_path / "out.json"
    figures.write_text(json.dumps(_figures("medium")))
    readme = tmp_path / "README.md"
    result = CliRunner().invoke(
        main, ["bench", "--from-json", str(figures), "--markdown", str(readme)]
    )
    assert result.exit_code == 0, result.output
    assert render(_figures("medium")) in readme.read_text()
    assert "| `ingest.prs_per_s` | 300 |" in result.output
