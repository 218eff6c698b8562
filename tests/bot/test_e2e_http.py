"""End to end over real HTTP: signed requests into the served app, Slack calls into the fake.

The bot runs as `metrics-bot serve` would run it (build_asgi on uvicorn); Slack's side is
played by the signing helper (requests in) and the fake Web API (calls out).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from bot.digest import post_digest
from bot.server import build_asgi
from bot.slack.deps import BotDeps
from bot.slack.errors import SORRY
from bot.slack.grammar import USAGE
from sandbox.fakes.server import LocalServer
from sandbox.fakes.slack import SlackFake
from sandbox.fakes.slack_signing import BAD_SIGNATURE, STALE, SlackRequestSender
from store.db import transaction
from store.models import FeedbackVote, SyncRun
from tests.bot.helpers import LEAD, MEMBER, OTHER_LEAD, SECRET, TinyEngine


@pytest.fixture
def bot_url(deps: BotDeps) -> Iterator[str]:
    with LocalServer(build_asgi(deps)) as url:
        yield url


@pytest.fixture
def sender() -> SlackRequestSender:
    return SlackRequestSender(SECRET)


def events(url: str) -> str:
    return f"{url}/slack/events"


def command(
    slack: SlackFake,
    sender: SlackRequestSender,
    url: str,
    text: str,
    *,
    channel: str = "C0TEAMA001",
    user: str = MEMBER,
) -> tuple[httpx.Response, str]:
    response_url = slack.new_response_url(channel=channel, user_id=user)
    resp = sender.slash_command(
        events(url), text=text, channel_id=channel, user_id=user, response_url=response_url
    )
    return resp, response_url.rsplit("/", 1)[1]


def test_signature_is_checked_on_every_request(bot_url: str, sender: SlackRequestSender) -> None:
    assert (
        sender.slash_command(events(bot_url), text="help", forge=BAD_SIGNATURE).status_code == 401
    )
    assert sender.slash_command(events(bot_url), text="help", forge=STALE).status_code == 401
    unsigned = httpx.post(events(bot_url), data={"command": "/metrics", "text": "help"})
    assert unsigned.status_code == 401
    assert sender.app_home_opened(events(bot_url), LEAD, forge=BAD_SIGNATURE).status_code == 401
    ok = sender.url_verification(events(bot_url), challenge="abc123")
    assert ok.status_code == 200 and "abc123" in ok.text
    assert httpx.get(f"{bot_url}/healthz").json() == {"ok": True}


def test_help_garbage_and_typos_are_answered_in_the_ack(
    bot_url: str, slack: SlackFake, sender: SlackRequestSender
) -> None:
    resp, _ = command(slack, sender, bot_url, "help")
    body = resp.json()
    assert resp.status_code == 200 and body["response_type"] == "ephemeral"
    assert "`review-time`" in json.dumps(body["blocks"])
    resp, _ = command(slack, sender, bot_url, "what is the meaning of life")
    assert resp.json()["text"] == USAGE
    resp, _ = command(slack, sender, bot_url, "reveiw-time team-a")
    assert "Did you mean `review-time`?" in resp.json()["text"]
    resp, _ = command(slack, sender, bot_url, "dora", channel="C0GENERAL1")
    assert "Which team?" in resp.json()["text"]


def test_metric_answer_after_the_ack_is_ephemeral_with_trend_and_method(
    bot_url: str, slack: SlackFake, sender: SlackRequestSender
) -> None:
    started = time.monotonic()
    resp, rid = command(slack, sender, bot_url, "pickup")
    acked = time.monotonic() - started
    assert resp.status_code == 200 and resp.content == b"" and acked < 3
    answer = slack.wait_for_response(rid, timeout=5)
    answered = time.monotonic() - started
    text = json.dumps(answer["blocks"], ensure_ascii=False)
    assert answer["response_type"] == "ephemeral"
    assert "Time to first review · Team A" in text and "*6 h*  within the usual range (" in text
    assert "Baseline*\\n4 h" in text and "Ready for review to first review" in text
    assert answered < 3, answered
    assert slack.messages("C0TEAMA001") == []  # nothing public


def test_share_posts_in_channel_and_other_verbs_answer(
    bot_url: str, slack: SlackFake, sender: SlackRequestSender, deps: BotDeps
) -> None:
    _, rid = command(slack, sender, bot_url, "dora team-b share", channel="C0TEAMB001")
    shared = slack.wait_for_response(rid)
    assert shared["response_type"] == "in_channel"
    assert any(
        "DORA · Team <B> & co" in json.dumps(m.get("blocks"), ensure_ascii=False)
        for m in slack.messages("C0TEAMB001")
    )
    _, rid = command(slack, sender, bot_url, "health team-b")
    assert "fewer than 5 people" in json.dumps(slack.wait_for_response(rid)["blocks"])
    _, rid = command(slack, sender, bot_url, "compare lead-time")
    assert "team-b" in json.dumps(slack.wait_for_response(rid)["blocks"])
    _, rid = command(slack, sender, bot_url, "bottlenecks")
    assert "Reviews wait 50% longer" in json.dumps(slack.wait_for_response(rid)["blocks"])
    _, rid = command(slack, sender, bot_url, "digest")
    preview = slack.wait_for_response(rid)
    assert preview["response_type"] == "ephemeral" and "feedback_up" not in json.dumps(
        preview["blocks"]
    )
    with transaction(deps.sessions) as s:
        s.add(
            SyncRun(
                source="github",
                started_at=deps.now() - timedelta(minutes=20),
                finished_at=deps.now() - timedelta(minutes=15),
                status="ok",
                rows=1234,
                requests=56,
                retries=2,
                rate_limit_remaining=4800,
            )
        )
    _, rid = command(slack, sender, bot_url, "status")
    status = json.dumps(slack.wait_for_response(rid)["blocks"])
    assert (
        "*github*: ok 15 min ago, 1234 rows, 56 requests, 2 retries, rate-limit budget 4800"
        in status
    )


def _click(
    slack: SlackFake, sender: SlackRequestSender, url: str, user: str, action_id: str
) -> httpx.Response:
    """Click `action_id` on the first insight of the digest message the bot actually posted."""
    msg = slack.messages("C0TEAMA001")[0]
    button = next(
        el
        for b in msg["blocks"]
        if b["type"] == "actions"
        for el in b["elements"]
        if el["action_id"] == action_id
    )
    return sender.block_action(
        events(url),
        action_id,
        button["value"],
        user_id=user,
        channel_id="C0TEAMA001",
        message_ts=msg["ts"],
        message=msg,
    )


def _tally_text(slack: SlackFake) -> str:
    msg = slack.messages("C0TEAMA001")[0]
    return next(b for b in msg["blocks"] if str(b.get("block_id", "")).startswith("tally:"))[
        "elements"
    ][0]["text"]


def test_vote_from_the_posted_digest_updates_the_tally_and_only_leads_vote(
    bot_url: str, slack: SlackFake, sender: SlackRequestSender, deps: BotDeps
) -> None:
    assert post_digest(deps, "team-a").status == "posted"
    assert _click(slack, sender, bot_url, LEAD, "feedback_up").status_code == 200
    assert slack.wait_for(lambda: "👍 1 · 👎 0" in _tally_text(slack))
    _click(slack, sender, bot_url, LEAD, "feedback_down")  # a lead changes their mind
    assert slack.wait_for(lambda: "👍 0 · 👎 1" in _tally_text(slack))
    _click(slack, sender, bot_url, OTHER_LEAD, "feedback_up")
    assert slack.wait_for(lambda: "👍 1 · 👎 1" in _tally_text(slack))
    with deps.sessions() as s:
        votes = {(v.voter, v.value, v.kind) for v in s.scalars(select(FeedbackVote))}
    assert votes == {(LEAD, -1, "review_bottleneck"), (OTHER_LEAD, 1, "review_bottleneck")}
    [why] = slack.ephemeral_messages("C0TEAMA001")  # the lead's thumbs-down asks why
    assert why["user"] == LEAD and "not useful" in why["text"]
    _click(slack, sender, bot_url, MEMBER, "feedback_up")
    assert slack.wait_for(lambda: len(slack.ephemeral_messages("C0TEAMA001")) == 2)
    note = slack.ephemeral_messages("C0TEAMA001")[1]
    assert note["user"] == MEMBER and "Only Team A's leads vote" in note["text"]
    with deps.sessions() as s:
        assert len(s.scalars(select(FeedbackVote)).all()) == 2
    assert "👍 1 · 👎 1" in _tally_text(slack)
    assert len(slack.calls_to("chat.update")) == 3


def test_app_home_shows_teams_flags_and_votes_waiting(
    bot_url: str, slack: SlackFake, sender: SlackRequestSender, deps: BotDeps
) -> None:
    post_digest(deps, "team-a")
    assert sender.app_home_opened(events(bot_url), LEAD).status_code == 200
    assert slack.wait_for(lambda: LEAD in slack.home_views)
    view = json.dumps(slack.home_views[LEAD], ensure_ascii=False)
    assert "Team A" in view and "(you lead it)" in view and "Waiting for your vote* (2)" in view
    sender.app_home_opened(events(bot_url), MEMBER)
    assert slack.wait_for(lambda: MEMBER in slack.home_views)
    assert "You lead no configured team" in json.dumps(slack.home_views[MEMBER])


def test_unexpected_errors_get_a_short_message_and_logs_hold_no_token(
    bot_url: str,
    slack: SlackFake,
    sender: SlackRequestSender,
    tiny: TinyEngine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tiny.fail_with = RuntimeError("database said no (token xoxb-123-secret)")
    caplog.set_level(logging.ERROR, logger="metrics_bot.slack")
    _, rid = command(slack, sender, bot_url, "lead-time")
    answer = slack.wait_for_response(rid)
    assert answer["text"] == SORRY and answer["response_type"] == "ephemeral"
    assert "xoxb-123-secret" not in caplog.text and "[redacted]" in caplog.text


def test_extra_routes_are_served_beside_slack(deps: BotDeps) -> None:
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def hook(request: Request) -> PlainTextResponse:
        return PlainTextResponse("got " + (await request.body()).decode())

    with LocalServer(build_asgi(deps, [Route("/webhooks/deploy", hook, methods=["POST"])])) as url:
        assert httpx.post(f"{url}/webhooks/deploy", content=b"d1").text == "got d1"
        assert httpx.post(events(url), content=b"x").status_code == 401
