"""Config validation: every problem at once, with file, line, field and a hint."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import ConfigError, SecretRef, load_config, parse_config, parse_duration

ROOT = Path(__file__).resolve().parents[2]

THREE_MISTAKES = """\
teams:
  - slug: team-a
    name: Team A
    slack_channel: C0TEAMA
    tz: Europe/Berlim
  - slug: team-b
    name: Team B
    slack_channel: C0TEAMB
    working_hours: 17:00-09:00
thresholds:
  min_group_size: 3
"""


def test_the_example_config_is_valid() -> None:
    config = load_config(ROOT / "metrics-bot.example.yaml")
    assert config.teams[0].slug == "payments"
    assert config.thresholds.min_group_size == 5


def test_three_mistakes_are_all_reported_with_their_lines() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(THREE_MISTAKES, "org.yaml")
    found = {(p.line, p.field) for p in caught.value.problems}
    assert found == {
        (5, "teams[0](team-a).tz"),
        (9, "teams[1](team-b).working_hours"),
        (11, "thresholds.min_group_size"),
    }
    text = str(caught.value)
    assert "org.yaml:5" in text and "Europe/Berlin" in text  # the hint names a valid zone
    assert "never lower it" in text


def test_check_config_prints_every_problem_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "metrics-bot.yaml"
    path.write_text(THREE_MISTAKES)
    result = CliRunner().invoke(main, ["--config", str(path), "check-config"])
    assert result.exit_code == 2
    assert "There are 3 problems in the configuration:" in result.output
    assert f"{path}:5" in result.output and f"{path}:9" in result.output


EXAMPLE_SECRETS = {
    "METRICS_BOT_PSEUDONYM_KEY": "k",
    "METRICS_BOT_WEBHOOK_SECRET": "w",
    "SLACK_BOT_TOKEN": "xoxb-1",
    "SLACK_SIGNING_SECRET": "s",
    "GITHUB_TOKEN": "g",
}


def test_check_config_on_a_good_file_exits_0(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in EXAMPLE_SECRETS.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(
        main, ["--config", str(ROOT / "metrics-bot.example.yaml"), "check-config"]
    )
    assert result.exit_code == 0, result.output
    assert "is valid: 1 teams (payments)." in result.output


def test_missing_config_file_says_how_to_get_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "nope.yaml"), "check-config"])
    assert result.exit_code == 2
    assert "metrics-bot demo" in result.output


def test_literal_secrets_are_refused() -> None:
    text = "sources:\n  github:\n    token: ghp_abc\nteams: []\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    (problem,) = caught.value.problems
    assert problem.line == 3 and "{env: VAR_NAME}" in problem.message
    assert "ghp_abc" not in str(caught.value)


def test_unknown_fields_and_broken_yaml_are_located() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("teams:\n  - slug: a\n    name: A\n    slack_channel: C01\n    colour: red\n")
    assert [(p.line, p.field) for p in caught.value.problems] == [(5, "teams[0](a).colour")]
    with pytest.raises(ConfigError) as caught:
        parse_config("teams: [\n  - slug: a\n")
    assert caught.value.problems[0].field == "(syntax)"
    assert caught.value.problems[0].line is not None


def test_duplicate_slugs_are_refused() -> None:
    text = "teams:\n" + "  - {slug: a, name: A, slack_channel: C01}\n" * 2
    with pytest.raises(ConfigError, match="used twice"):
        parse_config(text)


def test_secret_refs_resolve_from_env_or_file(tmp_path: Path) -> None:
    assert SecretRef(env="X").resolve({"X": " s3cret\n"}) == "s3cret"
    assert SecretRef(env="X").resolve({}) is None
    secret_file = tmp_path / "token"
    secret_file.write_text("from-file\n")
    assert SecretRef(file=secret_file).resolve({}) == "from-file"


@pytest.mark.parametrize(("text", "hours"), [("24h", 24), ("30m", 0.5), ("2d", 48), ("1w", 168)])
def test_durations(text: str, hours: float) -> None:
    window = parse_duration(text)
    assert window is not None and window.total_seconds() / 3600 == hours


def test_none_window_means_until_next_deployment() -> None:
    assert parse_duration("none") is None
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("a day")


def test_the_database_password_comes_from_its_own_secret(tmp_path: Path) -> None:
    """compose.yaml gives PostgreSQL and the bot one password file; it is not in the URL."""
    from sqlalchemy.engine import make_url

    from bot.config import database_url

    (tmp_path / "pw").write_text("s3cret/with:odd@chars\n")
    text = (
        "database_url: postgresql://metrics@db:5432/metrics\n"
        "database_password: {file: pw}\n"
        "teams: []\n"
    )
    url = make_url(database_url(parse_config(text), {}, tmp_path))
    assert (url.username, url.password, url.host, url.database) == (
        "metrics",
        "s3cret/with:odd@chars",
        "db",
        "metrics",
    )
    assert "s3cret" not in repr(url)  # masked wherever the URL object is shown


def test_a_literal_database_password_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("database_password: hunter2\nteams: []\n")
    assert "{env: VAR_NAME}" in str(caught.value) and "hunter2" not in str(caught.value)
