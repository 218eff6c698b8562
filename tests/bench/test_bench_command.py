"""`metrics-bot bench --scale tiny` runs the whole suite for real (the simulated org over the
local fakes and HTTP, the Bolt app, the digests, the engine in a child process) and writes
every figure issue 20 names, each with a target, a finite value and a finite baseline."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.figures import TARGETS
from bot.cli import main

NAMED = {
    "ingest.requests_per_pr.github",
    "ingest.requests_per_pr.gitlab",
    "ingest.prs_per_s",
    "ingest.idle_cycle_points_per_repo",
    "analytics.compute_all_s",
    "analytics.peak_rss_mb",
    "analytics.compute_all_kept_s",
    "analytics.idle_refresh_s",
    "slash.ack_p99_ms",
    "slash.answer_p99_ms",
    "digest.all_teams_s",
    "store.mb_per_100k_prs",
}


@pytest.mark.slow
def test_the_tiny_suite_writes_every_named_figure(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = CliRunner().invoke(
        main,
        ["bench", "--scale", "tiny", "--json", str(out), "--workdir", str(tmp_path / "work")],
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    names = [f["name"] for f in figures]
    assert set(names) == set(TARGETS) and set(names) >= NAMED and len(names) == len(set(names))
    for f in figures:
        assert {"name", "value", "unit", "target", "scale", "store", "machine"} <= set(f)
        assert (f["scale"], f["store"]) == ("tiny", "sqlite")
        assert math.isfinite(f["value"]) and f["value"] >= 0, f
        assert math.isfinite(f["target"]) and math.isfinite(f["baseline"]), f
        assert {"cores", "ram_gb", "cpu", "load_avg", "date"} <= set(f["machine"])
    by_name = {f["name"]: f for f in figures}
    # counts the fakes make exact: the REST script's two calls per PR, GitLab's per-MR calls
    assert by_name["ingest.requests_per_pr.github"]["baseline"] > 2
    assert by_name["ingest.requests_per_pr.gitlab"]["baseline"] > 3
    assert by_name["ingest.idle_cycle_points_per_repo"]["met"] is True
    assert "| `slash.answer_p99_ms` |" in result.output
