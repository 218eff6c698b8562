"""`people.humans` / `people.bots`: validated with located messages, handed to the sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.ingest import source_config
from bot.config import ConfigError, load_config, parse_config
from bot.runtime import Runtime

ROOT = Path(__file__).resolve().parents[2]

TEAMS = """\
pseudonym_key: {env: KEY}
sources:
  github: {}
  gitlab: {url: https://gitlab.test, token: {env: T}}
teams:
  - slug: team-a
    name: A
    slack_channel: C0AAA
"""


def test_identities_are_source_colon_identity_and_reach_each_source(tmp_path: Path) -> None:
    text = TEAMS + (
        "people:\n"
        "  humans: [github:deploy-bot, ' GitLab:margot_bot ']\n"
        "  bots: [github:svc-ci, 'gitlab:release.svc']\n"
    )
    config = parse_config(text)
    assert config.people.humans == ("github:deploy-bot", "gitlab:margot_bot")
    runtime = Runtime(
        config=config,
        config_path=tmp_path / "c.yaml",
        environ={"KEY": "k", "T": "t", "GITHUB_TOKEN": "g"},
    )
    github = source_config(runtime, "github")
    gitlab = source_config(runtime, "gitlab")
    assert (github.humans, github.bots) == (["deploy-bot"], ["svc-ci"])
    assert (gitlab.humans, gitlab.bots) == (["margot_bot"], ["release.svc"])


def test_every_bad_entry_is_reported_at_its_line() -> None:
    text = TEAMS + (
        "people:\n"  # line 9
        "  humans:\n"
        "    - deploy-bot\n"  # 11: no source
        "    - bitbucket:ana\n"  # 12: unknown source
        "    - 'github:'\n"  # 13: no identity
        "  bots:\n"
        "    - 'github:ci-*'\n"  # 15: a pattern
        "    - {github: svc}\n"  # 16: the members form
        "    - github:two words\n"  # 17
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "org.yaml")
    found = {p.line: p.message for p in caught.value.problems}
    assert set(found) == {11, 12, 13, 15, 16, 17}
    assert "is not source:identity" in found[11] and "github:build-bot" in found[11]
    assert "unknown source 'bitbucket'" in found[12] and "github or gitlab" in found[12]
    assert "is not source:identity" in found[13]
    assert "sources.github.bot_patterns" in found[15]
    assert "write each identity as source:identity" in found[16]
    assert "no spaces" in found[17]


def test_an_identity_in_both_lists_is_refused() -> None:
    text = TEAMS + "people:\n  humans: [github:Deploy-Bot]\n  bots: ['github:deploy-bot[bot]']\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "org.yaml")
    (problem,) = caught.value.problems
    assert problem.field == "people" and problem.line == 9
    assert "in both people.humans and people.bots" in problem.message
    other_source = TEAMS + "people:\n  humans: [github:svc]\n  bots: [gitlab:svc]\n"
    assert parse_config(other_source).people.bots == ("gitlab:svc",)  # another account


def test_the_example_config_declares_people() -> None:
    config = load_config(ROOT / "metrics-bot.example.yaml")
    assert config.people.humans and config.people.bots
