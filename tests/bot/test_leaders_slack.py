"""For leaders and teams, through the real Bolt app over HTTP into the Slack fake:
`/metrics about` lists every configured source and the org's own statement, and nothing per
person; `/metrics goal` previews a goal, only a lead saves it, lists and removes it; App Home
shows each role its view (member: their team's figures and goals; lead: also votes waiting;
leader: the org view), with what the bot collects; the leaders' digest names a finding seen in
two teams as systemic."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from analytics.insights.model import Cost
from bot.digest.leaders import post_leaders_digest
from bot.server import build_asgi
from bot.slack.deps import BotDeps
from sandbox.fakes.server import LocalServer
from sandbox.fakes.slack import SlackFake
from sandbox.fakes.slack_signing import SlackRequestSender
from store.models import TeamGoal
from tests.bot.helpers import (
    LEAD,
    MEMBER,
    OTHER_LEAD,
    SECRET,
    TinyEngine,
    make_config,
    make_deps,
    review_insight,
)

BOSS = "U0BOSS0001"
PHILOSOPHY = "We look for where our process gets in people's way. We never rate anyone by it."
CONFIG = f"""
webhook_secret: {{env: METRICS_BOT_WEBHOOK_SECRET}}
philosophy: "{PHILOSOPHY}"
slack:
  leadership_channel: C0LEADERS1
leadership:
  tz: Europe/Berlin
  people: [{BOSS}]
sources:
  github: {{token: {{env: GITHUB_TOKEN}}}}
  jira: {{url: "https://acme.atlassian.net", token: {{env: JIRA_TOKEN}}, email: bot@acme.example}}
  pagerduty: {{url: "https://api.pagerduty.com", token: {{env: PAGERDUTY_TOKEN}}}}
teams:
  - slug: team-a
    name: Team A
    slack_channel: C0TEAMA001
    tz: Europe/Berlin
    leads: [{LEAD}, {OTHER_LEAD}]
    members:
      - {{github: alice-gh, jira: 5b10ac8d82e05b22cc7d4ef5, slack: {MEMBER}}}
      - {{github: bob-gh, pagerduty: PABC123}}
    goals: ["deploy-frequency >= 5/week"]
  - slug: team-b
    name: Team B
    slack_channel: C0TEAMB001
    tz: America/New_York
    leads: [U0LEADB001]
