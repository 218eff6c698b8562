"""What feedback kept out of a digest, said in the digest itself (pure).

Nothing is hidden silently: each finding a lead snoozed, or that only the threshold votes
raised kept out, gets a line naming it and why, with a "Show" button that posts the finding
to whoever asks (bot/slack/actions/snooze.py), vote buttons included, so it can be voted
back up. A snooze that hid nothing this week is still mentioned while it lasts.

Hooked into the digest: `build_digest` fills `Digest.hidden` / `snoozes` (`kept_out_of`),
`render_digest` adds `hidden_blocks`, `render_digest_text` adds `hidden_text`, and
`post_digest` stores the hidden findings (`save_hidden`) beside the shown ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from analytics.insights.hiding import Findings, Hidden, Snooze
from bot.slack.blocks.common import Block, context, section
from bot.slack.blocks.feedback import kind_words, local_date, show_button
from bot.slack.text import escape


class KeptOut(TypedDict):
    """The Digest fields this module fills (`Digest(..., **kept_out_of(found))`)."""

    hidden: tuple[Hidden, ...]
    snoozes: tuple[Snooze, ...]


def kept_out_of(found: Findings) -> KeptOut:
    return KeptOut(hidden=found.hidden, snoozes=found.snoozes)


def hidden_line(h: Hidden, tz: str) -> str:
    """One hidden finding in words (mrkdwn, escaped)."""
    what = f"{escape(kind_words(h.insight.kind))} — *{escape(h.insight.title)}*"
    if h.by == "snooze":
        return f"Snoozed until {local_date(h.until, tz)} by a lead: {what}"
    return f"Under the threshold the team's votes raised: {what} _({escape(h.note)})_"


def _idle(snoozes: Sequence[Snooze], hidden: Sequence[Hidden]) -> list[Snooze]:
    """Snoozes in force that hid nothing this week."""
    used = {(h.insight.kind, h.insight.team) for h in hidden if h.by == "snooze"}
    return [s for s in snoozes if (s.kind, s.team) not in used]


def summary(hidden: Sequence[Hidden]) -> str:
    n = len(hidden)
    snoozed = sum(1 for h in hidden if h.by == "snooze")
    parts = [f"{snoozed} snoozed by a lead"] if snoozed else []
    if n - snoozed:
        parts.append(f"{n - snoozed} under a threshold votes raised")
    finding = "finding" if n == 1 else "findings"
    return f"*Kept out by feedback:* {n} {finding} ({', '.join(parts)}); Show posts one to you."


def quiet_text(hidden: Sequence[Hidden]) -> str:
    """The digest's line when nothing is shown: not "keep doing" when feedback hid some."""
    if hidden:
        return "Nothing shown this week, but feedback kept findings out: see below."
    return "Quiet week: nothing flagged. Keep doing what you are doing."


def hidden_blocks(
    hidden: Sequence[Hidden], snoozes: Sequence[Snooze], tz: str, *, interactive: bool = True
) -> list[Block]:
    """The digest's section on what feedback kept out ([] when nothing was)."""
    idle = _idle(snoozes, hidden)
    if not hidden and not idle:
        return []
    blocks: list[Block] = [section(summary(hidden))] if hidden else []
    for h in hidden:
        button = show_button(h.insight.id, h.insight.team) if interactive else None
        blocks.append(section(hidden_line(h, tz), accessory=button))
    if idle:
        blocks.append(
            context(
                *(
                    f"Snoozed until {local_date(s.ends_at, tz)} by a lead: "
                    f"{escape(kind_words(s.kind))} (not found this week)"
                    for s in idle
                )
            )
        )
    return blocks


def hidden_text(hidden: Sequence[Hidden], snoozes: Sequence[Snooze], tz: str) -> list[str]:
    """The same for the console digest."""
    lines = [f"Kept out by feedback: {len(hidden)}"] if hidden else []
    for h in hidden:
        lines.append(f"- {_unescape(hidden_line(h, tz)).replace('*', '')}")
    for s in _idle(snoozes, hidden):
        lines.append(
            f"- Snoozed until {local_date(s.ends_at, tz)}: {kind_words(s.kind)} (not found)"
        )
    return lines


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
