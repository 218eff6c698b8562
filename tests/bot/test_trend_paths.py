"""Issue 15, "honest numbers": one rule for a trend, on every path. The digest reads a
week's figure against the usual range of its baseline weeks (analytics.noise: median ± 3
scaled MADs, widened to every week's own value); the CLI, `/metrics` and App Home used to
put an arrow on any change over 10 %. Now the engine's `Trend` carries that one reading and
every surface shows it: a change inside the noise says "within the usual range" and gets no
arrow; a change beyond it gets one; and all paths say the same.

Two teams on one SQLite store, deploying 4, 5, 6, 5, ... times a week for 12 weeks (usual
range 2.8-7.2 a week). In the 4 weeks asked, team-calm deploys 5, 6, 6, 6 times (5.75 a
week, 15 % above its baseline of 5: an arrow under the old 10 % band, inside the noise now)
and team-jump 12 times a week (140 % above: beyond it). Asked through `metrics-bot query`
(text and --json), the real Bolt app answering a signed `/metrics` over HTTP to the Slack
fake, App Home, and the engine's own reading.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from analytics.engine import compute_metric
from analytics.noise import TEST_TEXT
from bot.cli import main
from bot.runtime import Runtime
from bot.runtime.shell import bot_deps
from bot.server import build_asgi
from bot.slack.deps import BotDeps
from bot.slack.events.app_home import build_home
from sandbox.fakes.server import LocalServer
from sandbox.fakes.slack import SlackFake
from sandbox.fakes.slack_signing import SlackRequestSender
from store.db import transaction
from store.models import Deployment
from tests.bot.helpers import SECRET as SIGNING_SECRET
from tests.bot.helpers import TOKEN

NOW = datetime(2026, 11, 23, tzinfo=UTC)  # a Monday, midnight UTC: four whole weeks asked
LEAD = "U0TRENDLD1"
ENV = {
    "METRICS_BOT_PSEUDONYM_KEY": "trend-paths-key",
    "SLACK_BOT_TOKEN": TOKEN,
    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
}
BASELINE = [4, 5, 6, 5] * 3  # deploys a week, oldest first
ASKED = {"team-calm": [5, 6, 6, 6], "team-jump": [12, 12, 12, 12]}


def _config(tmp_path: Path, db_url: str, slack_url: str) -> Path:
    teams = ""
    for slug in ASKED:
        members = "\n".join(f"      - {{github: {slug}-{i}}}" for i in range(5))
        teams += f"""
  - slug: {slug}
    name: {slug.title()}
    slack_channel: C0{slug[5:].upper()}00001
    leads: [{LEAD}]
    members:
{members}
    repositories: [{{name: acme/{slug}}}]
"""
    path = tmp_path / "metrics-bot.yaml"
    path.write_text(
        f"database_url: {db_url}\nslack:\n  api_url: {slack_url}\nteams:{teams}", encoding="utf-8"
    )
    return path


def _fill(deps: BotDeps) -> None:
    rows = []
    for slug, asked in ASKED.items():
        counts = BASELINE + asked
        first = NOW - timedelta(weeks=len(counts))
        for week, count in enumerate(counts):
            for i in range(count):
                at = first + timedelta(weeks=week, hours=10 + 9 * i)
                rows.append(
                    Deployment(
                        source="github",
                        external_id=f"{slug}-{week}-{i}",
                        repo=f"acme/{slug}",
                        environment="production",
                        sha=f"{slug}{week}x{i}",
                        status="success",
                        created_at=at - timedelta(minutes=5),
                        finished_at=at,
                    )
                )
    with transaction(deps.sessions) as s:
        s.add_all(rows)


@pytest.fixture
def deps(db_url: str, slack: SlackFake, tmp_path: Path) -> Iterator[tuple[BotDeps, Path]]:
    config = _config(tmp_path, db_url, slack.base_url)
    d = replace(bot_deps(Runtime.load(config, ENV)), clock=lambda: NOW)
    _fill(d)
    yield d, config
    d.engine.dispose()


def _query(config: Path, slug: str, *more: str) -> str:
    args = ["query", "deploy-frequency", slug, "4w", "--as-of", "2026-11-23T00:00", *more]
    result = CliRunner().invoke(main, ["--config", str(config), *args], env=ENV)
    assert result.exit_code == 0, result.output
    return result.output


def _slash(deps: BotDeps, slack: SlackFake, url: str, text: str) -> str:
    rurl = slack.new_response_url(channel="C0CALM00001", user_id=LEAD)
    resp = SlackRequestSender(deps.signing_secret).slash_command(
        f"{url}/slack/events", text=text, response_url=rurl
    )
    assert resp.status_code == 200
    answer = slack.wait_for_response(rurl.rsplit("/", 1)[1], timeout=30)
    return json.dumps(answer["blocks"], ensure_ascii=False)


def test_a_change_inside_the_noise_gets_no_arrow_anywhere_and_a_large_one_gets_one(
    deps: tuple[BotDeps, Path], slack: SlackFake
) -> None:
    d, config = deps
    home = json.dumps(build_home(d, LEAD), ensure_ascii=False)
    with LocalServer(build_asgi(d)) as url:
        slash = {slug: _slash(d, slack, url, f"deploy-frequency {slug} 4w") for slug in ASKED}
    for slug, rate, moved in (("team-calm", "5.8/wk", None), ("team-jump", "12.0/wk", "↑140%")):
        engine = compute_metric(
            engine=d.engine, org=d.org, team=slug, metric="deploy-frequency",
            start=NOW - timedelta(weeks=4), end=NOW, as_of=NOW,
        )  # fmt: skip
        trend = engine.trend
        assert trend is not None and trend.weeks == 12
        assert (trend.usual_low, trend.usual_high) == pytest.approx(
            (5 - 3 * 0.7413, 5 + 3 * 0.7413)
        )
        assert trend.relative_change == pytest.approx(0.15 if moved is None else 1.4)
        assert trend.direction == ("flat" if moved is None else "up")

        data = json.loads(_query(config, slug, "--json"))
        assert data["value"] == engine.value and data["trend"] == trend.to_json()
        assert data["trend"]["beyond_noise"] is (moved is not None)
        assert data["trend"]["test"] == TEST_TEXT and data["trend"]["weeks"] == 12

        text = _query(config, slug)
        trend_line = [line for line in text.splitlines() if line.startswith("  trend: ")]
        assert f"  trend test: {TEST_TEXT}" in text
        blocks = slash[slug]
        figure = home[home.index(f"{slug.title()}") :]
        figure = figure[figure.index("Deployment frequency") :].split(" · ")[0]
        if moved is None:
            assert trend_line == ["  trend: within the usual range (2.8/wk–7.2/wk, 12 weeks)"]
            assert f"*{rate}*  within the usual range (2.8/wk–7.2/wk, 12 weeks)" in blocks
            assert figure == f"Deployment frequency {rate} within the usual range"
            for shown in (text, blocks, figure):  # (the test's own words name the arrows)
                shown = shown.replace(TEST_TEXT, "")
                assert "↑" not in shown and "↓" not in shown and "→" not in shown
        else:
            want = f"{moved} (better), above the usual range 2.8/wk–7.2/wk of 12 weeks"
            assert trend_line == [f"  trend: {want}"]
            assert f"*{rate}*  {want}" in blocks
            assert figure == f"Deployment frequency {rate} {moved}"
        assert f"trend: {TEST_TEXT} (12 baseline weeks with a value)" in blocks
