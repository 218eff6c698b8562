"""`metrics-bot forecast` and `/metrics forecast` (the real Bolt app over HTTP into the Slack
fake) give one answer for the same target and instant, and the digest flags the same targets;
every input that cannot be forecast gets a message that says why: an unknown key, a target
without a date, one without items, a team with too little history."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from bot.core.forecast import forecast_team
from bot.digest.build import build_digest
from bot.digest.render import render_digest
from bot.digest.weeks import last_full_week
from bot.server import build_asgi
from bot.slack.deps import BotDeps
from sandbox.fakes.server import LocalServer
from sandbox.fakes.slack import SlackFake
from sandbox.fakes.slack_signing import SlackRequestSender
from sandbox.sim.epic_history import EpicWorld, generate
from tests.analytics.forecast.hand import item, target
from tests.bot.helpers import MEMBER, NOW, SECRET, make_config, make_deps
from tests.cli.test_bad_input import SECRETS, one_line

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from forecast_world import write_rows

TEAMS = """
teams:
  - slug: team-a
    name: Team A
    slack_channel: C0TEAMA001
    jira_projects: [FC]
    forecast_risk_below: 0.6
    members: [{github: ann-gh}, {github: bo-gh}, {github: cy-gh}]
  - slug: team-b
    name: Team B
    slack_channel: C0TEAMB001
    jira_projects: [HC]
    members: [{github: di-gh}, {github: ed-gh}, {github: fa-gh}]
  - slug: team-c
    name: Team C
    slack_channel: C0TEAMC001
    jira_projects: [FC2]
    members: [{github: gu-gh}, {github: ha-gh}]
"""


@dataclass
class World:
    deps: BotDeps
    url: str
    config: Path


def _rows() -> dict[str, list[dict[str, Any]]]:
    """Team A's generated history, plus two of its targets without a date or without items;
    team B (project HC) has one target and three items and no history at all."""
    rows = generate(EpicWorld(seed=2, team="team-a", project="FC", end=NOW - timedelta(hours=2)))
    for n, key in ((1, "FC-NODATE"), (2, "FC-EMPTY")):
        t = target(key, None)
        rows["delivery_targets"].append({**t, "team_slug": "team-a", "external_id": f"x{n}"})
    for n in range(3):
        row = item(9000 + n, NOW - timedelta(days=3), None, "FC-NODATE")
        mine = {"project": "FC", "team_slug": "team-a", "key": f"FC-X{n}"}
        rows["work_items"].append({**row, **mine})
        rows["work_items"].append({**item(n, NOW - timedelta(days=3), None, "HC-1")})
    rows["delivery_targets"].append({**target("HC-1", date(2026, 12, 20)), "team_slug": "team-b"})
    return rows


@pytest.fixture
def world(db_url: str, slack: SlackFake, tmp_path: Path) -> Iterator[World]:
    config = make_config(TEAMS)
    deps = make_deps(db_url, api_url=slack.base_url, config=config, migrate=False)
    write_rows(deps.engine, _rows())
    path = tmp_path / "metrics-bot.yaml"
    path.write_text(f"database_url: {db_url}\n" + TEAMS)
    with LocalServer(build_asgi(deps)) as url:
        yield World(deps, url, path)
    deps.engine.dispose()


def _ask(slack: SlackFake, url: str, text: str) -> dict[str, Any]:
    rurl = slack.new_response_url(channel="C0TEAMA001", user_id=MEMBER)
    resp = SlackRequestSender(SECRET).slash_command(
        f"{url}/slack/events",
        text=text,
        channel_id="C0TEAMA001",
        user_id=MEMBER,
        response_url=rurl,
    )
    assert resp.status_code == 200
    if resp.text:  # refused in the ack
        return {"text": resp.json().get("text", ""), "blocks": []}
    return slack.wait_for_response(rurl.rsplit("/", 1)[1], timeout=30)


def _cli(world: World, *args: str) -> Result:
    at = NOW.strftime("%Y-%m-%dT%H:%M")
    return CliRunner().invoke(
        main, ["--config", str(world.config), "forecast", *args, "--as-of", at], env=SECRETS
    )


def _all_text(msg: dict[str, Any]) -> str:
    parts = [msg.get("text", "")]
    for b in msg.get("blocks", []):
        if "text" in b and isinstance(b["text"], dict):
            parts.append(b["text"]["text"])
        parts += [e.get("text", "") for e in b.get("elements", []) if isinstance(e, dict)]
    return "\n".join(parts)


def test_cli_slack_and_digest_give_one_forecast(world: World, slack: SlackFake) -> None:
    listed = forecast_team(world.deps, "team-a", NOW)
    assert listed.answers, listed.skipped
    key = listed.answers[0].forecast.key
    done = _cli(world, key, "--json")
    assert done.exit_code == 0, done.output
    got = json.loads(done.output)
    shown = _all_text(_ask(slack, world.url, f"forecast {key.lower()}"))
    assert f"85%: {got['p85']}" in shown and f"50%: {got['p50']}" in shown
    if got["probability_on_time"] is not None:
        assert f"{got['probability_on_time']:.0%} chance of meeting" in shown
    assert "Monte Carlo" in shown and "seeded trials" in shown
    png = world.config.parent / "forecast.png"
    text = _cli(world, key, "--chart", str(png))
    assert text.exit_code == 0 and f"85%: {got['p85']}" in text.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    team = json.loads(_cli(world, "--team", "team-a", "--json").output)
    same = next(t for t in team["targets"] if t["key"] == key)
    assert (same["p50"], same["p85"]) == (got["p50"], got["p85"])
    risky = {t["key"] for t in team["targets"] if t["at_risk"]}
    assert risky  # the generated team has late epics: the digest must name each
    week = last_full_week(NOW, "UTC")
    digest = build_digest(world.deps, world.deps.config.teams[0], week, charts=False)
    assert all(any(k in line for line in digest.forecasts) for k in risky)
    message = render_digest(digest, interactive=False)
    assert "Delivery risk" in json.dumps(message.blocks)


@pytest.mark.parametrize(
    ("words", "says"),
    [
        ("NOPE-404", "I don't know the epic or project `NOPE-404`"),
        ("FC-EMPTY", "`FC-EMPTY` has no work items linked to it yet"),
        ("HC-1", "`team-b` has too little throughput history for `HC-1`"),
        ("team-c", "Forecasts for Team C are withheld: fewer than 3 people in the team"),
    ],
)
def test_what_cannot_be_forecast_says_why(
    world: World, slack: SlackFake, words: str, says: str
) -> None:
    assert says in _all_text(_ask(slack, world.url, f"forecast {words}"))
    args = ("--team", words) if words.startswith("team-") else (words,)
    assert says.replace("`", "'") in one_line(_cli(world, *args))


def test_a_target_without_a_date_gets_dates_and_says_why_no_chance(
    world: World, slack: SlackFake
) -> None:
    shown = _all_text(_ask(slack, world.url, "forecast FC-NODATE"))
    assert "no target date" in shown and "85%:" in shown
    got = json.loads(_cli(world, "FC-NODATE", "--json").output)
    assert got["probability_on_time"] is None and got["p85"] is not None


def test_a_team_list_names_what_it_could_not_forecast(world: World, slack: SlackFake) -> None:
    shown = _all_text(_ask(slack, world.url, "forecast team-b"))
    assert "Not forecast" in shown and "too little throughput history" in shown
    unknown = _all_text(_ask(slack, world.url, "forecast no such epic"))
    assert "I don't know the epic or project `no such epic`" in unknown
