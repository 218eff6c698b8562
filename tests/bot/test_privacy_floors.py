"""Issue 15's done-when for privacy: "A team of 4 people with five identities each gets no
after-hours, review-load or other people-based figure anywhere, and says why; a team of 2
gets only service figures." Checked on one store through the engine, `metrics-bot query`
(text and --json), the real Bolt app answering signed `/metrics` commands over HTTP, and
the App Home tab; the detectors hold back the same kinds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import delete

from analytics.engine import METRICS, compute_all, compute_metric
from analytics.insights.registry import DETECTORS, enabled, held_back
from analytics.persons import WORK_TEAM_REASON
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
from store.models import PullRequest
from tests.bot import privacy_world as world

PEOPLE = sorted(m for m, s in METRICS.items() if s.privacy == "people")
SERVICE = sorted(m for m, s in METRICS.items() if s.privacy == "service")
WORK = sorted(m for m, s in METRICS.items() if s.privacy == "work")
PEOPLE_REASON = "fewer than 5 people: a figure of individual people's activity"


@pytest.fixture
def config(db_url: str, slack: SlackFake, tmp_path: Path) -> Path:
    return world.write_config(tmp_path, db_url, slack.base_url)


@pytest.fixture
def org_deps(config: Path) -> Iterator[BotDeps]:
    deps = replace(bot_deps(Runtime.load(config, world.ENV)), clock=lambda: world.AS_OF)
    world.fill(deps.sessions)
    yield deps
    deps.engine.dispose()


def test_the_privacy_classes_are_stated_and_the_services_are_deploys_and_incidents() -> None:
    assert SERVICE == ["cfr", "deploy-frequency", "recovery-time"]
    assert PEOPLE == ["after-hours", "out-of-hours-pages", "review-load"]
    assert set(WORK) == {
        "review-time",
        "lead-time",
        "throughput",
        "pr-size",
        "review-rounds",
        "cycle-time",
        "wip",
        "work-mix",
    }


def test_the_engine_withholds_by_persons_not_accounts(org_deps: BotDeps) -> None:
    org = org_deps.org
    four, two = org.team("team-four"), org.team("team-two")
    assert (len(four.member_keys), four.person_count, two.person_count) == (20, 4, 2)
    everything = compute_all(engine=org_deps.engine, org=org, as_of=world.AS_OF, weeks=4)
    for metric, weeks in everything["team-four"].items():
        if metric in PEOPLE:  # every week, with the reason, and nothing that rebuilds it
            assert all(w.value is None and w.n == 0 and not w.breakdown for w in weeks)
            assert all(w.withheld_reason.startswith(PEOPLE_REASON) for w in weeks)  # type: ignore[union-attr]
        else:  # four persons are enough for work and service figures
            assert all(w.withheld_reason is None for w in weeks), metric
            assert any(w.value is not None for w in weeks), metric
    for metric, weeks in everything["team-two"].items():
        if metric in SERVICE:
            assert all(w.withheld_reason is None for w in weeks)
            assert any(w.value is not None for w in weeks), metric
        else:
            assert all(w.value is None and w.baseline is None for w in weeks), metric
            assert all(w.withheld_reason is not None for w in weeks), metric
    period = {
        m: compute_metric(
            engine=org_deps.engine,
            org=org,
            team="team-two",
            metric=m,
            start=world.AS_OF - timedelta(weeks=4),
            end=world.AS_OF,
            as_of=world.AS_OF,
        )
        for m in METRICS
    }
    assert {m for m, v in period.items() if v.value is not None} == set(SERVICE)
    assert {m for m, v in period.items() if v.withheld_reason == WORK_TEAM_REASON} == set(WORK)


def _query(config: Path, *args: str) -> Any:
    result = CliRunner().invoke(
        main,
        ["--config", str(config), "query", *args, "--as-of", "2026-11-23T09:00"],
        env=world.ENV,
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_the_cli_query_says_why_in_text_and_json(org_deps: BotDeps, config: Path) -> None:
    health = json.loads(_query(config, "health", "team-four", "--json"))
    by_id = {v["metric"]: v for v in health}
    for metric in ("after-hours", "review-load"):
        assert by_id[metric]["value"] is None and by_id[metric]["n"] == 0
        assert by_id[metric]["withheld_reason"].startswith(PEOPLE_REASON)
    assert by_id["wip"]["withheld_reason"] is None  # a work figure: four people are enough
    pages = json.loads(_query(config, "out-of-hours-pages", "team-four", "--json"))
    assert pages["value"] is None and pages["withheld_reason"].startswith(PEOPLE_REASON)
    text = _query(config, "after-hours", "team-four")
    assert f"withheld: {PEOPLE_REASON}" in text and "%" not in text.split("definition:")[0]
    shown = set()
    for metric in METRICS:
        answer = json.loads(_query(config, metric, "team-two", "month", "--json"))
        if answer["value"] is not None:
            shown.add(metric)
        else:
            assert answer["withheld_reason"] == WORK_TEAM_REASON or metric in PEOPLE, metric
    assert shown == set(SERVICE)
    assert f"withheld: {WORK_TEAM_REASON}" in _query(config, "lead-time", "team-two")


def _slash(deps: BotDeps, slack: SlackFake, text: str) -> str:
    sender = SlackRequestSender(deps.signing_secret)
    with LocalServer(build_asgi(deps)) as url:
        rurl = slack.new_response_url(channel="C0TWO00001", user_id=world.LEAD_TWO)
        resp = sender.slash_command(f"{url}/slack/events", text=text, response_url=rurl)
        assert resp.status_code == 200
        answer = slack.wait_for_response(rurl.rsplit("/", 1)[1], timeout=30)
    return json.dumps(answer["blocks"], ensure_ascii=False) + answer.get("text", "")


def test_slash_metrics_says_why_for_each_withheld_figure(
    org_deps: BotDeps, slack: SlackFake
) -> None:
    health = _slash(org_deps, slack, "health team-four")
    assert health.count(PEOPLE_REASON) == 2  # after-hours and review load, not wip
    assert "*After-hours work* withheld" in health and "*Work in progress* " in health
    lead = _slash(org_deps, slack, "lead-time team-two")
    assert f"*Withheld:* {WORK_TEAM_REASON}" in lead and "n: " not in lead
    dora = _slash(org_deps, slack, "dora team-two")
    assert "*Deployment frequency* " in dora and "/wk" in dora
    assert f"*Lead time for changes* withheld – {WORK_TEAM_REASON}" in dora
    compare = _slash(org_deps, slack, "compare throughput team-two")
    assert f"*team-two*: withheld – {WORK_TEAM_REASON}" in compare
    assert "team-four: " in compare and "_n=" in compare  # the other team's figure stands


def test_app_home_names_what_a_small_team_never_gets(org_deps: BotDeps) -> None:
    home = json.dumps(build_home(org_deps, world.LEAD_TWO), ensure_ascii=False)
    assert "Not shown: Time to first review, Lead time for changes" in home
    not_shown = home[home.index("Not shown:") :].split('"')[0]
    assert WORK_TEAM_REASON in not_shown and "Deployment frequency" not in not_shown
    assert "Lead time for changes withheld" in home  # the figures line says so too


def test_detectors_hold_back_the_same_kinds(org_deps: BotDeps) -> None:
    four, two = org_deps.org.team("team-four"), org_deps.org.team("team-two")
    people = {k for k, d in DETECTORS.items() if d.privacy == "people"}
    service = {k for k, d in DETECTORS.items() if d.privacy == "service"}
    assert set(held_back(four)) == people
    assert set(held_back(two)) == set(DETECTORS) - service
    assert held_back(two)["stalled_prs"] == WORK_TEAM_REASON
    assert {d.kind for d in enabled(two)} == service == {"cfr_batching", "slow_ci"}


def test_a_period_holding_a_two_person_week_is_withheld_on_every_path(
    org_deps: BotDeps, config: Path, slack: SlackFake
) -> None:
    """docs/metrics.md, "Privacy guard": two of team-four's four people merged nothing in
    the week before last, so that week's throughput is two people's and withheld; the four
    weeks around it have 4 authors behind them, but less the shown weeks they would give
    that week's count. So the 4-week figure is withheld too, saying why, in the engine, the
    CLI (text and --json) and `/metrics`; the shown weeks stay shown."""
    week = world.AS_OF - timedelta(weeks=2) - timedelta(hours=9)  # that week's Monday 00:00
    gone = [world.key(s, m[s]) for m in world.FOUR[2:] for s in ("github", "gitlab")]
    with transaction(org_deps.sessions) as s:
        s.execute(
            delete(PullRequest).where(
                PullRequest.author_key.in_(gone),
                PullRequest.merged_at >= week,
                PullRequest.merged_at < week + timedelta(weeks=1),
            )
        )
    engine, org = org_deps.engine, org_deps.org
    weeks = compute_all(engine=engine, org=org, as_of=world.AS_OF, weeks=4, metrics=["throughput"])
    shown = [w.withheld_reason is None for w in weeks["team-four"]["throughput"]]
    assert shown == [True, True, False, True]
    period = compute_metric(
        engine=engine, org=org, team="team-four", metric="throughput",
        start=world.AS_OF - timedelta(weeks=4), end=world.AS_OF, as_of=world.AS_OF,
    )  # fmt: skip
    inside = "a week inside this period is withheld (fewer than 3 people did the work"
    assert period.value is None and period.n == 0
    assert period.withheld_reason is not None and period.withheld_reason.startswith(inside)
    answer = json.loads(_query(config, "throughput", "team-four", "4w", "--json"))
    assert answer["value"] is None and answer["withheld_reason"].startswith(inside)
    assert f"withheld: {inside}" in _query(config, "throughput", "team-four", "4w")
    assert f"*Withheld:* {inside}" in _slash(org_deps, slack, "throughput team-four 4w")
    last = json.loads(_query(config, "throughput", "team-four", "7d", "--json"))
    assert last["withheld_reason"] is None and last["value"] == 8.0  # 4 people, 2 sources
