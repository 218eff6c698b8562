"""Issue 15, "one answer, every path": for every metric and team of the simulated org, the
CLI's `query --json`, the Slack `/metrics` answer (the real Bolt app over HTTP, answering to
the Slack fake), the digest's headline figures and the whole-org run (`compute_all`) give
the same figure for the same week; and a lead time or change failure rate is the same asked
alone or inside a two-year run. The trend (the reading against the usual range of the
baseline weeks, analytics.noise) is part of the figure compared.

A 3-team, 6-week world is simulated, served by the fakes and ingested by the CLI. Three
situations the simulator never makes are then written into the store, each of which gave
two answers before:

- team-b PRs shipped by a deployment of a team-a PR (`plant/shared`), after a deployment of
  an unknown SHA: linked over team-b's PRs only they fell back to the earlier deployment and
  counted a week early in `query` and the digest, not in the whole-org run;
- a team-c PR merged 20 weeks before the deployment that shipped it (`plant/legacy`): never
  loaded for one week's answer (12 baseline weeks + 28 days of look-back);
- an incident 20 days after team-c's last deployment of a service, with no attribution
  window (the config says `none`): past the 14 days read after a period, so the week's
  change failure rate changed with the length of the run it was asked in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from analytics.calendar import complete_weeks_end, shift_weeks, week_label
from analytics.engine import METRICS, compute_all, compute_metric
from bot.cli import main
from bot.digest.build import build_digest
from bot.runtime import Runtime
from bot.runtime.shell import bot_deps
from bot.server import build_asgi
from bot.slack.deps import BotDeps
from bot.slack.values import format_value
from sandbox.fakes.server import LocalServer
from sandbox.fakes.slack_signing import SlackRequestSender
from sandbox.sim import simulate
from sandbox.stack import Sandbox
from store.db import transaction
from store.models import Deployment, Incident, PullRequest

END = datetime(2026, 11, 23, tzinfo=UTC)  # the world's "now", a Monday
TZ = "Europe/Berlin"  # every team of this world (seed 11, 3 teams)
WEEK1 = complete_weeks_end(END, TZ)  # the end of the last full week, 23:00 UTC on Sunday
WEEK2 = shift_weeks(WEEK1, -1, TZ)  # the week before
WEEK4 = shift_weeks(WEEK1, -3, TZ)  # three weeks before (no DST change inside)
BATCH = 12  # team-b PRs shipped by team-a's deployment
FIELDS = (
    "value",
    "n",
    "p75",
    "p90",
    "baseline",
    "trend",
    "exclusions",
    "link_methods",
    "breakdown",
)


@dataclass
class World:
    config: Path
    sandbox: Sandbox
    deps: BotDeps


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    directory = tmp_path_factory.mktemp("world")
    simulate(directory, seed=11, teams=3, weeks=6, end=END)
    with Sandbox(directory) as sandbox:
        config = sandbox.write_config()
        result = CliRunner().invoke(main, ["--config", str(config), "ingest"])
        assert result.exit_code == 0, result.output
        with config.open("a", encoding="utf-8") as f:  # "until the next deployment"
            f.write("thresholds:\n  incident_attribution_window: none\n")
        deps = bot_deps(Runtime.load(config, {}))
        assert {t.tz for t in deps.org.teams} == {TZ}
        _plant(deps)
        yield World(config, sandbox, deps)


def _member(deps: BotDeps, team: str) -> str:
    return min(deps.org.team(team).member_keys)


def _pr(repo: str, number: int, author: str, merged: datetime, sha: str) -> PullRequest:
    return PullRequest(
        source="github",
        repo=repo,
        number=number,
        title=f"feat: planted {number}",
        author_key=author,
        state="merged",
        created_at=merged - timedelta(hours=20),
        ready_at=merged - timedelta(hours=20),
        first_commit_at=merged - timedelta(days=1),
        merged_at=merged,
        updated_at=merged,
        merge_commit_sha=sha,
        additions=10,
        deletions=2,
    )


def _deploy(ext: str, repo: str | None, sha: str, at: datetime, **kw: Any) -> Deployment:
    return Deployment(
        source="github",
        external_id=ext,
        repo=repo,
        environment="production",
        sha=sha,
        status="success",
        created_at=at - timedelta(minutes=10),
        finished_at=at,
        **kw,
    )


def _plant(deps: BotDeps) -> None:
    week2 = shift_weeks(WEEK2, -1, TZ)  # the start of the week before the last
    merged = week2 + timedelta(days=2, hours=10)  # Wednesday of that week
    shared, legacy = "plant/shared", "plant/legacy"
    rows: list[Any] = [
        _pr(shared, 100 + i, _member(deps, "team-b"), merged + i * timedelta(minutes=10), f"b{i}")
        for i in range(BATCH)
    ]
    rows.append(_pr(shared, 200, _member(deps, "team-a"), merged + timedelta(hours=3), "a200"))
    rows.append(_deploy("plant-d0", shared, "hotfix", merged + timedelta(hours=4)))
    rows.append(_deploy("plant-d1", shared, "a200", WEEK2 + timedelta(days=2)))
    old = WEEK2 + timedelta(days=1) - timedelta(weeks=20)  # 20 weeks before its deployment
    rows.append(_pr(legacy, 7, _member(deps, "team-c"), old, "old7"))
    rows.append(_deploy("plant-old", legacy, "old7", WEEK2 + timedelta(days=1)))
    last = shift_weeks(WEEK4, -1, TZ) + timedelta(days=4)  # team-c's only deploy of the service
    rows.append(_deploy("plant-svc-1", None, "x", last, service="plant-svc", team_slug="team-c"))
    rows.append(
        Incident(
            source="pagerduty",
            external_id="plant-incident",
            service="plant-svc",
            team_slug="team-c",
            title="planted",
            severity="high",
            started_at=last + timedelta(days=20),
            resolved_at=last + timedelta(days=20, hours=2),
        )
    )
    with transaction(deps.sessions) as s:
        s.add_all(rows)


def _same(got: dict[str, Any], want: dict[str, Any], where: str) -> None:
    for name in FIELDS:
        a, b = got.get(name), want.get(name)
        if isinstance(a, float) and isinstance(b, float):
            assert a == pytest.approx(b, rel=1e-9, abs=1e-12), f"{where}: {name} {a} != {b}"
        else:
            assert a == b, f"{where}: {name} {a!r} != {b!r}"


def _cli(world: World, metric: str, team: str, as_of: datetime) -> dict[str, Any]:
    utc = as_of.astimezone(UTC)
    args = ["query", metric, team, "7d", "--as-of", f"{utc:%Y-%m-%dT%H:%M}", "--json"]
    result = CliRunner().invoke(main, ["--config", str(world.config), *args])
    assert result.exit_code == 0, result.output
    answer: dict[str, Any] = json.loads(result.output)
    return answer


def _slack(world: World, url: str, deps: BotDeps, text: str) -> str:
    slack = world.sandbox.slack
    assert slack is not None
    rurl = slack.new_response_url(channel="C0GENERAL1", user_id="U0MEMBER01")
    sender = SlackRequestSender(deps.signing_secret)
    resp = sender.slash_command(f"{url}/slack/events", text=text, response_url=rurl)
    assert resp.status_code == 200
    answer = slack.wait_for_response(rurl.rsplit("/", 1)[1], timeout=60)
    return "\n".join(_texts(answer["blocks"]))


def _texts(blocks: list[dict[str, Any]]) -> Iterator[str]:
    for b in blocks:
        for part in [b.get("text"), *b.get("fields", []), *b.get("elements", [])]:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                yield part["text"]


def _shown(answer: dict[str, Any]) -> str:
    if answer["withheld_reason"]:
        return "Withheld"
    if answer["value"] is None:
        return "No data"
    return format_value(answer["value"], answer["unit"])


@pytest.mark.parametrize("week_end", [WEEK1, WEEK2], ids=["last-week", "week-before"])
def test_cli_slack_digest_and_whole_org_run_give_one_answer(
    world: World, week_end: datetime
) -> None:
    deps = replace(world.deps, clock=lambda: week_end)
    run = compute_all(engine=deps.engine, org=deps.org, as_of=week_end, weeks=104)
    label = week_label(week_end - timedelta(days=1), TZ)
    with LocalServer(build_asgi(deps)) as url:
        for team in deps.config.teams:
            digest = {v.info.id: v for v in build_digest(deps, team, label, charts=False).dora}
            for metric in METRICS:
                cli = _cli(world, metric, team.slug, week_end)
                whole = run[team.slug][metric][-1]
                where = f"{metric} {team.slug} week to {week_end:%Y-%m-%d}"
                assert whole.period_end == week_end
                assert datetime.fromisoformat(cli["period"]["end"]) == week_end
                _same(cli, whole.to_json(), f"{where}, query vs compute_all")
                text = _slack(world, url, deps, f"{metric} {team.slug} 7d")
                assert _shown(cli) in text, f"{where}: /metrics shows {text!r}"
                if not cli["withheld_reason"]:  # a withheld figure may say less about itself
                    assert re.search(rf"^n: {cli['n']}$", text, re.M), f"{where}: {text!r}"
                if metric in digest:  # the same figure, n and reading against the noise
                    view = digest[metric]
                    assert (view.value, view.n) == (cli["value"], cli["n"]), where
                    trend = cli["trend"]
                    assert view.direction == (trend and trend["direction"]), where


def test_a_relinked_batch_moves_to_the_week_of_the_deployment_that_shipped_it(
    world: World,
) -> None:
    """Once team-a's deployment names a merge commit after team-b's PRs, it ships them: they
    leave the week of the unknown-SHA deployment they had fallen back to."""
    deps, team = world.deps, "team-b"
    start = shift_weeks(WEEK2, -1, TZ)
    before = compute_metric(
        engine=deps.engine, org=deps.org, team=team, metric="lead-time",
        start=start, end=WEEK2, as_of=WEEK2,
    )  # fmt: skip
    after = compute_metric(
        engine=deps.engine, org=deps.org, team=team, metric="lead-time",
        start=start, end=WEEK2, as_of=WEEK1,
    )  # fmt: skip
    assert before.n - after.n == BATCH
    assert before.link_methods.get("fallback", 0) - after.link_methods.get("fallback", 0) == BATCH


@pytest.mark.parametrize("metric", ["lead-time", "cfr"])
def test_lead_time_and_cfr_are_the_same_alone_or_inside_a_two_year_run(
    world: World, metric: str
) -> None:
    deps = world.deps
    run = compute_all(engine=deps.engine, org=deps.org, as_of=END, weeks=104, metrics=[metric])
    for team in deps.org.slugs:
        series = {v.period_end: v for v in run[team][metric]}
        for week_end in (WEEK1, WEEK2, WEEK4):
            alone = compute_metric(
                engine=deps.engine, org=deps.org, team=team, metric=metric,
                start=shift_weeks(week_end, -1, TZ), end=week_end, as_of=END,
            )  # fmt: skip
            _same(alone.to_json(), series[week_end].to_json(), f"{metric} {team} {week_end}")
