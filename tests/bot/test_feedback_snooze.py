"""Feedback that tunes without hiding, end to end (issue 16, item 4).

The real Bolt app served over HTTP, Slack played by the signing helper (clicks, modal
submissions, Home opened) and the local Slack fake (the bot's calls, checked against Slack's
method list and Block Kit limits), the real analytics engine on a real SQLite store holding
the synthetic org of tests/analytics/insights/synth.py, and a clock the test moves week by
week: team-b carries a 1.4x review slowdown, team-c a 1.23x one, team-d after-hours creep.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from analytics.insights.hiding import Snooze
from bot.digest import post_digest
from bot.server import build_asgi
from bot.slack.deps import BotDeps, default_analytics
from sandbox.fakes.server import LocalServer
from sandbox.fakes.slack import SlackFake
from sandbox.fakes.slack_signing import SlackRequestSender
from store.models import FeedbackVote, FindingSnooze, InsightRow
from tests.analytics.insights.synth import Knobs, fill_store, org
from tests.bot.helpers import LEAD, MEMBER, OTHER_LEAD, SECRET, make_config

# team-c ~1.25x: over the detector's 6 weeks 1.85 flickers (flagged in W40-42 and W47 only)
KNOBS = Knobs(wait={"team-b": 2.1, "team-c": 1.95}, night_team="team-d")
CONFIG = f"""
teams:
  - {{slug: team-a, name: Team A, slack_channel: C0TEAMA001, leads: [U0LEADA001]}}
  - {{slug: team-b, name: Team B, slack_channel: C0TEAMB001, leads: [{LEAD}, {OTHER_LEAD}]}}
  - {{slug: team-c, name: Team C, slack_channel: C0TEAMC001, leads: [{LEAD}, {OTHER_LEAD}]}}
  - {{slug: team-d, name: Team D, slack_channel: C0TEAMD001, leads: [{LEAD}]}}
"""


@dataclass
class Clock:
    now: datetime


@dataclass
class World:
    deps: BotDeps
    slack: SlackFake
    url: str
    sender: SlackRequestSender
    clock: Clock

    def at(self, day: int, month: int = 11) -> None:
        """Monday mornings: the scheduler posts last week's digest then."""
        self.clock.now = datetime(2026, month, day, 8, 0, tzinfo=UTC)

    def digest(self, team: str, channel: str, week: str) -> dict[str, Any]:
        assert post_digest(self.deps, team).status == "posted"
        [msg] = [m for m in self.slack.messages(channel) if week in json.dumps(m.get("blocks"))]
        return msg

    def click(
        self,
        msg: dict[str, Any],
        action_id: str,
        user: str,
        channel: str,
        *,
        ephemeral: bool = False,
    ) -> str:
        """Click `action_id` on `msg`; returns the response_url id the bot may answer on."""
        value = next(el["value"] for el in elements(msg) if el["action_id"] == action_id)
        url = self.slack.new_response_url(channel=channel, user_id=user)
        response = self.sender.block_action(
            f"{self.url}/slack/events",
            action_id,
            value,
            user_id=user,
            channel_id=channel,
            message_ts=msg["ts"],
            message=msg,
            response_url=url if ephemeral else "",
            is_ephemeral=ephemeral,
        )
        assert response.status_code == 200
        return url.rsplit("/", 1)[1]

    def ephemeral(self, channel: str, user: str, action_id: str) -> dict[str, Any]:
        """The newest ephemeral message to `user` offering `action_id` (waits for it)."""

        def found() -> list[dict[str, Any]]:
            return [
                m
                for m in self.slack.ephemeral_messages(channel)
                if m["user"] == user and action_id in [e["action_id"] for e in elements(m)]
            ]

        assert self.slack.wait_for(lambda: bool(found()))
        return found()[-1]


