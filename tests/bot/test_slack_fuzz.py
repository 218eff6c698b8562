"""Fuzz the Slack request path (issue 13): garbage is a UserError, replies fit Slack's limits.

Hypothesis feeds the `/metrics` grammar arbitrary text and word salads of real vocabulary,
feeds the payload readers arbitrary JSON, and drives the real Bolt app's ack with signed
slash commands. Nothing may raise except UserError (the person's fixable mistake), and every
reply must be short, escaped and acceptable to Slack.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_bolt import App, BoltRequest

from bot.slack.actions.feedback import read_click
from bot.slack.app import VERIFIED, build_app
from bot.slack.catalog import Catalog
from bot.slack.commands.metrics import parse_body
from bot.slack.errors import UserError
from bot.slack.grammar import Command, parse
from bot.slack.limits import MAX_SECTION_TEXT, ensure_blocks
from bot.slack.pool import BUSY, AnswerPool
from sandbox.fakes.slack import SlackFake
from sandbox.fakes.slack_signing import sign
from tests.bot.helpers import REGISTRY, SECRET, TOKEN, make_deps

TEAMS = ["team-a", "team-b"]
CATALOG = Catalog(REGISTRY)
MAX_REPLY = 1500  # far under Slack's 3,000 per text; the point is "short"
VOCAB = [
    *CATALOG.words(),
    *TEAMS,
    "help",
    "status",
    "dora",
    "health",
    "bottlenecks",
    "compare",
    "digest",
    "share",
    "7d",
    "4w",
    "0d",
    "999w",
    "week",
    "month",
    "quarter",
    "year",
    "TEAM_A",
    "<!channel>",
    "@here",
    "&amp;",
    "<http://x|y>",
    "reveiw-time",
    "lead_time",
    "",
    "`",
    "*",
    "\u200d",
]
words = st.lists(st.sampled_from(VOCAB) | st.text(max_size=30), max_size=8).map(" ".join)
json_leaf = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_any = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def _check_reply(text: str) -> None:
    assert 0 < len(text) <= MAX_REPLY, len(text)
    for forged in ("<!", "<@", "<#", "<http"):  # echoes are escaped: no mention, no link
        assert forged not in text, text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=3000) | words)
def test_the_grammar_returns_a_command_or_a_short_user_error(text: str) -> None:
    for channel_team in (None, "team-a"):
        try:
            cmd = parse(text, catalog=CATALOG, teams=TEAMS, channel_team=channel_team)
        except UserError as err:
            _check_reply(str(err))
        else:
            assert isinstance(cmd, Command)
            assert cmd.verb in ("help", "status") or cmd.team in TEAMS
            assert 1 <= cmd.period.days <= 366


DEPS = make_deps("sqlite://", migrate=False)


@settings(max_examples=120, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["text", "channel_id", "user_id", "response_url", "command"]),
        json_any | words,
    )
)
def test_slash_payloads_of_any_shape_parse_or_are_user_errors(body: dict[str, Any]) -> None:
    try:
        parse_body(DEPS, body)
    except UserError as err:
        _check_reply(str(err))


vote_values = st.one_of(
    json_any.map(json.dumps),
    st.text(max_size=50),
    st.builds(
        lambda i, t, v: json.dumps({"i": i, "t": t, "v": v}),
        json_any,
        json_any,
        json_any | st.sampled_from([1, -1]),
    ),
    st.integers(1, 3000).map(lambda depth: "[" * depth + "]" * depth),
    st.just('{"i":"x","t":"team-a","v":Infinity}'),
    st.just('{"i":"x","t":"team-a","v":1' + "0" * 5000 + "}"),  # a 5,001-digit integer
)


@settings(max_examples=150, deadline=None)
@given(
    value=vote_values,
    user=json_any,
    channel=json_any,
    extra=st.dictionaries(st.sampled_from(["actions", "container", "message"]), json_any),
)
def test_vote_clicks_of_any_shape_are_read_or_are_user_errors(
    value: str, user: Any, channel: Any, extra: dict[str, Any]
) -> None:
    body = {"actions": [{"value": value}], "user": user, "channel": channel, **extra}
    try:
        vote, who, where = read_click(body)
    except UserError as err:
        _check_reply(str(err))
    else:
        assert vote.value in (1, -1) and who and where


@contextmanager
def _full_pool() -> Iterator[AnswerPool]:
    """A pool whose one worker is held and which has no queue: every answer is shed, so the
    fuzzed requests exercise the ack alone and nothing leaves the process. The worker is
    let go on the way out, or the interpreter would wait for it at exit."""
    pool = AnswerPool(workers=1, queue=0)
    hold = threading.Event()
    assert pool.offer(hold.wait)
    try:
        yield pool
    finally:
        hold.set()
        pool.shutdown(wait=True)


@pytest.fixture(scope="module")
def app() -> Iterator[App]:
    """The real Bolt app, its Web API calls (auth.test) going to the local Slack fake."""
    with SlackFake(tokens=[TOKEN]) as slack, _full_pool() as answers:
        deps = make_deps("sqlite://", migrate=False, api_url=slack.base_url)
        yield build_app(deps, answers=answers)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=1500) | words, channel=st.sampled_from(["C0TEAMA001", "C0X", ""]))
def test_the_real_ack_answers_any_slash_text_within_slack_limits(
    app: App, text: str, channel: str
) -> None:
    body = urlencode(
        {
            "command": "/metrics",
            "text": text,
            "channel_id": channel,
            "user_id": "U1",
            "team_id": "T1",
            "response_url": "",
        }
    )
    now = int(time.time())
    headers = {
        "content-type": ["application/x-www-form-urlencoded"],
        "x-slack-request-timestamp": [str(now)],
        "x-slack-signature": [sign(SECRET, body.encode(), now)],
    }
    resp = app.dispatch(BoltRequest(body=body, headers=headers, context={VERIFIED: True}))
    assert resp.status == 200, (resp.status, resp.body)
    ack = json.loads(resp.body)
    assert ack["response_type"] == "ephemeral"
    if "blocks" in ack:  # help
        ensure_blocks(ack["blocks"], text=ack["text"])
        assert all(len(json.dumps(b)) < MAX_SECTION_TEXT * 2 for b in ack["blocks"])
    else:
        _check_reply(ack["text"])
        assert (
            ack["text"] == BUSY
            or "`/metrics" in ack["text"]
            or "know" in ack["text"]
            or (
                "period" in ack["text"] or "team" in ack["text"].lower() or "Compare" in ack["text"]
            )
        )
