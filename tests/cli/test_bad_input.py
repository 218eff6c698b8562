"""Every mistake a user can make on the command line: one sentence on one line, exit 2.

These need no database: each input is refused before anything is opened, so the
configuration is the example's, copied into a temporary folder (its SQLite file would land
there if a command went further than it should).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {
    "METRICS_BOT_PSEUDONYM_KEY": "k",
    "METRICS_BOT_WEBHOOK_SECRET": "w",
    "SLACK_BOT_TOKEN": "xoxb-1",
    "SLACK_SIGNING_SECRET": "s",
    "GITHUB_TOKEN": "g",
}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    target = tmp_path / "metrics-bot.yaml"
    shutil.copy(ROOT / "metrics-bot.example.yaml", target)
    return target


def run(config: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        main, ["--config", str(config), *args], env={**SECRETS, **(env or {})}
    )


def one_line(result: Result) -> str:
    """The single line printed; fails if there is a traceback or more than one line."""
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: ") and lines[0].rstrip().endswith((".", "?")), lines[0]
    return lines[0]


@pytest.mark.parametrize("week", ["2026-48", "2026-W60", "2026-W00", "garbage", "", "2025-W53"])
@pytest.mark.parametrize("command", ["digest payments", "insights"])
def test_a_bad_week_is_one_line_and_exit_2(config: Path, command: str, week: str) -> None:
    line = one_line(run(config, *command.split(), "--week", week))
    assert f"The week {week!r} is not an ISO week that exists" in line
    assert "2026-W47" in line  # says how to write one


def test_a_good_week_in_lower_case_is_accepted(config: Path) -> None:
    from bot.answers import parse_week

    assert parse_week("2026-w05") == "2026-W05"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["digest", "paymnts"], "I don't know the team 'paymnts'. Did you mean 'payments'?"),
        (["query", "review-time", "paymnts"], "Did you mean 'payments'?"),
        (["query", "reveiw-time", "payments"], "Did you mean 'review-time'?"),
        (["query", "dorra", "payments"], "Did you mean 'dora'?"),
        (["query", "review-time", "payments", "forever"], "The period 'forever' is not one"),
        (["query", "review-time", "payments", "--period", "900d"], "from 1 day to a year"),
        (["query", "review-time", "payments", "month", "--period", "4w"], "Give the period once"),
        (["query", "review-time", "payments", "--period", "2026-05-01..2026-04-01"], "ends before"),
        (["insights", "--team", "paymnts"], "Did you mean 'payments'?"),
        (["why", "review-time", "paymnts"], "I don't know the team 'paymnts'."),
        (["why", "velocity", "payments"], "explains delays in review-time (pickup), lead-time"),
        (["why", "reveiw-time", "payments"], "Did you mean 'review-time'?"),
        (["why", "%%garbage%%", "payments"], "not '%%garbage%%'"),
        (["why", "review-time", "payments", "--week", "2026-W60"], "is not an ISO week"),
        (
            ["annotate", "payments", "--from", "2026-05-02", "--to", "2026-05-01", "--note", "x"],
            "The --to date must be on or after the --from date.",
        ),
        (
            ["annotate", "payments", "--from", "2026-05-01", "--to", "2026-05-01", "--note", " "],
            "The --note must say what happened",
        ),
    ],
)
def test_each_bad_input_is_one_sentence_and_exit_2(
    config: Path, args: list[str], expected: str
) -> None:
    assert expected in one_line(run(config, *args))
    assert not (config.parent / "metrics-bot.db").exists()  # refused before opening anything


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SLACK_API_URL", "https://bot:hunter2@slack.example.com/api"),
        ("GITHUB_API_URL", "https://x-access-token:hunter2@ghe.example.com/api/v3"),
        ("SLACK_API_URL", "ftp://slack.example.com"),
    ],
)
def test_a_url_in_the_environment_with_credentials_is_refused(
    config: Path, variable: str, value: str
) -> None:
    line = one_line(run(config, "check-config", env={variable: value}))
    assert variable in line and "hunter2" not in line
    assert "https://host/path" in line  # says what to write instead


@pytest.mark.parametrize(
    ("section", "field"),
    [
        ("slack:\n  api_url: https://u:hunter2@slack.example.com\n", "slack.api_url"),
        (
            "sources:\n  github:\n    api_url: https://u:hunter2@ghe.example.com/api/v3\n",
            "sources.github.api_url",
        ),
        (
            "sources:\n  jira:\n    url: https://me%40acme.com:hunter2@acme.atlassian.net\n"
            "    token: {env: JIRA_TOKEN}\n",
            "sources.jira.url",
        ),
    ],
)
def test_a_url_in_the_config_with_credentials_is_refused(
    tmp_path: Path, section: str, field: str
) -> None:
    path = tmp_path / "metrics-bot.yaml"
    path.write_text(section + "teams: []\n")
    line = one_line(run(path, "check-config", env={"JIRA_TOKEN": "j"}))
    assert f"{path}:" in line and field in line
    assert "user name or password" in line and "hunter2" not in line
