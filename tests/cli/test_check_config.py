"""`check-config`: typos get the nearest key, unset secrets are named, `--online` asks Slack.

The online checks run the real slack_sdk client against the local Slack fake over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from sandbox.fakes.slack import DEFAULT_TOKEN, SlackFake

ENV = {
    "METRICS_BOT_PSEUDONYM_KEY": "k",
    "SLACK_BOT_TOKEN": DEFAULT_TOKEN,
    "SLACK_SIGNING_SECRET": "s",
}


def config_text(channel: str = "C0TEAMA", lead: str = "U0LEADA", extra: str = "") -> str:
    return (
        f"{extra}teams:\n"
        "  - slug: team-a\n"
        "    name: Team A\n"
        f"    slack_channel: {channel}\n"
        f"    leads: [{lead}]\n"
    )


def check(tmp_path: Path, text: str, *args: str, env: dict[str, str] | None = None) -> Result:
    path = tmp_path / "metrics-bot.yaml"
    path.write_text(text)
    return CliRunner().invoke(
        main, ["--config", str(path), "check-config", *args], env=env if env is not None else ENV
    )


def test_an_unknown_key_gets_the_closest_known_one(tmp_path: Path) -> None:
    text = config_text().replace("slack_channel:", "slack_chanel:")
    result = check(tmp_path, text)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output  # not a second line saying slack_channel is missing
    assert "metrics-bot.yaml:4: teams[0](team-a).slack_chanel" in lines[0]
    assert "did you mean slack_channel?" in lines[0]


@pytest.mark.parametrize(
    ("key", "hint"),
    [("sorces: {}\n", "did you mean sources?"), ("slack: {bot_tokn: {env: X}}\n", "bot_token?")],
)
def test_unknown_keys_at_other_depths(tmp_path: Path, key: str, hint: str) -> None:
    result = check(tmp_path, config_text(extra=key))
    assert result.exit_code == 2 and hint in result.output


def test_a_key_like_nothing_lists_the_known_ones(tmp_path: Path) -> None:
    result = check(tmp_path, config_text(extra="zzz: 1\n"))
    assert result.exit_code == 2
    assert "known here: database_url" in result.output and "did you mean" not in result.output


def test_unset_secrets_are_named_with_where_they_should_be(tmp_path: Path) -> None:
    text = config_text(extra="pseudonym_key: {file: secrets/pseudonym}\n")
    (tmp_path / "secrets").mkdir()
    result = check(tmp_path, text, env={"SLACK_SIGNING_SECRET": "s"})
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines[0] == "There are 2 problems in the secrets:"
    pseudonym, token = lines[1], lines[2]
    assert f"The pseudonym key is not set: the file {tmp_path}/secrets/pseudonym" in pseudonym
    assert "The Slack bot token is not set: the environment variable SLACK_BOT_TOKEN" in token


def test_an_empty_secret_file_is_not_a_secret(tmp_path: Path) -> None:
    (tmp_path / "key").write_text("\n")
    result = check(tmp_path, config_text(extra=f"pseudonym_key: {{file: {tmp_path}/key}}\n"))
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: The pseudonym key is not set: the file {tmp_path}/key is empty or unreadable."
    )


def test_all_secrets_set_passes_offline(tmp_path: Path) -> None:
    result = check(tmp_path, config_text())
    assert result.exit_code == 0, result.output
    assert "is valid: 1 teams (team-a)." in result.output


@pytest.fixture
def slack() -> Iterator[SlackFake]:
    fake = SlackFake()
    fake.add_channel("C0TEAMA", "team-a")
    fake.add_channel("C0OUTSIDE", "not-joined", is_member=False)
    fake.add_user("U0LEADA", "lead-a")
    with fake:
        yield fake


def online(tmp_path: Path, slack: SlackFake, **kwargs: str) -> Result:
    text = config_text(**kwargs) + f"slack:\n  api_url: {slack.base_url}\n"
    return check(tmp_path, text, "--online")


def test_online_check_passes_when_slack_knows_everything(tmp_path: Path, slack: SlackFake) -> None:
    result = online(tmp_path, slack)
    assert result.exit_code == 0, result.output
    assert "and Slack agrees" in result.output
    asked = [c.method for c in slack.calls]
    assert asked == ["auth.test", "conversations.info", "users.info"]


def test_online_check_names_a_wrong_channel_id(tmp_path: Path, slack: SlackFake) -> None:
    result = online(tmp_path, slack, channel="C0NOSUCH")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: Slack does not know team team-a's channel C0NOSUCH (channel_not_found)."
    )


def test_online_check_names_a_wrong_lead(tmp_path: Path, slack: SlackFake) -> None:
    result = online(tmp_path, slack, lead="U0NOBODY")
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: Slack does not know team team-a's lead U0NOBODY (user_not_found)."
    )


def test_online_check_says_when_the_bot_is_not_in_the_channel(
    tmp_path: Path, slack: SlackFake
) -> None:
    result = online(tmp_path, slack, channel="C0OUTSIDE")
    assert result.exit_code == 2 and "not a member of team team-a's channel" in result.output


def test_online_check_reports_a_refused_token_alone(tmp_path: Path, slack: SlackFake) -> None:
    text = config_text() + f"slack:\n  api_url: {slack.base_url}\n"
    result = check(tmp_path, text, "--online", env={**ENV, "SLACK_BOT_TOKEN": "xoxb-wrong"})
    assert result.exit_code == 2
    assert "Slack refused the bot token (invalid_auth)" in result.output
    assert "xoxb-wrong" not in result.output
    assert [c.method for c in slack.calls] == ["auth.test"]  # nothing else asked with it


def test_online_check_when_slack_is_unreachable(tmp_path: Path) -> None:
    from sandbox.fakes.server import LocalServer

    with LocalServer(SlackFake()) as url:
        pass  # the port is free again: nothing answers there
    text = config_text() + f"slack:\n  api_url: {url}\n"
    result = check(tmp_path, text, "--online")
    assert result.exit_code == 2
    assert "Slack's Web API could not be reached" in result.output


def _team_with(members: str) -> str:
    return config_text() + f"    members:\n{members}"


def test_small_teams_are_warned_counting_persons_not_identities(tmp_path: Path) -> None:
    four_people_eight_identities = "".join(
        f"      - {{github: p{i}-gh, gitlab: p{i}-gl}}\n" for i in range(4)
    )
    result = check(tmp_path, _team_with(four_people_eight_identities))
    assert result.exit_code == 0, result.output  # a warning, not a problem
    assert "warning: team-a has 4 people: after-hours work, review load" in result.output
    assert "under 5 people" in result.output


def test_a_team_of_two_is_told_its_figures_would_describe_people(tmp_path: Path) -> None:
    two = "      - {github: a-gh, gitlab: a-gl, pagerduty: PA}\n      - {github: b-gh}\n"
    result = check(tmp_path, _team_with(two))
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "warning: team-a has 2 people: its review time, lead time, throughput" in out
    assert "are withheld" in out and "only deployments, change failures and recovery" in out


def test_a_team_of_five_people_gets_no_warning(tmp_path: Path) -> None:
    five = "".join(f"      - {{github: p{i}}}\n" for i in range(5))
    result = check(tmp_path, _team_with(five))
    assert result.exit_code == 0 and "warning" not in result.output, result.output


def test_online_check_asks_about_members_and_leaders_once_each(
    tmp_path: Path, slack: SlackFake
) -> None:
    slack.add_user("U0MEMBER01", "member-a")
    slack.deactivate_user(slack.add_user("U0GONE0001", "left-the-company"))
    text = (
        config_text()
        + "    members:\n"
        + "      - {github: ada, slack: U0MEMBER01}\n"
        + "      - {github: bob, slack: U0LEADA}\n"
        + "      - {github: cy, slack: U0NOBODY2}\n"
        + f"slack:\n  api_url: {slack.base_url}\n"
        + "leadership:\n  people: [U0GONE0001, U0MEMBER01]\n"
    )
    result = check(tmp_path, text, "--online")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "There are 2 problems in what Slack knows:",
        "  Slack does not know team team-a's member U0NOBODY2 (user_not_found).",
        "  The leader U0GONE0001 is a deactivated Slack account.",
    ]
    asked = sorted(c.args.get("user", "") for c in slack.calls if c.method == "users.info")
    assert asked == ["U0GONE0001", "U0LEADA", "U0MEMBER01", "U0NOBODY2"]
