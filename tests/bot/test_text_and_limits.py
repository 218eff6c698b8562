"""Outside text cannot mention or link; builders stay within Slack's limits whatever the input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.insights.model import Evidence, Insight
from bot.slack import limits
from bot.slack.blocks.common import button, context, fit, header, section
from bot.slack.blocks.insights import (
    SHOW_METHOD,
    Vote,
    insight_blocks,
    tally_block_id,
    with_tally,
)
from bot.slack.text import escape, link, safe_url, truncate
from tests.bot.helpers import review_insight


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a & b", "a &amp; b"),
        ("<!channel> deploy", "&lt;!channel&gt; deploy"),
        ("<https://evil.example|click me>", "&lt;https://evil.example|click me&gt;"),
        ("<@U0123ABCD> did it", "&lt;@U0123ABCD&gt; did it"),
        ("ping @channel and @HERE", "ping @\u200dchannel and @\u200dHERE"),
        ("x@channelfoo", "x@channelfoo"),
    ],
)
def test_escape_neutralises_mentions_and_links(raw: str, shown: str) -> None:
    assert escape(raw) == shown


@given(st.text())
def test_escaped_text_never_contains_markup_openers(raw: str) -> None:
    out = escape(raw)
    assert "<" not in out and ">" not in out
    assert "@channel" not in out.lower() and "@here" not in out.lower()


def test_link_only_for_plain_http_urls_and_label_escaped() -> None:
    assert (
        link("https://github.com/a/b/pull/1", "a/b#1 <x>")
        == "<https://github.com/a/b/pull/1|a/b#1 &lt;x&gt;>"
    )
    assert link("javascript:alert(1)", "PR") == "PR"
    assert link("https://x.example/a|b", "PR") == "PR"  # a pipe would forge the label
    assert link("https://x.example/a", "one|two") == "<https://x.example/a|one¦two>"
    assert safe_url("ftp://x") is None and safe_url(None) is None


def test_truncate_marks_cut_and_never_splits_an_entity() -> None:
    assert truncate("abcdef", 4) == "abc…"
    assert truncate("abc", 3) == "abc"
    cut = truncate("ab&amp;cd", 5)
    assert cut == "ab…" and len(cut) <= 5


def test_check_blocks_names_each_violation() -> None:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "s" * 3001}},
        {
            "type": "actions",
            "block_id": "b",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "ok"},
                    "action_id": "a" * 256,
                    "value": "v" * 2001,
                },
            ],
        },
        {"type": "context", "block_id": "b", "elements": [{"type": "mrkdwn", "text": "x"}]},
    ]
    problems = limits.check_blocks(blocks)
    assert any(p.startswith("/blocks/0/text") for p in problems)
    assert any(p.startswith("/blocks/1/text") for p in problems)
    assert any("action_id" in p for p in problems)
    assert any("/value" in p for p in problems)
    assert any("duplicate" in p for p in problems)
    with pytest.raises(limits.BlockKitLimitError):
        limits.ensure_blocks(blocks)
    assert limits.check_blocks([section("x")] * 51)[0].startswith("/blocks: 51 blocks")


def test_builders_clip_to_limits() -> None:
    assert (
        limits.check_blocks([header("h" * 500), section("s" * 9000), context(*(["c" * 4000] * 12))])
        == []
    )
    assert len(fit([section("x")] * 80)) == limits.MAX_MESSAGE_BLOCKS
    with pytest.raises(limits.BlockKitLimitError):
        button("b", "a", "v" * 2001)


@settings(max_examples=40, deadline=None)
@given(
    title=st.text(max_size=5000),
    summary=st.text(max_size=8000),
    labels=st.lists(st.text(max_size=300), max_size=30),
)
def test_any_insight_renders_within_limits(title: str, summary: str, labels: list[str]) -> None:
    ins = Insight(
        team="team-a",
        kind="k",
        week="2026-W47",
        severity="info",
        title=title,
        summary=summary,
        evidence=tuple(
            Evidence(lbl, "https://example.com/" + str(i)) for i, lbl in enumerate(labels)
        ),
        method=summary,
        next_step=title,
    )
    blocks = insight_blocks(ins, interactive=True)
    assert limits.check_blocks(blocks) == []
    text = json.dumps(blocks)
    assert "<!channel>" not in text and "<!here>" not in text


def test_insight_blocks_carry_escaped_evidence_and_vote_buttons() -> None:
    ins = review_insight()
    blocks = insight_blocks(ins, interactive=True, up=2, down=1)
    dumped = json.dumps(blocks, ensure_ascii=False)
    assert "<https://github.com/acme/payments/pull/101|acme/payments#101>" in dumped
    assert "javascript:" not in dumped and "<!channel>" not in dumped
    buttons = next(b for b in blocks if b["type"] == "actions")["elements"]
    votes = [Vote.decode(b["value"]) for b in buttons if b["action_id"].startswith("feedback_")]
    # a lead's snooze, then anyone's "Try as an experiment" (the insight has a next step)
    assert [b["action_id"] for b in buttons][-2:] == ["insight_snooze", "experiment_try"]
    assert [(v.insight_id, v.team, v.value) for v in votes] == [
        (ins.id, "team-a", 1),
        (ins.id, "team-a", -1),
    ]
    tally = next(b for b in blocks if b.get("block_id") == tally_block_id(ins.id))
    assert "👍 2 · 👎 1" in tally["elements"][0]["text"]
    preview = insight_blocks(ins, interactive=False)
    shown = [e["action_id"] for b in preview if b["type"] == "actions" for e in b["elements"]]
    assert shown == [SHOW_METHOD]  # no votes outside the team's digest


def test_with_tally_replaces_only_that_insight() -> None:
    a, b = review_insight(), review_insight(week="2026-W46")
    blocks = insight_blocks(a, interactive=True) + insight_blocks(b, interactive=True)
    updated = with_tally(blocks, a.id, 1, 0)
    changed = [i for i, (x, y) in enumerate(zip(blocks, updated, strict=True)) if x != y]
    assert len(changed) == 1 and updated[changed[0]]["block_id"] == tally_block_id(a.id)


def test_vote_value_rejects_tampering() -> None:
    with pytest.raises(ValueError):
        Vote.decode('{"i": "x", "t": "team-a", "v": 5}')
    with pytest.raises((ValueError, KeyError)):
        Vote.decode("not json")
