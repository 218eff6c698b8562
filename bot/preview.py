"""Show a Block Kit message without Slack: as terminal text, or as an HTML page.

The demo and `metrics-bot digest` use these so a team can see what the bot would post
before anyone installs the Slack app. Both read the same blocks the bot sends. The HTML
page keeps to a Slack message column (MESSAGE_WIDTH_PX at most, narrower windows wrap)
and shows charts as Slack does, at the charts' display width (bot.slack.charts), in the
message's thread.
"""

from __future__ import annotations

import html
import re
from typing import Any

from bot.slack.charts import DISPLAY_WIDTH_PX

MESSAGE_WIDTH_PX = 760
"""The preview's message column: about Slack's desktop message column on a 1280 px screen."""

_LINK = re.compile(r"<(https?://[^|>]+)(?:\|([^>]+))?>")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")
_CODE = re.compile(r"`([^`\n]+)`")


_EMOJI = {
    ":red_circle:": "🔴",
    ":large_orange_circle:": "🟠",
    ":large_blue_circle:": "🔵",
    ":white_check_mark:": "✅",
    ":warning:": "⚠️",
    ":chart_with_upwards_trend:": "📈",
    ":chart_with_downwards_trend:": "📉",
}


def _emoji(text: str) -> str:
    for code, glyph in _EMOJI.items():
        text = text.replace(code, glyph)
    return text


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _mrkdwn_to_plain(text: str) -> str:
    text = _emoji(text)
    text = _LINK.sub(lambda m: f"{m.group(2) or m.group(1)} ({m.group(1)})", text)
    return _unescape(text)


def _text_of(obj: dict[str, Any] | None) -> str:
    return "" if not obj else str(obj.get("text", ""))


def blocks_to_text(blocks: list[dict[str, Any]]) -> str:
    """A plain-text rendering for terminals: headers, sections, fields, context, buttons."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = _text_of(block.get("text"))
            lines += [title, "=" * len(title)]
        elif kind == "section":
            if block.get("text"):
                lines.append(_mrkdwn_to_plain(_text_of(block["text"])))
            for item in block.get("fields", []):
                lines.append("  " + _mrkdwn_to_plain(_text_of(item)))
        elif kind == "context":
            parts = [
                _mrkdwn_to_plain(_text_of(e)) for e in block.get("elements", []) if "text" in e
            ]
            lines.append("  " + " · ".join(parts))
        elif kind == "actions":
            labels = [_text_of(e.get("text")) for e in block.get("elements", [])]
            lines.append("  " + "  ".join(f"[{label}]" for label in labels))
        elif kind == "divider":
            lines.append("-" * 60)
        elif kind == "image":
            lines.append(f"  (chart: {block.get('alt_text', 'image')})")
    return "\n".join(lines)


def _mrkdwn_to_html(text: str) -> str:
    escaped = html.escape(_unescape(_emoji(text)), quote=False)
    escaped = re.sub(
        r"&lt;(https?://[^|&]+)(?:\|([^&]+))?&gt;",
        lambda m: f'<a href="{html.escape(m.group(1))}">{m.group(2) or m.group(1)}</a>',
        escaped,
    )
    escaped = _BOLD.sub(r"<b>\1</b>", escaped)
    escaped = _ITALIC.sub(r"<i>\1</i>", escaped)
    escaped = _CODE.sub(r"<code>\1</code>", escaped)
    return escaped.replace("\n", "<br>")


_CSS = (
    """
*{box-sizing:border-box}
body{font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;background:#f8f8f8;
margin:0;padding:24px 12px;color:#1d1c1d;font-size:15px}
.msg{margin:auto;background:#fff;border:1px solid #ddd;border-radius:8px;
padding:16px 20px;overflow-wrap:anywhere}
.who{font-weight:700;margin-bottom:8px}.who span{font-weight:400;color:#616061;font-size:12px}
h2{font-size:18px;margin:8px 0}.section{margin:8px 0;line-height:1.45}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 16px;margin:6px 0}
.context{color:#616061;font-size:12px;margin:4px 0;line-height:1.5}
hr{border:0;border-top:1px solid #eee}
.actions{display:flex;flex-wrap:wrap;gap:4px 6px;margin:4px 0}
.btn{display:inline-block;border:1px solid #ccc;border-radius:4px;padding:3px 10px;
font-size:13px;white-space:nowrap}
.thread{border-top:1px solid #eee;margin-top:12px;padding-top:8px}
.img{margin:8px 0}.img img{max-width:100%;height:auto;display:block;
border:1px solid #eee;border-radius:4px}
code{background:#f4f4f4;border-radius:3px;padding:0 3px}
"""
    + (
        f".msg{{max-width:{MESSAGE_WIDTH_PX}px}}"
        f".img img{{width:{DISPLAY_WIDTH_PX}px}}"  # the charts' display size: 2x pixels, sharp
    )
)


def _img(src: str, alt: str) -> str:
    return f"<div class='img'><img src='{html.escape(src)}' alt='{html.escape(alt)}'></div>"


def blocks_to_html(
    blocks: list[dict[str, Any]], *, title: str, images: dict[str, str] | None = None
) -> str:
    """A self-contained HTML page that looks like the Slack message.

    `images` maps an image block's alt text to a local file to show in its place; images
    no block names are shown in the thread under the message, where the bot uploads its
    charts (the preview links them from disk).
    """
    images = images or {}
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        "<div class='msg'><div class='who'>metrics-bot <span>APP</span></div>",
    ]
    parts += [_block_html(block, images) for block in blocks]
    parts += _thread_html(blocks, images)
    parts.append("</div></body></html>")
    return "".join(parts)


def _block_html(block: dict[str, Any], images: dict[str, str]) -> str:
    """One block as HTML ("" for a type the preview does not draw)."""
    kind = block.get("type")
    if kind == "header":
        return f"<h2>{html.escape(_text_of(block.get('text')))}</h2>"
    if kind == "section":
        return _section_html(block)
    if kind == "context":
        cells = " · ".join(
            _mrkdwn_to_html(_text_of(e)) for e in block.get("elements", []) if "text" in e
        )
        return f"<div class='context'>{cells}</div>"
    if kind == "actions":
        buttons = "".join(
            f"<span class='btn'>{html.escape(_text_of(e.get('text')))}</span>"
            for e in block.get("elements", [])
        )
        return f"<div class='actions'>{buttons}</div>"
    if kind == "divider":
        return "<hr>"
    if kind == "image":
        alt = str(block.get("alt_text", ""))
        return _img(images.get(alt) or str(block.get("image_url", "")), alt)
    return ""


def _section_html(block: dict[str, Any]) -> str:
    """A section's text, then its fields in Slack's two-column grid."""
    html_text = ""
    if block.get("text"):
        html_text += f"<div class='section'>{_mrkdwn_to_html(_text_of(block['text']))}</div>"
    if block.get("fields"):
        cells = "".join(f"<div>{_mrkdwn_to_html(_text_of(f))}</div>" for f in block["fields"])
        html_text += f"<div class='fields'>{cells}</div>"
    return html_text


def _thread_html(blocks: list[dict[str, Any]], images: dict[str, str]) -> list[str]:
    """Images no image block shows, in the message's thread (where the bot uploads charts)."""
    thread = [
        _img(src, alt)
        for alt, src in images.items()
        if not any(b.get("type") == "image" and b.get("alt_text") == alt for b in blocks)
    ]
    if not thread:
        return []
    return [
        "<div class='thread'><div class='who'>metrics-bot <span>in the thread</span>",
        "</div>",
        *thread,
        "</div>",
    ]
