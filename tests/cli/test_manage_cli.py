"""`metrics-bot experiment ...`, `annotate` and `annotations ...` on a real (empty) store:
the same core and the same sentences as `/metrics experiment` and `/metrics annotate`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from tests.cli.test_bad_input import one_line

CONFIG = """
database_url: sqlite:///{db}
teams:
  - {{slug: team-a, name: Team A, slack_channel: C0TEAMA001, tz: Europe/Berlin}}
  - {{slug: team-b, name: Team B, slack_channel: C0TEAMB001}}
  - {{slug: team-c, name: Team C, slack_channel: C0TEAMC001}}
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "metrics-bot.yaml"
    path.write_text(CONFIG.format(db=tmp_path / "store.db"), encoding="utf-8")
    return path


def run(config: Path, *args: str) -> Result:
    env = {"METRICS_BOT_PSEUDONYM_KEY": "k"}
    return CliRunner().invoke(main, ["--config", str(config), *args], env=env)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["experiment", "start", "team-a", "slot", "--metric", "reveiw-time"],
            "I don't know the metric 'reveiw-time'. Did you mean 'review-time'?",
        ),
        (
            ["experiment", "start", "team-z", "slot", "--metric", "review-time"],
            "I don't know the team 'team-z'.",
        ),
        (
            [
                "experiment",
                "start",
                "team-a",
                "slot",
                "--metric",
                "review-time",
                "--from",
                "2099-01-05",
            ],
            "2099-01-05 is in the future",
        ),
        (
            ["experiment", "start", "team-a", "slot", "--metric", "review-time"],
            "Team A has 0 week(s) with a value of time to first review in the 12 weeks before "
            "the start; an experiment needs at least 4",
        ),
        (["experiment", "report", "team-a"], "Which experiment of Team A? It has none yet"),
        (["annotate", "team-a", "2099-01-01", "offsite"], "2099-01-01 is in the future"),
        (["annotate", "team-a", "2026-11-06..2026-11-02", "x"], "ends before it starts"),
        (["annotations", "remove", "7"], "There is no annotation #7"),
    ],
)
def test_each_bad_input_is_one_sentence_and_exit_2(
    config: Path, args: list[str], expected: str
) -> None:
    assert expected in one_line(run(config, *args))


def test_annotations_are_added_listed_changed_and_removed(config: Path) -> None:
    added = run(config, "annotate", "team-a", "2026-11-02..2026-11-06", "security training")
    assert added.exit_code == 0, added.output
    assert "Annotated team-a from 2026-11-02 to 2026-11-06: security training" in added.output
    assert "(left out of baselines; #1)" in added.output
    listed = run(config, "annotations", "list", "team-a").output
    assert "#1 security training (2026-11-02 to 2026-11-06, left out of baselines)" in listed
    changed = run(config, "annotations", "edit", "1", "--note", "training", "--keep-in-baseline")
    assert "Changed: #1 training (2026-11-02 to 2026-11-06, kept in baselines)" in changed.output
    assert "Removed: #1 training" in run(config, "annotations", "remove", "1").output
    assert "No annotations yet." in run(config, "annotations", "list").output
    assert "No experiments yet" in run(config, "experiment", "list").output