"""
PERSONAL = ("alice-gh", "bob-gh", "5b10ac8d82e05b22cc7d4ef5", "PABC123", MEMBER, LEAD, OTHER_LEAD)


@pytest.fixture
def world(db_url: str, slack: SlackFake) -> Iterator[tuple[BotDeps, str, TinyEngine]]:
    slack.add_user(BOSS, "boss")
    tiny = TinyEngine(insights_for={"team-a": [review_insight()]})
    deps = make_deps(
        db_url, api_url=slack.base_url, tiny=tiny, config=make_config(CONFIG), migrate=False
    )
    with LocalServer(build_asgi(deps)) as url:
        yield deps, url, tiny
    deps.engine.dispose()


def _ask(slack: SlackFake, url: str, text: str, user: str = MEMBER) -> dict[str, Any]:
    rurl = slack.new_response_url(channel="C0TEAMA001", user_id=user)
    resp = SlackRequestSender(SECRET).slash_command(
        f"{url}/slack/events",
        text=text,
        channel_id="C0TEAMA001",
        user_id=user,
        response_url=rurl,
    )
    assert resp.status_code == 200
    return slack.wait_for_response(rurl.rsplit("/", 1)[1], timeout=20)


def _click(slack: SlackFake, url: str, msg: dict[str, Any], action: str, user: str) -> dict:
    value = next(
        el["value"]
        for b in msg["blocks"]
        if b["type"] == "actions"
        for el in b["elements"]
        if el["action_id"] == action
    )
    rurl = slack.new_response_url(channel="C0TEAMA001", user_id=user)
    resp = SlackRequestSender(SECRET).block_action(
        f"{url}/slack/events",
        action,
        value,
        user_id=user,
        channel_id="C0TEAMA001",
        response_url=rurl,
        message={"blocks": msg["blocks"], "ts": "1.0"},
        is_ephemeral=True,
    )
    assert resp.status_code == 200
    return slack.wait_for_response(rurl.rsplit("/", 1)[1], timeout=20)


def test_about_lists_every_configured_source_and_nothing_per_person(
    world: tuple[BotDeps, str, TinyEngine], slack: SlackFake
) -> None:
    deps, url, _ = world
    answer = _ask(slack, url, "about")
    text = json.dumps(answer["blocks"], ensure_ascii=False)
    for name in ("GitHub", "Jira", "PagerDuty", "Webhooks", "Slack"):
        assert f"*{name}*" in text, name
    configured = {k for k, section in deps.config.sources if section is not None}
    assert configured == {"github", "jira", "pagerduty"}
    assert "*GitLab*" not in text and "*Linear*" not in text  # not configured: not claimed
    assert PHILOSOPHY in text  # shown as written
    assert "Minimum group size: 5 people" in text and "Who sees what" in text
    assert "never collected" in text and "No per-person number" in text
    assert not [p for p in PERSONAL if p in text]
    assert not re.search(r"\bU0[A-Z0-9]{6,}\b", text)  # no Slack member id at all


def test_a_goal_is_previewed_then_saved_by_a_lead_only(
    world: tuple[BotDeps, str, TinyEngine], slack: SlackFake
) -> None:
    deps, url, _tiny = world
    preview = _ask(slack, url, "goal team-a review-time < 5h")
    text = json.dumps(preview["blocks"], ensure_ascii=False)
    # TinyEngine's weekly review times for team-a: 6.0 x (0.8 + 0.05 i), i = 0..11
    weekly = [6.0 * (0.8 + 0.05 * i) for i in range(12)]
    missed = sum(v >= 5.0 for v in weekly)
    assert f"would have been missed {missed} of 12 weeks with a figure" in text
    refused = _click(slack, url, preview, "goal_save", MEMBER)
    assert "Only Team A's leads save its goals" in refused["text"]
    with deps.sessions() as s:
        assert s.scalars(select(TeamGoal)).all() == []
    saved = _click(slack, url, preview, "goal_save", LEAD)
    assert "Saved goal 1 of Team A" in saved["text"]
    with deps.sessions() as s:
        row = s.scalars(select(TeamGoal)).one()
    assert (row.metric, row.op, row.target, row.created_by) == ("review_time", "<", 5.0, LEAD)
    listing = json.dumps(_ask(slack, url, "goals")["blocks"], ensure_ascii=False)
    assert "deploy-frequency &gt;= 5/week" in listing and "set in the config" in listing
    assert "review-time &lt; 5h" in listing and "goal 1" in listing
    assert "Only Team A's leads" in _ask(slack, url, "goal remove 1")["text"]
    assert "Removed Team A's goal 1" in _ask(slack, url, "goal remove 1", user=LEAD)["text"]
    bad = _ask(slack, url, "goal review-time < 1 fortnight")
    assert "not a hours figure" in bad["text"]


def test_app_home_by_role(world: tuple[BotDeps, str, TinyEngine], slack: SlackFake) -> None:
    _deps, url, _ = world
    sender = SlackRequestSender(SECRET)
    views = {}
    for user in (MEMBER, LEAD, BOSS):
        assert sender.app_home_opened(f"{url}/slack/events", user).status_code == 200
        assert slack.wait_for(lambda u=user: u in slack.home_views, timeout=20)
        views[user] = json.dumps(slack.home_views[user], ensure_ascii=False)
    member, lead, boss = views[MEMBER], views[LEAD], views[BOSS]
    assert "Team A* (your team)" in member and "Last 4 weeks: Deploys 4.0/wk" in member
    assert "Goal: ✗ deploy-frequency &gt;= 5/week" in member  # 3.2-3.8 a week: missed
    assert "Waiting for your vote" not in member and "The organisation" not in member
    assert "Team A* (you lead it)" in lead and "Goal: " in lead
    assert "The organisation" in boss and "Team B" in boss and "(you lead it)" not in boss
    for view in views.values():
        assert "What this bot collects" in view and PHILOSOPHY in view
        assert not [p for p in ("alice-gh", "bob-gh", "PABC123") if p in view]


def test_the_leaders_digest_names_systemic_findings_and_where_waiting_piles_up(
    db_url: str, slack: SlackFake
) -> None:
    cost = Cost(10.5, "working PR-days", "PRs waited 10.5 working PR-days")
    twice = {
        "team-a": [review_insight()],
        "team-b": [replace(review_insight(), team="team-b", cost=cost)],
    }
    deps = make_deps(
        db_url, api_url=slack.base_url, tiny=TinyEngine(insights_for=twice), migrate=False
    )
    assert post_leaders_digest(deps).status == "posted"
    [msg] = slack.messages("C0LEADERS1")
    text = json.dumps(msg["blocks"], ensure_ascii=False)
    assert "Systemic: the same finding in several teams" in text
    assert "in 2 teams (Team A, Team &lt;B&gt; &amp; co)" in text
    assert "Team &lt;B&gt; &amp; co: 10 PR-days of waiting, 75% of the org's flagged" in text
    deps.engine.dispose()
