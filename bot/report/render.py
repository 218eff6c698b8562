"""The report as Markdown, HTML (charts embedded) and Block Kit, from one Narrative (pure).

All three say the same sentences in the same order; the DORA table is built from the
report's figures (never rewritten). HTML escapes every text; Block Kit escapes for mrkdwn
and keeps to Slack's limits (the chart goes into the thread as an image upload).
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping

from bot.report.build import Report
from bot.report.dora import Figure
from bot.report.narrative import Narrative, amount
from bot.slack.blocks.answers import Rendered
from bot.slack.blocks.common import Block, context, divider, fit, header, section
from bot.slack.limits import MAX_SECTION_TEXT, ensure_blocks
from bot.slack.text import escape

_ARROW = {"up": "↑", "down": "↓", "flat": "→"}
_NUMBERED = re.compile(r"^\d+\. ")


def cell(f: Figure) -> str:
    """ "41.0/wk ↑24% real" / "31 h ↓4% usual": one DORA figure in a table cell."""
    change = (
        f"{_ARROW.get(f.direction or '', '')}{abs(f.change):.0%}" if f.change is not None else "n/a"
    )
    noise = "real" if f.beyond_noise else ("usual" if f.usual is not None else "too few weeks")
    return f"{amount(f, f.value)} {change} {noise}"


def table_rows(report: Report) -> tuple[list[str], list[list[str]]]:
    """(header, rows): one row per scope, one column per DORA figure."""
    labels = [f.label for f in report.dora[0].figures] if report.dora else []
    rows = [[s.name, *(cell(f) for f in s.figures)] for s in report.dora]
    return ["", *labels], rows


def markdown(report: Report, text: Narrative, charts: Mapping[str, str] | None = None) -> str:
    """The report as Markdown; `charts` maps a scope name to an image path beside the file."""
    out = [f"# {text.title}", "", f"_{text.note}_", ""]
    for s in text.sections:
        out += [f"## {s.title}", ""]
        out += [p + "\n" for p in s.paragraphs]
        if s.key == "dora":
            head, rows = table_rows(report)
            out.append("| " + " | ".join(head) + " |")
            out.append("|" + "---|" * len(head))
            out += ["| " + " | ".join(r) + " |" for r in rows]
            out.append("")
            out += [f"![{name}: DORA by week]({path})\n" for name, path in (charts or {}).items()]
        out += [b if _NUMBERED.match(b) else f"- {b}" for b in s.bullets]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:860px;margin:2em auto;padding:0 1em;"
    "line-height:1.45;color:#1d1c1d}table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #ddd;padding:.35em .6em;text-align:left;font-size:.92em}"
    "th{background:#f4f4f4}.note{color:#616061;font-style:italic}img{max-width:100%}"
)


def _table_html(report: Report) -> str:
    head, rows = table_rows(report)
    parts = ["<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"]
    for row in rows:
        parts.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
    return "".join(parts) + "</table>"


def to_html(report: Report, text: Narrative, charts: Mapping[str, bytes] | None = None) -> str:
    """A standalone page; `charts` maps a scope name to PNG bytes, embedded inline."""
    body = [f"<h1>{html.escape(text.title)}</h1>", f"<p class=note>{html.escape(text.note)}</p>"]
    for s in text.sections:
        body.append(f"<h2>{html.escape(s.title)}</h2>")
        body += [f"<p>{html.escape(p)}</p>" for p in s.paragraphs]
        if s.key == "dora":
            body.append(_table_html(report))
            for name, png in (charts or {}).items():
                data = base64.b64encode(png).decode()
                alt = html.escape(f"{name}: DORA figures by week, this quarter and last")
                body.append(f'<img alt="{alt}" src="data:image/png;base64,{data}">')
        if s.bullets:
            numbered = all(_NUMBERED.match(b) for b in s.bullets)
            tag = "ol" if numbered else "ul"
            items = (_NUMBERED.sub("", b) if numbered else b for b in s.bullets)
            body.append(f"<{tag}>" + "".join(f"<li>{html.escape(b)}</li>" for b in items))
            body.append(f"</{tag}>")
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(text.title)}"
        f"</title><style>{_CSS}</style></head><body>{''.join(body)}</body></html>\n"
    )


def _chunks(lines: list[str]) -> list[str]:
    """Lines joined into sections' texts, each within Slack's section limit."""
    out: list[str] = []
    for line in lines:
        if out and len(out[-1]) + len(line) + 1 <= MAX_SECTION_TEXT:
            out[-1] += "\n" + line
        else:
            out.append(line)
    return out


def blocks(report: Report, text: Narrative) -> Rendered:
    """The report as one Slack message (the chart follows in its thread)."""
    out: list[Block] = [header(text.title)]
    for s in text.sections:
        out.append(section(f"*{escape(s.title)}*\n" + "\n".join(escape(p) for p in s.paragraphs)))
        if s.key == "dora":
            head, rows = table_rows(report)
            lines = [
                f"*{escape(r[0])}*: "
                + " · ".join(
                    f"{escape(h)} {escape(c)}" for h, c in zip(head[1:], r[1:], strict=True)
                )
                for r in rows
            ]
            out += [section(t) for t in _chunks(lines)]
        out += [section(t) for t in _chunks([f"• {escape(b)}" for b in s.bullets])]
        out.append(divider())
    out.append(context(escape(text.note) + " Team-level figures only; never a per-person number."))
    out = fit(out)
    fallback = escape(
        f"{text.title}: {len(report.bottlenecks)} bottlenecks, "
        f"{len(report.recommendations)} recommendations"
    )
    ensure_blocks(out, text=fallback)
    return Rendered(fallback, out)
