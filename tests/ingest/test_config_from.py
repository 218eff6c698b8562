"""Each source builds its own typed config from its section and the teams (no per-source
branches in the shell): what the teams own in that system, its members' identities there,
the resolved token, lookback and since."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli.ingest import build_sources, source_config
from bot.config import parse_config
from bot.runtime import Runtime
from ingest.registry import get_source_class, names

CONFIG = """
pseudonym_key: {env: KEY}
sources:
  github:
    api_url: https://ghe.example.com/api/v3
    production_environments: [live]
    deploy_workflows: [Deploy]
    lookback: 3h
  jira: {url: https://acme.atlassian.net, token: {env: JIRA}, email: bot@acme.test}
  linear: {url: https://linear.test/graphql, token: {env: LINEAR}, lookback: none}
  gitlab: {url: https://gitlab.test, token: {env: GITLAB}}
  pagerduty: {url: https://pd.test, token: {env: PD}, lookback: 2h}
teams:
  - slug: team-a
    name: A
    slack_channel: C0AAA
    members: [{github: ann, jira: acc-ann, pagerduty: PANN}, {github: bob}]
    repositories: [{name: acme/api, kind: platform}, {name: acme/web}]
    jira_projects: [PAY]
    pagerduty_services: [PSVC1]
  - slug: team-b
    name: B
    slack_channel: C0BBB
    members: [{gitlab: cid, linear: lin-cid}]
    repositories: [{name: acme/api}]
    linear_teams: [ENG]
    gitlab_projects: [grp/svc]
"""
ENV = {"KEY": "k", "GITHUB_TOKEN": "gh", "JIRA": "j", "LINEAR": "l", "GITLAB": "g", "PD": "p"}
SINCE = datetime(2026, 10, 1, tzinfo=UTC)


def runtime(tmp_path: Path, **env: str) -> Runtime:
    return Runtime(
        config=parse_config(CONFIG), config_path=tmp_path / "m.yaml", environ={**ENV, **env}
    )


def test_github_config_comes_from_the_teams_repositories(tmp_path: Path) -> None:
    config = source_config(runtime(tmp_path), "github", SINCE)
    repos = {r.full_name: (r.team_slug, r.kind) for r in config.repos}
    # a repository named by two teams is read once, owned by the last team naming it
    assert repos == {"acme/api": ("team-b", "product"), "acme/web": ("team-a", "product")}
    assert config.api_url == "https://ghe.example.com/api/v3"
    assert config.deploy_environments == ["live"]
    assert config.deploy_workflow_names == ["Deploy"]
    assert config.token.get_secret_value() == "gh"
    assert (config.lookback, config.since) == (timedelta(hours=3), SINCE)


def test_github_api_url_from_the_environment_wins(tmp_path: Path) -> None:
    config = source_config(runtime(tmp_path, GITHUB_API_URL="http://127.0.0.1:9/x"), "github")
    assert config.api_url == "http://127.0.0.1:9/x"


def test_api_sources_read_what_the_teams_own_there(tmp_path: Path) -> None:
    rt = runtime(tmp_path)
    jira = source_config(rt, "jira")
    assert [(p.key, p.team_slug) for p in jira.projects] == [("PAY", "team-a")]
    assert jira.email == "bot@acme.test"
    assert jira.members == {"team-a": ["acc-ann"], "team-b": []}
    linear = source_config(rt, "linear")
    assert [(t.key, t.team_slug) for t in linear.teams] == [("ENG", "team-b")]
    assert linear.lookback == get_source_class("linear").config_model().lookback  # "none"
    gitlab = source_config(rt, "gitlab")
    assert [(p.path, p.team_slug) for p in gitlab.projects] == [("grp/svc", "team-b")]
    assert gitlab.members == {"team-a": [], "team-b": ["cid"]}
    pagerduty = source_config(rt, "pagerduty", SINCE)
    assert [(s.id, s.team_slug) for s in pagerduty.services] == [("PSVC1", "team-a")]
    assert (pagerduty.lookback, pagerduty.since) == (timedelta(hours=2), SINCE)
    assert pagerduty.token.get_secret_value() == "p"


def test_every_builtin_source_builds_itself_from_the_config(tmp_path: Path) -> None:
    built = build_sources(runtime(tmp_path), [], None)
    assert sorted(s.name for s in built) == names()
    for source in built:
        assert isinstance(source.config, type(source).config_model)


def test_a_missing_token_names_the_setting(tmp_path: Path) -> None:
    from bot.runtime import MissingSecret

    with pytest.raises(MissingSecret, match="the jira token"):
        source_config(runtime(tmp_path, JIRA=""), "jira")
