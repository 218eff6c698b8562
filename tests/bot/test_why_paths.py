"""`why`, one answer on every path: the CLI (`metrics-bot why --json`), `/metrics why`
through the real Bolt app over HTTP into the Slack fake, and the digest's "likely cause"
line give the same diagnosis for the same team and week, computed by the real engine on a
real store (tests/analytics/diagnosis/world.py: team-a's PRs grew and its reviews slowed,
which the change-point detector flags; team-b did not change)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from analytics.diagnosis import Diagnosis
from analytics.diagnosis.verdict import headline
from analytics.insights.engine import OrgRun
from bot.cli import main
from bot.core.ports import EngineAnalytics, default_analytics
from bot.core.why import explain
from bot.digest.build import build_digest
from bot.server import build_asgi
from bot.slack.deps import BotDeps
from sandbox.fakes.server import LocalServer
from sandbox.fakes.slack import SlackFake
from sandbox.fakes.slack_signing import SlackRequestSender
from tests.analytics.diagnosis.world import END, WEEK, fill
from tests.bot.helpers import SECRET, make_config, make_deps

PSEUDONYM_KEY = "test-pseudonym-key"  # make_deps' key: the CLI must pseudonymise alike


OFF = "oversized_prs"
"""A detector switched off for team-a: both paths run the team's detectors as switched."""


def config_text(db_url: str) -> str:
    teams = []
    for slug, channel in (("team-a", "C0TEAMA001"), ("team-b", "C0TEAMB001")):
        members = ", ".join(f"{{github: {slug}-gh{i}}}" for i in range(6))
        teams.append(
            f"""  - slug: {slug}
    name: {slug.title()}
    slack_channel: {channel}
    tz: UTC
    working_hours: "09:00-17:00"
    members: [{members}]
    repositories: [{{name: acme/{slug}, kind: product}}]"""
        )
    return (
        f"database_url: {db_url}\npseudonym_key: {{env: METRICS_BOT_PSEUDONYM_KEY}}\n"
        "teams:\n" + "\n".join(teams) + "\n"
    )


@pytest.fixture
def world(db_url: str, slack: SlackFake, tmp_path: Path) -> Iterator[tuple[BotDeps, str, Path]]:
    text = config_text(db_url)
    deps = make_deps(db_url, api_url=slack.base_url, config=make_config(text), clock=lambda: END)
    deps = replace(deps, analytics=default_analytics())
    fill(deps.engine, deps.org)
    path = tmp_path / "metrics-bot.yaml"
    path.write_text(text)
    with LocalServer(build_asgi(deps)) as url:
        yield deps, url, path
    deps.engine.dispose()


def ask(slack: SlackFake, url: str, text: str) -> dict[str, Any]:
    rurl = slack.new_response_url(channel="C0TEAMA001", user_id="U0MEMBER01")
    resp = SlackRequestSender(SECRET).slash_command(
        f"{url}/slack/events",
        text=text,
        channel_id="C0TEAMA001",
        user_id="U0MEMBER01",
        response_url=rurl,
    )
    assert resp.status_code == 200
    return slack.wait_for_response(rurl.rsplit("/", 1)[1], timeout=60)


def cli(path: Path, *args: str) -> str:
    result = CliRunner().invoke(
        main,
        ["--config", str(path), *args],
        env={"METRICS_BOT_PSEUDONYM_KEY": PSEUDONYM_KEY, "DATABASE_URL": ""},
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_slack_and_digest_give_the_same_diagnosis(
    world: tuple[BotDeps, str, Path], slack: SlackFake
) -> None:
    deps, url, path = world
    team = deps.config.team("team-a")
    assert team is not None
    core = explain(deps, team, "review-time", END)
    assert core.status == "diagnosed" and core.likely is not None, core.message
    assert core.likely.key == "size" and "Time to first review" in core.flagged_by
    out = json.loads(cli(path, "why", "review-time", "team-a", "--as-of", "2026-11-23", "--json"))
    assert out == json.loads(json.dumps(core.to_json()))
    answer = ask(slack, url, "why pickup team-a")
    blocks = json.dumps(answer["blocks"], ensure_ascii=False)
    assert f"explains ~{core.likely.share:.0%} of the excess" in blocks
    assert "Split large PRs" in blocks and "hypothesis" in blocks
    digest = build_digest(deps, team, WEEK, charts=False)
    lines = [i.extra.get("likely_cause") for i in digest.insights if i.metric == "review-time"]
    assert lines and lines[0] is not None
    assert lines[0].startswith("likely: PR size (explains ~")
    assert lines[0] == headline(core), "the digest's line is the CLI's answer, word for word"


def test_the_digest_diagnoses_on_its_own_run(world: tuple[BotDeps, str, Path]) -> None:
    """The digest's likely cause comes from the detector run it already made (`why_on`),
    never from `why`, which loads the whole org again, and is the answer `why` gives for
    the same team and instant, with the team's detector switches on both paths."""
    deps, _, _ = world
    port = NoWhy()
    team = deps.config.team("team-a")
    assert team is not None
    switched = team.model_copy(update={"detectors": {**team.detectors, OFF: False}})
    digest = build_digest(replace(deps, analytics=port), switched, WEEK, charts=False)
    assert port.runs == 1
    delays = [i for i in digest.insights if i.metric in ("review-time", "lead-time")]
    assert delays, "team-a's slow reviews are flagged"
    for ins in delays:
        asked = explain(deps, switched, str(ins.metric), END, WEEK)
        assert ins.extra.get("likely_cause") == headline(asked), ins.metric


@dataclass(frozen=True)
class NoWhy(EngineAnalytics):
    """The real engine, whose whole-org `why` must not be asked by the digest."""

    counted: list[int] = field(default_factory=list)

    @property
    def runs(self) -> int:
        return len(self.counted)

    def org_findings(self, **kw: Any) -> OrgRun:
        self.counted.append(1)
        return super().org_findings(**kw)

    def why(self, **kw: Any) -> list[Diagnosis]:
        raise AssertionError("the digest loaded the org again for its why line")


def test_no_flagged_delay_is_said_on_both_paths(
    world: tuple[BotDeps, str, Path], slack: SlackFake
) -> None:
    _, url, path = world
    text = cli(path, "why", "review-time", "team-b", "--as-of", "2026-11-23")
    assert text.startswith("No flagged delay in review-time for team-b in 2026-W47")
    answer = ask(slack, url, "why review-time team-b")
    assert "No flagged delay in review-time for team-b" in json.dumps(answer["blocks"])
