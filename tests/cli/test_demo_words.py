"""The demo's "Try next" lines: the executable and paths as typed, short enough to paste.

That each printed command runs is checked on a real ingested world in test_end_to_end.py;
here the lines' shape: how the executable and the config path are shown from a folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.demo import invoked_as, shown_path, try_next

DEMO_TEAMS = ["team-a", "team-b", "team-c", "team-d", "team-e", "team-f", "team-g"]


def test_the_readmes_commands_fit_in_80_columns() -> None:
    lines = try_next(".venv/bin/metrics-bot", "demo/metrics-bot.yaml", DEMO_TEAMS)
    assert len(lines) >= 4
    for line in lines:
        assert line.startswith(".venv/bin/metrics-bot --config demo/metrics-bot.yaml ")
        assert len(line) <= 80, line
    assert any(" dora " in line for line in lines)  # shows the /metrics words work here


def test_a_relative_executable_is_shown_as_typed(tmp_path: Path) -> None:
    assert invoked_as(".venv/bin/metrics-bot", tmp_path) == ".venv/bin/metrics-bot"


def test_an_executable_found_on_path_is_shown_by_name(tmp_path: Path) -> None:
    script = tmp_path / "bin" / "metrics-bot"
    script.parent.mkdir()
    script.write_text("")
    found = invoked_as(str(script), tmp_path / "elsewhere", which=lambda name: str(script))
    assert found == "metrics-bot"


@pytest.mark.parametrize(
    ("inside", "expected"),
    [(True, "venv/bin/metrics-bot"), (False, None)],
)
def test_an_absolute_executable_not_on_path(
    tmp_path: Path, inside: bool, expected: str | None
) -> None:
    script = tmp_path / "venv" / "bin" / "metrics-bot"
    cwd = tmp_path if inside else tmp_path / "other"
    shown = invoked_as(str(script), cwd, which=lambda name: None)
    assert shown == (expected or str(script))


def test_paths_are_relative_to_the_folder_they_are_printed_from(tmp_path: Path) -> None:
    assert shown_path(Path("demo/metrics-bot.yaml"), tmp_path) == "demo/metrics-bot.yaml"
    assert shown_path(tmp_path / "demo" / "metrics-bot.yaml", tmp_path) == ("demo/metrics-bot.yaml")
    assert shown_path(Path("/elsewhere/x.yaml"), tmp_path) == "/elsewhere/x.yaml"


def test_the_demo_stays_on_its_own_store_and_fakes_whatever_the_shell_has_set(
    tmp_path: Path,
) -> None:
    """A shell set up for real work (DATABASE_URL, SLACK_API_URL, GITHUB_API_URL) must not
    send the demo's digests to a real channel or its rows to a real database."""
    from bot.cli.demo import offline_environ
    from bot.runtime import Runtime
    from bot.runtime.shell import bot_deps

    example = Path(__file__).resolve().parents[2] / "metrics-bot.example.yaml"
    text = example.read_text(encoding="utf-8").replace(
        "  # api_url: https://slack.com/api/", "  api_url: http://127.0.0.1:5555/api/"
    )
    config = tmp_path / "metrics-bot.yaml"
    config.write_text(text, encoding="utf-8")
    shell = {
        "DATABASE_URL": "postgresql://prod@db.example.com/metrics",
        "SLACK_API_URL": "https://slack.com/api/",
        "GITHUB_API_URL": "https://github.example.com/api/v3",
        "METRICS_BOT_PSEUDONYM_KEY": "k",
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "GITHUB_TOKEN": "g",
    }
    assert "example.com" in Runtime.load(config, environ=shell).database_url  # would redirect
    runtime = Runtime.load(config, environ=offline_environ(shell))
    assert bot_deps(runtime).api_url == "http://127.0.0.1:5555/api/"
    assert "example.com" not in runtime.database_url
    assert runtime.environ["SLACK_BOT_TOKEN"] == "xoxb-1"  # secrets still come through