def elements(msg: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for block in msg.get("blocks") or []:
        out += [e for e in block.get("elements") or [] if "action_id" in e]
        if isinstance(block.get("accessory"), dict):
            out.append(block["accessory"])
    return out


@pytest.fixture
def world(deps: BotDeps, slack: SlackFake) -> Iterator[World]:
    for cid, name in (("C0TEAMC001", "team-c"), ("C0TEAMD001", "team-d")):
        slack.add_channel(cid, name)
    fill_store(deps.engine, KNOBS)
    clock = Clock(datetime(2026, 11, 9, 8, 0, tzinfo=UTC))
    config = make_config(CONFIG)
    real = replace(
        deps,
        config=config,
        org=org(KNOBS),
        analytics=default_analytics(),
        clock=lambda: clock.now,
    )
    with LocalServer(build_asgi(real)) as url:
        yield World(real, slack, url, SlackRequestSender(SECRET), clock)


def insight_ids(msg: dict[str, Any]) -> list[str]:
    return [
        b["block_id"].split(":", 1)[1]
        for b in msg["blocks"]
        if str(b.get("block_id", "")).startswith("insight:")
    ]


def test_a_snoozed_finding_is_named_while_snoozed_and_reappears_when_it_ends(
    world: World,
) -> None:
    world.at(9)
    w45 = world.digest("team-b", "C0TEAMB001", "2026-W45")
    assert len(insight_ids(w45)) == 1 and "Reviews start" in json.dumps(w45["blocks"])
    world.click(w45, "insight_snooze", MEMBER, "C0TEAMB001")  # not a lead: told, nothing kept
    world.click(w45, "insight_snooze", LEAD, "C0TEAMB001")
    chooser = world.ephemeral("C0TEAMB001", LEAD, "insight_snooze_for_1")
    rid = world.click(chooser, "insight_snooze_for_1", LEAD, "C0TEAMB001", ephemeral=True)
    done = world.slack.wait_for_response(rid)
    assert "until 2026-11-23" in done["text"] and done["replace_original"] is True
    refused = [m for m in world.slack.ephemeral_messages("C0TEAMB001") if m["user"] == MEMBER]
    assert "Only Team B's leads snooze" in refused[0]["text"]
    with world.deps.sessions() as s:
        [row] = s.scalars(select(FindingSnooze)).all()
    assert (row.kind, row.first_week, row.last_week, row.created_by) == (
        "review_bottleneck",
        "2026-W45",
        "2026-W46",
        LEAD,
    )

    world.at(16)  # the snoozed week: kept out of the digest, and the digest says so
    w46 = world.digest("team-b", "C0TEAMB001", "2026-W46")
    text = json.dumps(w46["blocks"], ensure_ascii=False)
    assert insight_ids(w46) == []
    assert "Snoozed until 2026-11-23 by a lead: review bottleneck — *Reviews start" in text
    assert "Quiet week" not in text and "feedback kept findings out" in text
    rid = world.click(w46, "hidden_show", MEMBER, "C0TEAMB001", ephemeral=True)
    shown = world.slack.wait_for_response(rid)
    assert shown["replace_original"] is False and "Reviews start" in json.dumps(shown["blocks"])
    assert "feedback_up" in json.dumps(shown["blocks"])  # it can be voted on from there
    with world.deps.sessions() as s:
        hidden = s.scalars(select(InsightRow).where(InsightRow.week == "2026-W46")).one()
    assert hidden.hidden_by == "snooze"
    assert world.sender.app_home_opened(f"{world.url}/slack/events", LEAD).status_code == 200
    assert world.slack.wait_for(lambda: LEAD in world.slack.home_views)
    home = json.dumps(world.slack.home_views[LEAD], ensure_ascii=False)
    assert "Kept out by feedback" in home and "snoozed until 2026-11-23 by a lead" in home
    assert "hidden_show" in home

    world.at(23)  # the snooze ended: the finding is back, nothing is listed as hidden
    w47 = world.digest("team-b", "C0TEAMB001", "2026-W47")
    assert len(insight_ids(w47)) == 1
    assert "Kept out by feedback" not in json.dumps(w47["blocks"], ensure_ascii=False)


def _submit_modal(world: World, user: str, reason: str, note: str) -> httpx.Response:
    view = world.slack.opened_views[-1]
    values = {
        "reason": {
            "choice": {
                "type": "radio_buttons",
                "selected_option": {
                    "text": {"type": "plain_text", "text": reason},
                    "value": reason,
                },
            }
        },
        "note": {"text": {"type": "plain_text_input", "value": note}},
    }
    return world.sender.view_submission(f"{world.url}/slack/events", view, values, user_id=user)


def test_votes_with_reasons_hide_a_finding_visibly_and_it_is_voted_back(world: World) -> None:
    world.at(2)
    w44 = world.digest("team-c", "C0TEAMC001", "2026-W44")
    [found] = insight_ids(w44)
    world.click(w44, "feedback_down", LEAD, "C0TEAMC001")
    prompt = world.ephemeral("C0TEAMC001", LEAD, "feedback_reason_wrong")
    rid = world.click(prompt, "feedback_reason_wrong", LEAD, "C0TEAMC001", ephemeral=True)
    assert "was wrong" in world.slack.wait_for_response(rid)["text"]
    world.click(w44, "feedback_down", OTHER_LEAD, "C0TEAMC001")
    prompt = world.ephemeral("C0TEAMC001", OTHER_LEAD, "feedback_reason_more")
    world.click(prompt, "feedback_reason_more", OTHER_LEAD, "C0TEAMC001", ephemeral=True)
    assert world.slack.wait_for(lambda: len(world.slack.opened_views) == 1)
    assert world.slack.opened_views[0]["callback_id"] == "feedback_reason_view"
    answer = _submit_modal(world, OTHER_LEAD, "not_actionable", "  the release train  ")
    assert answer.status_code == 200 and answer.content in (b"", b"{}")

    def reasons() -> set[tuple[str, int, str | None, str | None]]:
        with world.deps.sessions() as s:
            return {
                (v.voter, v.value, v.reason, v.note)
                for v in s.scalars(select(FeedbackVote).where(FeedbackVote.insight_id == found))
            }

    assert world.slack.wait_for(lambda: len([r for r in reasons() if r[2]]) == 2)
    assert reasons() == {
        (LEAD, -1, "wrong", None),
        (OTHER_LEAD, -1, "not_actionable", "the release train"),
    }

    world.at(9)  # two leads' thumbs-down raised the threshold: kept out, and named
    w45 = world.digest("team-c", "C0TEAMC001", "2026-W45")
    text = json.dumps(w45["blocks"], ensure_ascii=False)
    assert insight_ids(w45) == []
    assert "Under the threshold the team's votes raised: review bottleneck — *Reviews" in text
    assert "threshold ×1.10" in text and "0 of 2 useful" in text
    for ups, lead in enumerate((LEAD, OTHER_LEAD), 1):  # shown on request, voted back up
        rid = world.click(w45, "hidden_show", lead, "C0TEAMC001", ephemeral=True)
        shown = world.slack.wait_for_response(rid)
        assert "Kept out of the digest by a threshold" in json.dumps(shown, ensure_ascii=False)
        card = {**shown, "ts": w45["ts"]}
        rid = world.click(card, "feedback_up", lead, "C0TEAMC001", ephemeral=True)
        tallied = world.slack.wait_for_response(rid)
        assert tallied["replace_original"] is True
        assert f"👍 {ups} · 👎 0" in json.dumps(tallied["blocks"], ensure_ascii=False)

    world.at(16)  # the votes on the hidden finding brought the kind back
    w46 = world.digest("team-c", "C0TEAMC001", "2026-W46")
    assert len(insight_ids(w46)) == 1
    assert "Kept out by feedback" not in json.dumps(w46["blocks"], ensure_ascii=False)


def test_health_warnings_cannot_be_snoozed(world: World) -> None:
    world.at(23)
    w47 = world.digest("team-d", "C0TEAMD001", "2026-W47")
    [found] = insight_ids(w47)
    assert "insight_snooze" not in [e["action_id"] for e in elements(w47)]
    crafted = {
        **w47,
        "blocks": [
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "insight_snooze_for_4",
                        "text": {"type": "plain_text", "text": "4 weeks"},
                        "value": json.dumps({"i": found, "t": "team-d", "c": "4"}),
                    }
                ],
            }
        ],
    }
    world.click(crafted, "insight_snooze_for_4", LEAD, "C0TEAMD001")
    assert world.slack.wait_for(lambda: bool(world.slack.ephemeral_messages("C0TEAMD001")))
    [refusal] = world.slack.ephemeral_messages("C0TEAMD001")
    assert "Health warnings are not snoozed" in refusal["text"]
    with world.deps.sessions() as s:
        assert s.scalars(select(FindingSnooze)).all() == []


def test_the_snooze_plan_covers_the_next_weeks_whenever_it_is_clicked() -> None:
    from bot.slack.snoozes import plan, shift_week

    row = InsightRow(
        id="x", team_slug="team-b", kind="review_bottleneck", week="2026-W45", payload={}
    )
    monday = plan(row, weeks=1, tz="UTC", now=datetime(2026, 11, 9, 8, tzinfo=UTC))
    friday = plan(row, weeks=2, tz="UTC", now=datetime(2026, 11, 20, 17, tzinfo=UTC))
    assert (monday.first_week, monday.last_week) == ("2026-W45", "2026-W46")
    assert monday.ends_at == datetime(2026, 11, 23, tzinfo=UTC)  # W47's digest shows it
    assert (friday.first_week, friday.last_week) == ("2026-W45", "2026-W48")
    assert shift_week("2026-W52", 2) == "2027-W01"  # 2026 has 53 ISO weeks
    assert isinstance(monday, Snooze)
