"""Issue 19's done-when for experiments, on the simulated org.

The small world (7 teams, 26 weeks) is simulated, served by the local fakes and ingested
over HTTP (GitHub only: review time is read from pull requests); its ground truth names the
team with the planted process change (team-g: median pickup 2.2x -> 0.8x from one week on)
and the week it starts. The real Bolt app, signed requests and the Slack fake then do what
a lead would: start an experiment on that team from that week with `/metrics experiment
start`, and one with the same dates on the quiet team (team-a, nothing planted), move the
clock six weeks on, and ask for the reports. The planted effect must lie in the interval,
the quiet team must get "no detectable change", and the minimum detectable effect shown
at the start must match a simulation of the test's power (tests/analytics/experiments/
power.py) within 20%. The CLI must give the same result from the same store.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from analytics.calendar import week_bounds
from analytics.experiments.did import split
from analytics.experiments.mde import power_of
from analytics.experiments.panel import gaps
from bot.cli import main
from bot.cli.ingest import run_ingest
from bot.runtime import Runtime
from bot.runtime.shell import bot_deps
from bot.server import build_asgi
from bot.slack.deps import BotDeps
from sandbox.fakes.server import LocalServer
from sandbox.fakes.slack import SlackFake
from sandbox.fakes.slack_signing import SlackRequestSender
from sandbox.sim import simulate
from sandbox.stack import Sandbox
from store.models import Experiment
from tests.analytics.experiments.power import simulated_mde

pytestmark = pytest.mark.slow

END = datetime(2026, 11, 23, tzinfo=UTC)
WEEKS = 6


@dataclass
class Clock:
    now: datetime


@dataclass
class Org:
    config: Path
    deps: BotDeps
    slack: SlackFake
    url: str
    sender: SlackRequestSender
    clock: Clock
    truth: dict[str, Any]
    leads: dict[str, str]
    channels: dict[str, str]

    def slash(self, team: str, text: str) -> dict[str, Any]:
        rurl = self.slack.new_response_url(channel=self.channels[team], user_id=self.leads[team])
        resp = self.sender.slash_command(
            f"{self.url}/slack/events",
            text=text,
            channel_id=self.channels[team],
            user_id=self.leads[team],
            response_url=rurl,
        )
        assert resp.status_code == 200
        return self.slack.wait_for_response(rurl.rsplit("/", 1)[1], timeout=60)


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Org]:
    directory = tmp_path_factory.mktemp("world")
    simulate(directory, seed=7, weeks=26, scale="small", end=END)
    truth = next(
        t
        for t in json.loads((directory / "ground_truth.json").read_text())
        if t["kind"] == "process_change"
    )
    teams = {t["slug"]: t for t in json.loads((directory / "org.json").read_text())["teams"]}
    with Sandbox(directory) as sandbox:
        config = sandbox.write_config()
        assert run_ingest(Runtime.load(config), sources=("github",), since=None) == 0
        clock = Clock(END)
        deps = replace(bot_deps(Runtime.load(config, {})), clock=lambda: clock.now)
        assert sandbox.slack is not None
        with LocalServer(build_asgi(deps)) as url:
            yield Org(
                config,
                deps,
                sandbox.slack,
                url,
                SlackRequestSender(deps.signing_secret),
                clock,
                truth,
                {s: t["leads"][0] for s, t in teams.items()},
                {s: t["slack_channel"] for s, t in teams.items()},
            )
        deps.engine.dispose()


def _text(answer: dict[str, Any]) -> str:
    return json.dumps(answer.get("blocks") or answer.get("text"), ensure_ascii=False)


def _stored(org: Org, team: str) -> Experiment:
    with org.deps.sessions() as s:
        return s.scalars(select(Experiment).where(Experiment.team_slug == team)).one()


def test_the_planted_change_is_found_the_quiet_team_is_not_and_the_mde_holds(org: Org) -> None:
    planted, week = org.truth["team"], org.truth["first_week"]
    tz = org.deps.config.team(planted).tz  # type: ignore[union-attr]
    start_day = week_bounds(week, tz)[0].astimezone(ZoneInfo(tz)).date()
    org.clock.now = week_bounds(week, tz)[0] + timedelta(hours=12)
    ask = f'experiment start {{}} "{{}}" --metric review-time --weeks {WEEKS} --from {start_day}'
    plan = _text(org.slash(planted, ask.format(planted, "review SLA")))
    assert "Started: Experiment “review SLA”" in plan and "it can detect a fall of" in plan
    quiet = _text(org.slash("team-a", ask.format("team-a", "daily review slot")))
    assert "Started: Experiment “daily review slot”" in quiet

    # the MDE announced at the start against a simulation of the test on the team's own weeks
    stored = _stored(org, planted)
    panel = org.deps.analytics.experiment_panel(
        engine=org.deps.engine,
        org=org.deps.org,
        team=planted,
        metric="review-time",
        controls=stored.plan["controls"],
        first_week=week,
        weeks_before=12 + WEEKS,
        last_week=week_before(week),
        as_of=org.clock.now,
    )
    pre, _ = split(gaps(panel), panel.start, 12)
    power = power_of(pre, [15] * 12, weeks=WEEKS, scale="log", level=None)
    assert power is not None and power.mde == pytest.approx(stored.plan["mde"], rel=1e-4)
    simulated, curve = simulated_mde(pre, power.mde, pre=power.pre_weeks, post=power.post_weeks)
    assert abs(simulated / power.mde - 1) <= 0.20, curve

    org.clock.now = week_bounds(week, tz)[0] + timedelta(weeks=WEEKS, days=1)
    report = _text(org.slash(planted, f'experiment report {planted} "review SLA"'))
    assert "Improved: time to first review −" in report and "Placebo" in report
    result = _stored(org, planted).result
    effect = math.log1p(org.truth["magnitude"])  # -0.64 as a log ratio
    assert result["verdict"] == "improved"
    assert result["low"] <= effect <= result["high"], result

    calm = _text(org.slash("team-a", 'experiment report team-a "daily review slot"'))
    assert "No detectable change in time to first review" in calm
    assert _stored(org, "team-a").result["verdict"] == "no_change"

    cli = CliRunner().invoke(
        main,
        [
            *("--config", str(org.config), "experiment", "report", planted, "review SLA"),
            *("--json", "--as-of", f"{org.clock.now:%Y-%m-%dT%H:%M}"),
        ],
    )
    assert cli.exit_code == 0, cli.output
    same = json.loads(cli.output)
    assert (same["effect"], same["low"], same["high"]) == (
        result["effect"],
        result["low"],
        result["high"],
    )
    listed = _text(org.slash("team-a", "experiment list"))
    assert "review SLA" in listed and "daily review slot" in listed  # shared across teams


def week_before(label: str) -> str:
    start, _ = week_bounds(label, "UTC")
    iso = (start - timedelta(days=3)).isocalendar()
    return f"{iso.year}-W{iso.week:02d}"
