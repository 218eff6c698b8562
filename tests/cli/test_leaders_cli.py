"""The leaders' commands on a fresh, empty store with the example config: the report writes
its three formats and chart and needs no data to stand; a goal is previewed; `about` says
what is collected; retention runs dry; every mistake is one line and exit 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from tests.cli.test_bad_input import ROOT, SECRETS, one_line


@pytest.fixture
def config(tmp_path: Path) -> Path:
    target = tmp_path / "metrics-bot.yaml"
    shutil.copy(ROOT / "metrics-bot.example.yaml", target)
    return target


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args], env=SECRETS)


def test_the_report_writes_markdown_html_blocks_and_its_chart(config: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(config, "report", "--quarter", "2026Q3", "--out", str(out))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "report-2026Q3-dora.png",
        "report-2026Q3.html",
        "report-2026Q3.json",
        "report-2026Q3.md",
    ]
    md = (out / "report-2026Q3.md").read_text()
    assert md.startswith("# Engineering quarterly report, 2026Q3")
    assert "![The organisation: DORA by week](report-2026Q3-dora.png)" in md
    assert "data:image/png;base64," in (out / "report-2026Q3.html").read_text()
    assert json.loads((out / "report-2026Q3.json").read_text())["blocks"][0]["type"] == "header"
    grouped = run(config, "report", "--quarter", "2026Q3", "--group", "product")
    assert grouped.exit_code == 0 and "Product quarterly report" in grouped.output


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("report", "--quarter", "2026Q5"), "is not a quarter: write it as 2026Q3"),
        (("report", "--group", "platfrom"), "There is no group 'platfrom'"),
        (("goal", "payments", "review-time < 1 fortnight"), "not a hours figure"),
        (("goal", "paymnts"), "I don't know the team 'paymnts'"),
    ],
)
def test_mistakes_are_one_line(config: Path, args: tuple[str, ...], says: str) -> None:
    assert says in one_line(run(config, *args))


def test_goal_about_and_retention(config: Path) -> None:
    preview = run(config, "goal", "payments", "deploy-frequency >= 5/week")
    assert preview.exit_code == 0, preview.output
    assert "read as: the weekly median at least 5.0/wk" in preview.output
    assert "last 12 full weeks: missed 12 of 12 weeks with a figure" in preview.output  # 0 a week
    listing = run(config, "goal", "payments")
    assert listing.exit_code == 0 and "pr-size p75 < 400 lines" in listing.output
    about = run(config, "about")
    assert about.exit_code == 0 and "- GitHub: pull requests" in about.output
    assert "We never use them to rate, rank or compare people." in about.output
    assert "older than 730d are deleted daily" in about.output
    text = " ".join(about.output.split())
    assert "account's type (user or bot" in text and "team pulse answers" in text
    dry = run(config, "retention", "--dry-run")
    assert dry.exit_code == 0 and "would delete nothing" in dry.output
