"""Issue 13 item 6: long words get a short, correct reply, and the search behind it is bounded.

Before the fix the did-you-mean search compared every word in full (seconds for a few KB, a
timed-out ack and a 404 at 40 KB) and a 100 KB team name was echoed back whole.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import replace

import httpx
import pytest

from bot.server import build_asgi
from bot.slack.catalog import MAX_CANDIDATES, MAX_SUGGEST_WORD, Catalog, closest
from bot.slack.deps import BotDeps
from bot.slack.errors import UserError
from bot.slack.grammar import MAX_TEXT, USAGE, parse
from bot.slack.text import MAX_ECHO
from sandbox.fakes.server import LocalServer
from sandbox.fakes.slack import SlackFake
from sandbox.fakes.slack_signing import SlackRequestSender
from tests.bot.helpers import MEMBER, REGISTRY, SECRET

TEAMS = ["team-a", "team-b"]


@pytest.fixture
def bot_url(deps: BotDeps) -> Iterator[str]:
    with LocalServer(build_asgi(deps)) as url:
        yield url


def _ack(slack: SlackFake, url: str, text: str) -> httpx.Response:
    return SlackRequestSender(SECRET, timeout=30).slash_command(
        f"{url}/slack/events",
        text=text,
        channel_id="C0TEAMA001",
        user_id=MEMBER,
        response_url=slack.new_response_url(channel="C0TEAMA001", user_id=MEMBER),
    )


def test_a_100_kb_unknown_team_name_gets_a_short_reply(bot_url: str, slack: SlackFake) -> None:
    resp = _ack(slack, bot_url, "lead-time " + "q" * 100_000)
    assert resp.status_code == 200
    reply = resp.json()["text"]
    assert len(reply) < 400, len(reply)
    assert reply.startswith("That is 100,010 characters") and USAGE in reply


def test_a_40_kb_word_is_answered_in_the_ack_not_a_404(bot_url: str, slack: SlackFake) -> None:
    resp = _ack(slack, bot_url, "dora " + "w" * 40_000)
    assert resp.status_code == 200
    assert resp.json()["response_type"] == "ephemeral"
    assert len(resp.json()["text"]) < 400


def test_a_long_word_under_the_cap_is_echoed_cut_and_escaped() -> None:
    catalog = Catalog(REGISTRY)
    word = "<!channel>" * 90  # 900 characters: parsed, not refused
    with pytest.raises(UserError) as err:
        parse(f"lead-time {word}", catalog=catalog, teams=TEAMS, channel_team=None)
    text = str(err.value)
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "…" in text and len(text) < 4 * MAX_ECHO + 200
    with pytest.raises(UserError) as err:
        parse(word, catalog=catalog, teams=TEAMS, channel_team=None)
    assert str(err.value) == USAGE  # no metric is 900 characters long: no suggestion searched


def test_command_text_over_the_cap_is_refused_before_parsing() -> None:
    catalog = Catalog(REGISTRY)
    ok = parse(
        "lead-time team-a" + " " * (MAX_TEXT - 16), catalog=catalog, teams=TEAMS, channel_team=None
    )
    assert ok.metric is not None and ok.team == "team-a"
    with pytest.raises(UserError, match="at most 1,000 characters"):
        parse("help" + " " * MAX_TEXT, catalog=catalog, teams=TEAMS, channel_team=None)


def test_the_suggestion_search_compares_a_bounded_number_of_candidates() -> None:
    seen: list[int] = []

    def suggest(word: str, candidates: Iterable[str]) -> list[str]:
        seen.append(len(list(candidates)))
        return []

    lead = REGISTRY["lead_time"]
    many = {f"metric-{i}": replace(lead, id=f"metric-{i}") for i in range(5 * MAX_CANDIDATES)}
    catalog = Catalog(many, suggest=suggest)
    catalog.suggestions("metrc-7")
    catalog.suggestions("m" * (MAX_SUGGEST_WORD + 1))
    assert seen == [MAX_CANDIDATES]  # and nothing searched for the over-long word
    assert closest("x" * (MAX_SUGGEST_WORD + 1), ["x" * (MAX_SUGGEST_WORD + 1)]) == []


def _reference(word: str, candidates: list[str], cutoff: float) -> list[str]:
    """The unbounded search the bounded one must agree with on short words."""
    scored = [
        (difflib.SequenceMatcher(None, word, c).ratio(), c) for c in dict.fromkeys(candidates)
    ]
    scored = sorted(((r, c) for r, c in scored if r >= cutoff), key=lambda rc: (-rc[0], rc[1]))
    return [c for r, c in scored if r >= scored[0][0] - 0.08][:3] if scored else []


def test_the_cheap_bounds_do_not_change_the_suggestions() -> None:
    words = ["reveiw-time", "lead", "cfr", "team-c", "tema-a", "deploys", "x", "mttr2"]
    candidates = sorted({*Catalog(REGISTRY).words(), *TEAMS, "team-c", "teams"})
    for word in words:
        for cutoff in (0.5, 0.6, 0.7):
            assert closest(word, candidates, cutoff=cutoff) == _reference(word, candidates, cutoff)
