"""Block Kit previews: terminal text and HTML show what Slack would show, safely."""

from __future__ import annotations

from bot.preview import blocks_to_html, blocks_to_text

BLOCKS = [
    {"type": "header", "text": {"type": "plain_text", "text": "team-b · week 2026-W47"}},
    {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": "*Review wait* rose to 14 h "
            "<https://github.com/acme/api/pull/7|#7> &lt;script&gt;",
        },
        "fields": [{"type": "mrkdwn", "text": "*Deploys* 12 ↑"}],
    },
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "median of 31 PRs"}]},
    {
        "type": "actions",
        "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "👍 Useful"}, "value": "up"},
            {"type": "button", "text": {"type": "plain_text", "text": "👎 Not useful"}},
        ],
    },
]


def test_text_preview_shows_every_kind_of_block() -> None:
    text = blocks_to_text(BLOCKS)
    assert text.splitlines()[0] == "team-b · week 2026-W47"
    assert "#7 (https://github.com/acme/api/pull/7)" in text
    assert "<script>" in text  # unescaped for reading in a terminal
    assert "  *Deploys* 12 ↑" in text and "median of 31 PRs" in text
    assert "[👍 Useful]  [👎 Not useful]" in text


def test_html_preview_links_formats_and_escapes() -> None:
    page = blocks_to_html(BLOCKS, title="digest", images={"trend chart": "team-b.png"})
    assert '<a href="https://github.com/acme/api/pull/7">#7</a>' in page
    assert "<b>Review wait</b>" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<img src='team-b.png' alt='trend chart'>" in page
    assert page.count("class='btn'") == 2


def test_slack_emoji_codes_show_as_glyphs() -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": ":red_circle: *CFR up*"}}]
    assert blocks_to_text(blocks) == "🔴 *CFR up*"
    assert "🔴 <b>CFR up</b>" in blocks_to_html(blocks, title="t")
