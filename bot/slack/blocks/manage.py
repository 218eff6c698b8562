"""Answers for experiments, annotations and the pulse (pure), made of the core's plain lines.

The lines come from bot/core/ (experiment_text.py and the like), the same the CLI prints;
here each is escaped, the first made the header, the verdict bolded, the method put in
small print.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.slack.blocks.answers import Rendered
from bot.slack.blocks.common import Block, context, header, section
from bot.slack.limits import ensure_blocks
from bot.slack.text import escape, truncate

HOW = "How: "


def lines_answer(lines: Sequence[str], *, bold_first: bool = True) -> Rendered:
    """A message of plain `lines`: the first as the header, the next bolded (the verdict or
    the main news), "How: ..." lines as small print, the rest as sections."""
    if not lines:
        lines = ["Nothing to show."]
    blocks: list[Block] = [header(lines[0])]
    for i, line in enumerate(lines[1:]):
        if line.startswith(HOW):
            blocks.append(context(escape(line)))
        elif i == 0 and bold_first:
            blocks.append(section(f"*{escape(line)}*"))
        else:
            blocks.append(section(escape(line)))
    text = escape(truncate(" ".join(lines[:2]), 3000))
    ensure_blocks(blocks, text=text)
    return Rendered(text, blocks)


def list_answer(title: str, lines: Sequence[str]) -> Rendered:
    """A list: a header and one bullet per line (several sections when long)."""
    blocks: list[Block] = [header(title)]
    chunk: list[str] = []
    for line in lines:
        bullet = f"• {escape(line)}"
        if sum(len(c) + 1 for c in chunk) + len(bullet) > 2900:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(bullet)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    blocks = blocks[:50]
    text = escape(title)
    ensure_blocks(blocks, text=text)
    return Rendered(text, blocks)
